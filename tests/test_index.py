import json

import numpy as np
import pytest

from rag import store
from rag.embed import HashingEmbedder
from rag.errors import IndexBusyError, IndexCorruptError, IndexMissingError, IndexStaleError
from rag.indexer import build_index, ensure_fresh, index_status
from rag.store import build_lock, current_generation, load_index


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__()
        self.embedded = 0

    def embed(self, texts):
        self.embedded += len(texts)
        return super().embed(texts)


def test_first_build_embeds_every_chunk_and_records_a_manifest(settings, embedder):
    report = build_index(settings, embedder)
    assert report.wrote and report.documents == 2 and report.embedded == report.chunks > 0
    index = load_index(settings.index_dir)
    manifest = index.manifest
    assert manifest.embedding_model == embedder.model_id and manifest.dimension == embedder.dim
    assert {"documents.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "lexical.weights.npy"} <= set(manifest.files)
    assert manifest.counts == {"documents": 2, "chunks": report.chunks}
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text


def test_unchanged_corpus_re_embeds_nothing(settings):
    build_index(settings, CountingEmbedder())
    again = CountingEmbedder()
    report = build_index(settings, again)
    assert not report.wrote and again.embedded == 0


def test_one_changed_article_re_embeds_only_its_new_chunks(settings, corpus):
    first = build_index(settings, CountingEmbedder())
    path = corpus / "nordline.txt"
    path.write_text(path.read_text() + "\nNordline added 40 new routes this year.", encoding="utf-8")
    counting = CountingEmbedder()
    report = build_index(settings, counting)
    assert report.plan.changed == ["nordline"] and report.plan.unchanged == ["orbital"]
    assert counting.embedded == 1 and report.chunks == first.chunks + 1


def test_deleted_article_leaves_the_index(settings, corpus):
    build_index(settings, CountingEmbedder())
    (corpus / "nordline.txt").unlink()
    report = build_index(settings, CountingEmbedder())
    assert report.plan.removed == ["nordline"]
    assert set(load_index(settings.index_dir).documents) == {"orbital"}


def test_status_reports_what_a_rebuild_would_do(settings, corpus, embedder):
    assert index_status(settings, embedder.model_id)["built"] is False
    build_index(settings, embedder)
    (corpus / "new.md").write_text("# New\n\nA new article with 5% growth.", encoding="utf-8")
    status = index_status(settings, embedder.model_id)
    assert status["documents"] == 2 and status["rebuild"]["add"] == ["new"] and not status["up_to_date"]


def test_failed_build_keeps_the_last_good_index(settings, corpus, embedder, monkeypatch):
    build_index(settings, embedder)
    before = current_generation(settings.index_dir)
    (corpus / "extra.txt").write_text("Extra article with 9% growth. More words here.", encoding="utf-8")

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_fsync_folder", explode)
    with pytest.raises(OSError):
        build_index(settings, embedder)
    assert current_generation(settings.index_dir) == before
    assert "extra" not in load_index(settings.index_dir).documents
    assert not list(settings.index_dir.glob(".tmp-*"))


def test_second_build_waits_then_refuses_while_the_lock_is_held(settings, embedder):
    with build_lock(settings.index_dir):
        with pytest.raises(IndexBusyError, match="another `rag index build` is running"):
            build_index(settings, embedder, wait_seconds=0.3)


def test_index_from_another_embedding_model_is_stale(settings, embedder):
    build_index(settings, embedder)
    with pytest.raises(IndexStaleError, match="rag index build"):
        ensure_fresh(load_index(settings.index_dir), settings, "some/other-model")
    settings.chunking.max_sentences = 3
    with pytest.raises(IndexStaleError, match="chunking"):
        ensure_fresh(load_index(settings.index_dir), settings, embedder.model_id)


def test_changed_settings_rebuild_everything(settings):
    build_index(settings, CountingEmbedder())
    settings.chunking.max_sentences = 1
    counting = CountingEmbedder()
    report = build_index(settings, counting)
    assert report.wrote and report.plan.stale_reasons == ["chunking settings changed"]


def test_missing_index_says_how_to_build(settings):
    with pytest.raises(IndexMissingError, match="rag index build"):
        load_index(settings.index_dir)


@pytest.mark.parametrize("damage", ["truncate_faiss", "edit_manifest", "garbage_manifest", "drop_vectors", "bad_pointer"])
def test_damaged_index_gives_a_one_line_error(settings, embedder, damage):
    build_index(settings, embedder)
    folder = current_generation(settings.index_dir)
    if damage == "truncate_faiss":
        data = (folder / "dense.faiss").read_bytes()
        (folder / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "edit_manifest":
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["counts"]["chunks"] += 1
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "garbage_manifest":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "drop_vectors":
        (folder / "vectors.npy").unlink()
    else:
        (settings.index_dir / "CURRENT").write_text("gen-does-not-exist")
    with pytest.raises(IndexCorruptError) as error:
        load_index(settings.index_dir)
    message = str(error.value)
    assert "\n" not in message and "rag index build" in message


def test_vectors_swapped_for_same_size_garbage_fail_the_checksum(settings, embedder):
    build_index(settings, embedder)
    folder = current_generation(settings.index_dir)
    vectors = np.load(folder / "vectors.npy")
    np.save(folder / "vectors.npy", np.zeros_like(vectors))
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(settings.index_dir)


def test_the_index_opens_lazily_and_reads_records_on_demand(settings, embedder):
    build_index(settings, embedder)
    index = load_index(settings.index_dir)
    assert isinstance(index.vectors, np.memmap)
    assert len(index.chunks) == index.manifest.counts["chunks"] == len(list(index.chunks))
    last = index.chunks[-1]
    assert last.chunk_id == len(index.chunks) - 1 and index.chunks[len(index.chunks) - 1] == last
    document = index.documents[last.doc_id]
    assert document.text[last.start:last.end] == last.text
    assert set(index.documents) == {d.doc_id for d in index.documents.values()}


def test_a_large_file_untouched_since_the_build_is_checked_by_samples(settings, embedder, monkeypatch):
    """Above FULL_HASH_BYTES a file whose size and mtime are unchanged is checked by sampled blocks only; damage
    between the samples then surfaces as a one-line error when the record is read, and a full check finds it."""
    import os

    monkeypatch.setattr(store, "FULL_HASH_BYTES", 0)
    build_index(settings, embedder)
    path = current_generation(settings.index_dir) / "chunks.jsonl"
    stat = path.stat()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 + 70_000 if len(data) > 200_000 else data.index(b'"text":"') + 8
    data[middle:middle + 1] = b"\x00"
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    monkeypatch.setattr(store, "sample_sha256", lambda p: store.FileEntry.model_validate(
        json.loads((p.parent / "manifest.json").read_text())["files"][p.name]).sample_sha256)
    index = load_index(settings.index_dir)
    with pytest.raises(IndexCorruptError, match="damaged at record") as error:
        list(index.chunks)
    assert "\n" not in str(error.value)
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(settings.index_dir, full_check=True)
    os.utime(path)  # touched since the build: hashed whole again
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(settings.index_dir)


def test_a_damaged_index_is_replaced_by_the_next_build(settings, embedder):
    build_index(settings, embedder)
    (current_generation(settings.index_dir) / "chunks.jsonl").write_text("junk")
    report = build_index(settings, embedder)
    assert report.wrote and any("previous index ignored" in w for w in report.plan.warnings)
    assert load_index(settings.index_dir).manifest.counts["documents"] == 2


def test_bad_files_are_skipped_with_a_warning_naming_them(settings, corpus, embedder):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (corpus / "latin1.txt").write_bytes("Café revenue rose 5% in São Paulo. The café chain grew.".encode("latin-1"))
    (corpus / "utf16.txt").write_bytes("Utf sixteen article with 7% growth. Another sentence.".encode("utf-16"))
    (corpus / "dupe.txt").write_text((corpus / "orbital.txt").read_text(), encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    report = build_index(settings, embedder)
    warnings = "\n".join(report.plan.warnings)
    assert "empty.txt: empty file" in warnings and "binary.txt: binary file" in warnings
    assert "latin1.txt: not UTF-8" in warnings and "orbital.txt: same content as dupe.txt" in warnings
    documents = load_index(settings.index_dir).documents
    assert "Café" in documents["latin1"].text and "7% growth" in documents["utf16"].text
    assert {"empty", "binary", "orbital", "image"}.isdisjoint(documents) and "dupe" in documents


def test_large_index_switches_to_ivf_recorded_in_the_manifest(settings, corpus, embedder):
    for n in range(60):
        (corpus / f"n{n}.txt").write_text(f"Note {n}\nCompany {n} grew {n + 1}% in year {2000 + n}. It hired {n} staff.")
    settings.retrieval.approximate_above = 50
    build_index(settings, embedder)
    index = load_index(settings.index_dir)
    plan = index.manifest.dense_index
    assert plan["type"] == "ivf" and plan["codes"] == "sq8" and plan["nprobe"] >= 1
    assert index.dense.ntotal == len(index.chunks) and "ScalarQuantizer" in type(index.dense).__name__
    from rag.retrieve import Retriever

    hits = Retriever(index, embedder, settings.retrieval).search("Company 7 grew 8%")
    assert any("Company 7 grew" in h.chunk.text for h in hits)


def test_index_folder_deleted_during_a_read_gives_a_one_line_error(settings, embedder, monkeypatch):
    import shutil

    build_index(settings, embedder)
    real = store._load_generation

    def delete_then_load(folder, *args):
        shutil.rmtree(settings.index_dir)
        return real(folder, *args)

    monkeypatch.setattr(store, "_load_generation", delete_then_load)
    with pytest.raises((IndexCorruptError, IndexMissingError)) as error:
        load_index(settings.index_dir)
    assert "\n" not in str(error.value) and "rag index build" in str(error.value)


def test_an_index_from_an_older_format_says_to_rebuild(settings, embedder):
    build_index(settings, embedder)
    manifest_path = current_generation(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format"], manifest["files"] = "rag-index/2", {"chunks.jsonl": "0" * 64}
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match=r"format 'rag-index/2'.*rag index build"):
        load_index(settings.index_dir)
    report = build_index(settings, embedder)
    assert report.wrote and any("rag-index/2" in w for w in report.plan.warnings)


def test_an_approximate_index_probes_enough_lists_for_the_recall_target():
    from rag.indexer import TARGET_RECALL, build_dense_index

    rng = np.random.default_rng(3)
    centres = rng.standard_normal((50, 32)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, 20_000)] + 0.5 * rng.standard_normal((20_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, plan = build_dense_index(vectors, {"type": "ivf", "metric": "inner_product", "nlist": 256, "nprobe": 1,
                                                "codes": "sq8"})
    assert plan["nprobe"] > 1 and plan["recall_at_10"] >= TARGET_RECALL and index.nprobe == plan["nprobe"]


def test_only_float_ivf_lists_from_older_builds_are_memory_mapped():
    import faiss

    assert store._dense_read_flags({"type": "ivf", "nlist": 8, "nprobe": 2}) == faiss.IO_FLAG_MMAP
    assert store._dense_read_flags({"type": "ivf", "nlist": 8, "nprobe": 2, "codes": "sq8"}) == 0
    assert store._dense_read_flags({"type": "flat"}) == 0


def test_a_generation_that_fails_its_check_never_replaces_the_last_good_one(settings, embedder, monkeypatch):
    build_index(settings, embedder)
    good = current_generation(settings.index_dir)
    (settings.corpus_dir / "third.txt").write_text("Third\n\nA third article with 7% growth.", encoding="utf-8")

    def short_write(folder, name, records):  # a writer that loses a record
        real_write(folder, name, list(records)[:-1] if name == "documents" else records)

    real_write = store._write_records
    monkeypatch.setattr(store, "_write_records", short_write)
    with pytest.raises(IndexCorruptError, match="previous index is kept"):
        build_index(settings, embedder)
    assert current_generation(settings.index_dir) == good and len(load_index(settings.index_dir).documents) == 2
