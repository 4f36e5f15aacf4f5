"""`rag index build --ray`: the embedding spread over a local Ray with two workers, one of which dies in the
middle of the build; the build still completes and holds exactly what a plain build holds."""

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray")

from rag.embed import HashingEmbedder  # noqa: E402
from rag.indexer import build_index  # noqa: E402
from rag.store import load_index  # noqa: E402


class DiesOnce:
    """Builds an embedder whose first batch, in whichever worker gets it, kills that worker's process."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __call__(self):
        marker = self.marker

        class Embedder(HashingEmbedder):
            def embed(self, texts):
                if not marker.exists():
                    marker.write_text(str(os.getpid()))
                    os._exit(1)  # the worker dies mid-batch, as a lost machine would
                return super().embed(texts)

        return Embedder()


@pytest.fixture(scope="module")
def ray_here():
    import sys

    import ray
    from ray import cloudpickle

    from rag.distributed import start_ray

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    yield start_ray(None, 2)
    ray.shutdown()


def test_ray_build_survives_a_killed_worker_and_matches_a_plain_build(settings, corpus, embedder, tmp_path, ray_here):
    from rag.distributed import RayEmbedder

    for number in range(12):  # enough chunks for several batches over both workers
        (corpus / f"wire-{number}.txt").write_text(
            f"Wire story {number}\n\n" + " ".join(f"Port {number} handled {number * 7 + i} thousand containers in "
                                                f"{2000 + i}." for i in range(10)), encoding="utf-8")
    plain = build_index(settings, embedder)
    marker = tmp_path / "killed"
    distributed = RayEmbedder(DiesOnce(marker), embedder.model_id, embedder.dim, workers=2, batch_texts=16)
    ray_settings = settings.model_copy(update={"index_dir": tmp_path / "ray-index"})
    report = build_index(ray_settings, distributed)
    assert marker.exists(), "no worker was killed: the test did not test anything"
    assert report.wrote and (report.chunks, report.embedded) == (plain.chunks, plain.chunks)
    one, other = load_index(settings.index_dir), load_index(ray_settings.index_dir)
    assert [c.model_dump() for c in one.chunks] == [c.model_dump() for c in other.chunks]
    np.testing.assert_allclose(np.asarray(one.vectors), np.asarray(other.vectors), atol=1e-6)


def test_ray_workers_chunk_and_embed_into_milvus_as_a_plain_build_does(settings, corpus, embedder, tmp_path, ray_here):
    pytest.importorskip("milvus_lite")
    from rag.distributed import RayEmbedder
    from rag.milvus_store import disconnect
    from rag.pipeline import open_index

    (corpus / "empty.txt").write_text("Nothing Here\n\n", encoding="utf-8")  # a document without chunks
    plain = settings.model_copy(update={"store": f"milvus://{tmp_path}/plain.db"})
    distributed = settings.model_copy(update={"store": f"milvus://{tmp_path}/ray.db"})
    build_index(plain, embedder)
    report = build_index(distributed, RayEmbedder(type(embedder), embedder.model_id, embedder.dim, batch_texts=1))
    one, other = open_index(plain, embedder), open_index(distributed, embedder)
    assert report.chunks == len(one.chunks) and report.embedded == report.chunks
    assert [c.model_dump() for c in one.chunks] == [c.model_dump() for c in other.chunks]
    rows = list(range(len(one.chunks)))
    np.testing.assert_allclose(one.chunk_vectors(rows), other.chunk_vectors(rows), atol=1e-6)
    for store in (plain.store, distributed.store):
        disconnect(store)
