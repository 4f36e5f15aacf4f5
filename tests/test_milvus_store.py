"""The index in Milvus (here milvus-lite in a file, the same client code as a Milvus server): built, rebuilt
incrementally, read through the ChunkStore seam with the answers and citations of the on-disk index."""

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from rag.answer import Answerer  # noqa: E402
from rag.errors import IndexBusyError, IndexStaleError, InputError  # noqa: E402
from rag.indexer import build_index, index_status  # noqa: E402
from rag.milvus_store import disconnect, lexical_terms, parse_store  # noqa: E402
from rag.pipeline import open_index  # noqa: E402
from rag.store import load_index  # noqa: E402

from conftest import FakeGenerator  # noqa: E402

QUESTIONS = ["How much will Orbital spend on new vessels?", "By how much will Orbital raise container rates?",
             "What share of Atlantic container traffic does Orbital hold?", "How many employees does Helix have?",
             "How many people does Nordline employ?"]


@pytest.fixture
def milvus_settings(settings, tmp_path):
    store = f"milvus://{tmp_path}/store.db"
    yield settings.model_copy(update={"store": store})
    disconnect(store)


def _answers(settings, index, embedder):
    answerer = Answerer(settings, index, embedder, FakeGenerator(lambda messages: "$1.5 billion 12% 17% 12,000"))
    return [(a.answer, a.answerable, [(c.doc_id, c.start, c.end) for c in a.citations])
            for a in map(answerer.ask, QUESTIONS)]


def test_milvus_store_answers_as_the_on_disk_index(settings, milvus_settings, corpus, embedder):
    (corpus / "helix.txt").write_text("Helix Teases New Ships\n\nHelix released a trailer in 2025 and teased two "
                                      "ships.", encoding="utf-8")  # stems that end as a suffix would: 'releas'
    build_index(settings, embedder)
    report = build_index(milvus_settings, embedder)
    disconnect(milvus_settings.store)  # read as another process would: milvus-lite started again, nothing loaded
    on_disk, in_milvus = load_index(settings.index_dir), open_index(milvus_settings, embedder, build_if_missing=False)
    assert report.wrote and report.chunks == len(on_disk.chunks) == len(in_milvus.chunks)
    assert _answers(settings, on_disk, embedder) == _answers(milvus_settings, in_milvus, embedder)
    vector = embedder.embed(["Orbital container rates"])[0]
    assert [r for r, _ in on_disk.dense_search(vector, 5)] == [r for r, _ in in_milvus.dense_search(vector, 5)]
    for question in ("Orbital container rates", "Which ships did Helix tease?", "Nordline employs people"):
        disk_hits, milvus_hits = on_disk.lexical_search(question, 5), in_milvus.lexical_search(question, 5)
        assert [r for r, _ in disk_hits] == [r for r, _ in milvus_hits]  # scored with the on-disk BM25 formula
        assert [s for _, s in disk_hits] == pytest.approx([s for _, s in milvus_hits], rel=1e-5)
    for term in [*on_disk.lexical.vocab, "nowhere"]:  # every indexed term ('ships' is held as 'ship'), and one unseen
        assert in_milvus.term_idf(term) == pytest.approx(on_disk.term_idf(term), rel=1e-6), term
    assert in_milvus.documents["orbital"].text == on_disk.documents["orbital"].text


def assert_scores_as_on_disk(milvus_settings, embedder):
    """The store's BM25 statistics, kept up by incremental builds, are those of an index built afresh."""
    disk_settings = milvus_settings.model_copy(update={"store": ""})
    build_index(disk_settings, embedder)
    on_disk, in_milvus = load_index(disk_settings.index_dir), open_index(milvus_settings, embedder)
    for term in [*on_disk.lexical.vocab, "gone"]:
        assert in_milvus.term_idf(term) == pytest.approx(on_disk.term_idf(term), rel=1e-6), term
    for question in ("Nordline terminal Hamburg", "Orbital container rates"):
        assert [s for _, s in in_milvus.lexical_search(question, 5)] == \
            pytest.approx([s for _, s in on_disk.lexical_search(question, 5)], rel=1e-5)


def test_milvus_rebuild_touches_only_changed_documents(milvus_settings, corpus, embedder):
    build_index(milvus_settings, embedder)
    assert build_index(milvus_settings, embedder).wrote is False
    before = {c.chunk_id: c for c in open_index(milvus_settings, embedder).chunks}
    with open(corpus / "nordline.txt", "a", encoding="utf-8") as handle:
        handle.write("\nNordline opened a new terminal in Hamburg in 2025.")
    report = build_index(milvus_settings, embedder)
    assert report.plan.changed == ["nordline"] and 0 < report.embedded < report.chunks
    after = {c.chunk_id: c for c in open_index(milvus_settings, embedder).chunks}
    untouched = {r: c for r, c in before.items() if c.doc_id == "orbital"}
    assert untouched == {r: c for r, c in after.items() if c.doc_id == "orbital"}
    assert any("Hamburg" in c.text for c in after.values())
    (corpus / "nordline.txt").unlink()
    report = build_index(milvus_settings, embedder)
    index = open_index(milvus_settings, embedder)
    assert report.plan.removed == ["nordline"] and set(index.documents) == {"orbital"}
    assert {c.doc_id for c in index.chunks} == {"orbital"} and len(index.chunks) == report.chunks
    assert not any(index.chunks[row].doc_id == "nordline" for row, _ in index.lexical_search("Nordline terminal", 10))
    assert_scores_as_on_disk(milvus_settings, embedder)


def test_milvus_store_is_refused_when_stale_or_mid_build(milvus_settings, embedder):
    from rag.milvus_store import _meta_put, connect, live_target

    build_index(milvus_settings, embedder)
    changed = milvus_settings.model_copy(deep=True)
    changed.chunking.max_sentences = 3
    with pytest.raises(IndexStaleError):
        open_index(changed, embedder)
    assert index_status(changed, embedder.model_id)["rebuild"]["stale_reasons"]
    client = connect(parse_store(milvus_settings.store))
    _meta_put(client, live_target(client, parse_store(milvus_settings.store)), "building", "{}")  # a build died
    with pytest.raises(IndexBusyError):
        open_index(milvus_settings, embedder)
    report = build_index(milvus_settings, embedder)  # the next build finishes the job
    assert report.wrote
    assert len(open_index(milvus_settings, embedder).chunks) == report.chunks
    assert_scores_as_on_disk(milvus_settings, embedder)


def test_a_full_rebuild_that_fails_leaves_the_last_good_store_in_use(milvus_settings, embedder):
    from rag.embed import HashingEmbedder

    build_index(milvus_settings, embedder)
    before = _answers(milvus_settings, open_index(milvus_settings, embedder), embedder)

    class Failing(HashingEmbedder):
        model_id = "test/another-model"  # a model change: the whole store is built again, as a new generation

        def embed(self, texts):
            raise RuntimeError("the machine ran out of memory")

    with pytest.raises(RuntimeError):
        build_index(milvus_settings, Failing())
    assert _answers(milvus_settings, open_index(milvus_settings, embedder), embedder) == before
    other = HashingEmbedder(256)
    other.model_id = "test/another-model"
    report = build_index(milvus_settings, other)  # done this time: readers move to it, the old one is dropped
    assert report.wrote and open_index(milvus_settings, other).manifest.embedding_model == "test/another-model"
    with pytest.raises(IndexStaleError):
        open_index(milvus_settings, embedder)


def test_store_addresses_and_terms():
    assert parse_store("milvus:///data/rag.db").lite_file is not None
    server = parse_store("milvus://10.0.0.5:19530/wire")
    assert (server.uri, server.collection, server.lite_file) == ("http://10.0.0.5:19530", "wire", None)
    assert parse_store("milvus://localhost:19530").collection == "rag"
    for bad in ("postgres://x", "milvus://host:1/bad-name", "milvus://"):
        with pytest.raises(InputError):
            parse_store(bad)
    beijing = "x_" + "北京".encode().hex()  # the tokenizer would split CJK into characters
    assert lexical_terms("Revenue rose 3.5% in 北京") == ["revenu", "ris", "3_5", "percent", beijing]


def test_a_milvus_lite_file_open_in_another_process_is_a_one_line_busy_error(milvus_settings, embedder):
    import subprocess
    import sys

    build_index(milvus_settings, embedder)
    disconnect(milvus_settings.store)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from rag.milvus_store import connect, "
                               "parse_store; connect(parse_store(sys.argv[1])); print('open', flush=True); "
                               "time.sleep(60)", milvus_settings.store], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(IndexBusyError, match="open in another process"):
            open_index(milvus_settings, embedder, build_if_missing=False)
    finally:
        holder.kill()
        holder.wait()


def test_one_warm_service_over_milvus_sees_a_build_land(milvus_settings, corpus, embedder):
    """`rag serve --store milvus://...`: answers from the store, and after a background build the next request
    reads the new content."""
    import time

    from rag.service import Service

    service = Service(milvus_settings, embedder, FakeGenerator(lambda messages: "12,000 15,000"))
    first = service.ask("How many people does Nordline employ?")
    assert first.answerable and "12,000" in first.answer
    (corpus / "nordline.txt").write_text((corpus / "nordline.txt").read_text(encoding="utf-8").replace(
        "12,000", "15,000"), encoding="utf-8")
    service.start_build()
    while service.building:
        time.sleep(0.1)
    assert service.last_build["ok"], service.last_build
    second = service.ask("How many people does Nordline employ?")
    assert second.answerable and "15,000" in second.answer and "12,000" not in second.answer
    assert service.status()["up_to_date"]
