"""Embedding on a Ray cluster: `rag index build --ray [ADDRESS]`.

The build itself does not change: it reads and chunks the corpus, finds which chunk texts have no vector yet,
and asks its embedder for them. `RayEmbedder` is that embedder spread over Ray Data: the texts become a
dataset, `map_batches` runs the model in a pool of worker actors (each loads the model once), and the vectors
come back to the build, which alone writes to the store, by row. A worker that dies mid-batch is restarted and
its batch run again (Ray's actor restarts and task retries); since workers never write, nothing is written
twice, and a retried batch gives the same vectors.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Callable

import numpy as np

from .embed import Embedder
from .errors import RagError
from .schema import Chunk, Document
from .settings import ChunkSettings

WORKERS = 2  # model actors on the cluster (locally: on this machine)
BATCH_TEXTS = 256  # texts per map_batches call: large enough to keep a worker's model busy
RETRIES = 3  # times a dead worker is restarted and its batch run again
START_ATTEMPTS = 3  # times Ray is started when its node does not come up in the 30 s Ray allows


class EmbedBatch:
    """A Ray Data worker: loads the model once, then embeds batch after batch."""

    make_embedder: Callable[[], Embedder]

    def __init__(self) -> None:
        self.embedder = self.make_embedder()

    def __call__(self, batch: dict) -> dict:
        vectors = self.embedder.embed([str(text) for text in batch["text"]])
        return {"row": batch["row"], "vector": list(np.asarray(vectors, dtype=np.float32))}


class ChunkAndEmbedBatch(EmbedBatch):
    """A Ray Data worker that chunks documents as the build would and embeds their chunks."""

    chunking: ChunkSettings

    def __call__(self, batch: dict) -> dict:
        from .chunk import chunk_document
        from .indexer import embed_text

        out: dict[str, list] = {"document_row": [], "doc_id": [], "chunk": []}
        texts: list[str | None] = []
        for row, stored in zip(batch["row"], batch["document"]):
            document = Document.model_validate_json(str(stored))
            made = chunk_document(document, self.chunking) or [None]  # a document without chunks still reports
            for chunk in made:
                out["document_row"].append(int(row))
                out["doc_id"].append(document.doc_id)
                out["chunk"].append(chunk.model_dump_json() if chunk else "")
                texts.append(embed_text(chunk, document) if chunk else None)
        vectors = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        real = [i for i, text in enumerate(texts) if text is not None]
        if real:
            vectors[real] = self.embedder.embed([texts[i] for i in real])
        return {**out, "vector": list(vectors)}


class RayEmbedder:
    """An Embedder whose embed() runs on Ray workers. `make_embedder` builds the model on each worker (a class
    or any picklable callable); model_id and dim are the model's, so the index records the real model."""

    def __init__(self, make_embedder: Callable[[], Embedder], model_id: str, dim: int, address: str | None = None,
                 workers: int = WORKERS, batch_texts: int = BATCH_TEXTS,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.make_embedder, self.model_id, self.dim = make_embedder, model_id, dim
        self.workers, self.batch_texts, self.progress = workers, batch_texts, progress
        self.address = address

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for batch in self._map([{"row": row, "text": text} for row, text in enumerate(texts)], EmbedBatch, {}):
            vectors[np.asarray(batch["row"], dtype=np.int64)] = np.stack(batch["vector"])
        return vectors

    def chunk_and_embed(self, documents: list[Document], chunking: ChunkSettings) -> dict[str, tuple[list, np.ndarray]]:
        """Each document's chunks (ids from 0) and their vectors, chunked and embedded on the workers."""
        found: dict[str, list] = {d.doc_id: [] for d in documents}
        items = [{"row": row, "document": d.model_dump_json()} for row, d in enumerate(documents)]
        for batch in self._map(items, ChunkAndEmbedBatch, {"chunking": chunking}, rows_out="document_row"):
            for doc_id, chunk, vector in zip(batch["doc_id"], batch["chunk"], batch["vector"]):
                if str(chunk):
                    found[str(doc_id)].append((Chunk.model_validate_json(str(chunk)), np.asarray(vector)))
        prepared = {}
        for doc_id, pairs in found.items():
            pairs.sort(key=lambda pair: pair[0].chunk_id)
            prepared[doc_id] = ([c for c, _ in pairs],
                                np.array([v for _, v in pairs], dtype=np.float32).reshape(len(pairs), self.dim))
        return prepared

    def _map(self, items: list[dict], worker_class: type, attributes: dict, rows_out: str = "row"):
        """Run worker_class over the items on a pool of model actors; yield its output batches. Every input row
        must come back (a retried batch replaces a lost one), or the build stops before writing."""
        ray = start_ray(self.address, self.workers)  # only when something is to be done
        blocks = min(len(items), max(self.workers, -(-len(items) // self.batch_texts)))
        data = ray.data.from_items(items, override_num_blocks=blocks)
        # The model maker travels inside the worker class: constructor arguments would sit in the object store,
        # where a restarted worker might not find them.
        worker = type(worker_class.__name__, (worker_class,),
                      {"make_embedder": staticmethod(self.make_embedder), **attributes})
        done = np.zeros(len(items), dtype=bool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Ray's notes on its own deprecations and on small datasets
            mapped = data.map_batches(worker, batch_size=self.batch_texts, num_cpus=1,
                                      compute=ray.data.ActorPoolStrategy(size=self.workers),
                                      max_restarts=RETRIES, max_task_retries=RETRIES)
            for batch in mapped.iter_batches(batch_size=self.batch_texts, batch_format="numpy"):
                done[np.asarray(batch[rows_out], dtype=np.int64)] = True
                if self.progress:
                    self.progress(int(done.sum()), len(items))
                yield batch
        if not done.all():
            raise RagError(f"the Ray workers returned {int(done.sum())} of {len(items)} results: the build was "
                           "not written; run it again")


def start_ray(address: str | None, workers: int):
    """Ray, connected to the cluster at `address`, or started on this machine with one CPU per worker."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise RagError("--ray needs Ray Data: pip install 'rag[scale]'") from None
    for attempt in range(START_ATTEMPTS):
        if ray.is_initialized():
            break
        try:
            if address:
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        except Exception as error:  # noqa: BLE001 - Ray raises plain Exception when its node starts too slowly
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            if "timed out during startup" in first and attempt + 1 < START_ATTEMPTS:
                ray.shutdown()  # a busy machine: Ray gives its node 30 s to start; start it again
                continue
            raise RagError(f"cannot start or reach Ray at {address or 'this machine'} ({first}): check the address "
                           "(ray://HOST:10001 or HOST:6379), or leave it out to run Ray here") from None
    for name in ("ray", "ray.data"):  # the build reports its own progress
        logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Ray's notes on its own deprecated settings
        ray.data.DataContext.get_current().enable_progress_bars = False
    return ray
