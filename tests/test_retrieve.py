"""Fusion of dense and lexical rankings, and the nudge towards chunks holding the kind of figure asked for."""

from types import SimpleNamespace

from rag.retrieve import Retriever
from rag.schema import Chunk


def chunk(number: int, kinds: list[str]) -> Chunk:
    return Chunk(chunk_id=number, doc_id="d", start=0, end=1, text="x", sentences=[], figure_kinds=kinds)


def test_a_statement_row_of_unsigned_cells_counts_as_holding_sums():
    """Asked for a sum, a row of a table in millions ('| 2018: (1,577)', no currency sign) holds one, as the
    extraction step reads it: it gains the same nudge as a row printed with '$'."""
    index = SimpleNamespace(chunks=[chunk(0, ["year"]), chunk(1, ["year", "number"]), chunk(2, ["percent"])])
    retriever = Retriever(index, embedder=None)
    ranked = [(0, 0.9), (2, 0.85), (1, 0.8)]
    assert [h.chunk.chunk_id for h in retriever._fuse(ranked, [], kind="money", k=3)] == [1, 0, 2]
    assert [h.chunk.chunk_id for h in retriever._fuse(ranked, [], kind="percent", k=3)] == [2, 0, 1]
    assert [h.chunk.chunk_id for h in retriever._fuse(ranked, [], kind=None, k=3)] == [0, 2, 1]
