"""Typed records passed between the stages: documents, chunks, hits, citations, answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Record):
    """A character range [start, end) in a document's cleaned text."""

    start: int
    end: int


class Document(_Record):
    doc_id: str = Field(description="Stable id: the file's path inside the corpus, without extension.")
    title: str
    path: str = Field(description="Path of the source file, relative to the corpus folder.")
    content_hash: str = Field(description="sha256 of the cleaned text.")
    text: str = Field(description="Cleaned text; every offset points into it.")


class Chunk(_Record):
    chunk_id: int
    doc_id: str
    start: int
    end: int
    text: str
    sentences: list[Span] = Field(description="Sentence spans inside the chunk, in document offsets.")
    section: str = Field("", description="The heading the chunk stands under, for context.")
    figure_kinds: list[str] = Field([], description="Kinds of figure the chunk holds (percent, money, number, year).")


class Hit(_Record):
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


class Citation(_Record):
    id: int = Field(description="The number used as [id] in the answer.")
    doc_id: str
    title: str
    path: str
    start: int
    end: int
    quote: str = Field(description="Exact cleaned text between start and end.")


class Timings(_Record):
    retrieve_s: float = 0.0
    generate_s: float = 0.0
    total_s: float = 0.0


class Answer(_Record):
    question: str
    answer: str
    answerable: bool
    citations: list[Citation] = []
    timings: Timings = Timings()
    warnings: list[str] = Field(default=[], exclude=True)
    signals: dict[str, float] = Field(default={}, exclude=True,
                                      description="The refusal signals of the weakest part (margin: the model's log-odds "
                                                  "of answering against NOT FOUND; coverage: the cited sentence's share "
                                                  "of the question's term weight); benchmarks/sweep.py fits on them.")
