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

WORKERS = 2  # model actors on the cluster (locally: on this machine)
BATCH_TEXTS = 256  # texts per map_batches call: large enough to keep a worker's model busy
RETRIES = 3  # times a dead worker is restarted and its batch run again


class EmbedBatch:
    """A Ray Data worker: loads the model once, then embeds batch after batch."""

    make_embedder: Callable[[], Embedder]

    def __init__(self) -> None:
        self.embedder = self.make_embedder()

    def __call__(self, batch: dict) -> dict:
        vectors = self.embedder.embed([str(text) for text in batch["text"]])
        return {"row": batch["row"], "vector": list(np.asarray(vectors, dtype=np.float32))}


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
        ray = start_ray(self.address, self.workers)  # only when something is to be embedded
        blocks = min(len(texts), max(self.workers, -(-len(texts) // self.batch_texts)))
        data = ray.data.from_items([{"row": row, "text": text} for row, text in enumerate(texts)],
                                   override_num_blocks=blocks)
        # The model maker travels inside the worker class: constructor arguments would sit in the object store,
        # where a restarted worker might not find them.
        worker = type("EmbedWorker", (EmbedBatch,), {"make_embedder": staticmethod(self.make_embedder)})
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        filled = np.zeros(len(texts), dtype=bool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Ray's notes on its own deprecations and on small datasets
            embedded = data.map_batches(worker, batch_size=self.batch_texts, num_cpus=1,
                                        compute=ray.data.ActorPoolStrategy(size=self.workers),
                                        max_restarts=RETRIES, max_task_retries=RETRIES)
            for batch in embedded.iter_batches(batch_size=self.batch_texts, batch_format="numpy"):
                rows = np.asarray(batch["row"], dtype=np.int64)
                vectors[rows] = np.stack(batch["vector"])
                filled[rows] = True
                if self.progress:
                    self.progress(int(filled.sum()), len(texts))
        if not filled.all():
            raise RagError(f"the Ray workers returned {int(filled.sum())} of {len(texts)} vectors: the build was "
                           "not written; run it again")
        return vectors


def start_ray(address: str | None, workers: int):
    """Ray, connected to the cluster at `address`, or started on this machine with one CPU per worker."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise RagError("--ray needs Ray Data: pip install 'rag[scale]'") from None
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            raise RagError(f"cannot start or reach Ray at {address or 'this machine'} ({first}): check the address "
                           "(ray://HOST:10001 or HOST:6379), or leave it out to run Ray here") from None
    for name in ("ray", "ray.data"):  # the build reports its own progress
        logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Ray's notes on its own deprecated settings
        ray.data.DataContext.get_current().enable_progress_bars = False
    return ray
