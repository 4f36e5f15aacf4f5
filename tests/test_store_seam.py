"""Answering reads an index only through the ChunkStore interface: a different store (here an in-memory one
with brute-force vectors, as a database-backed store would be) gives the same answers and citations."""

import numpy as np

from rag.answer import Answerer
from rag.indexer import build_index
from rag.lexical import BM25Index
from rag.store import load_index

from conftest import FakeGenerator


class MemoryStore:
    """Exact inner-product search in numpy and a BM25 index built in memory from the same chunks."""

    def __init__(self, manifest, documents, chunks, vectors, lexical_texts) -> None:
        self.manifest, self.documents, self.chunks = manifest, dict(documents), list(chunks)
        self.vectors = np.array(vectors, dtype=np.float32)
        self.lexical = BM25Index.build(lexical_texts)
        self.version = "in memory"
        self.calls = []

    def dense_search(self, vector, top):
        self.calls.append("dense")
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        rows = np.argsort(-scores)[:top]
        return [(int(r), float(scores[r])) for r in rows]

    def lexical_search(self, question, top):
        self.calls.append("lexical")
        return self.lexical.search(question, top)

    def term_idf(self, term):
        return self.lexical.term_idf(term)

    def chunk_vectors(self, rows):
        return self.vectors[rows]


def test_another_store_behind_the_interface_gives_the_same_answers(settings, embedder):
    build_index(settings, embedder)
    stored = load_index(settings.index_dir)
    texts = [f"{stored.documents[c.doc_id].title}\n{c.section}\n{c.text}" for c in stored.chunks]
    memory = MemoryStore(stored.manifest, {k: stored.documents[k] for k in stored.documents}, stored.chunks,
                         stored.vectors, texts)
    generator = FakeGenerator(lambda messages: "$1.5 billion 12% 17%")
    questions = ["How much will Orbital spend on new vessels?", "By how much will Orbital raise container rates?",
                 "What share of Atlantic container traffic does Orbital hold?", "How many employees does Helix have?"]
    on_disk = Answerer(settings, stored, embedder, generator)
    in_memory = Answerer(settings, memory, embedder, generator)
    for question in questions:
        a, b = on_disk.ask(question), in_memory.ask(question)
        assert (a.answer, a.answerable) == (b.answer, b.answerable), question
        assert [(c.doc_id, c.start, c.end) for c in a.citations] == [(c.doc_id, c.start, c.end) for c in b.citations]
    assert {"dense", "lexical"} <= set(memory.calls)
