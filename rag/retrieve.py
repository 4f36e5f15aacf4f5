"""Hybrid retrieval: dense FAISS and lexical BM25 results fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

from .embed import Embedder
from .figures import fits_kind
from .schema import Hit
from .settings import RetrievalSettings
from .store import ChunkStore

MODES = ("dense", "lexical", "hybrid")
_KIND_BONUS = 0.5  # a chunk holding a figure of the asked-for kind gains half of a first-place RRF share


class Retriever:
    """Finds the chunks most likely to answer a question."""

    def __init__(self, index: ChunkStore, embedder: Embedder, settings: RetrievalSettings | None = None) -> None:
        self.index, self.embedder = index, embedder
        self.settings = settings or RetrievalSettings()

    def search(self, question: str, k: int | None = None, mode: str | None = None,
               vector: np.ndarray | None = None, kind: str | None = None) -> list[Hit]:
        """The k best chunks; `vector` is the question's embedding when the caller already has it, `kind` the
        kind of figure asked for (chunks holding one rank higher)."""
        k = k or self.settings.k
        mode = mode or self.settings.mode
        if mode not in MODES:
            raise ValueError(f"retrieval mode must be one of {', '.join(MODES)}")
        dense = self._dense(question, vector) if mode != "lexical" else []
        lexical = self.index.lexical_search(question, self.settings.candidates) if mode != "dense" else []
        return self._fuse(dense, lexical, kind, k)

    def _dense(self, question: str, vector: np.ndarray | None) -> list[tuple[int, float]]:
        vector = self.embedder.embed([question])[0] if vector is None else vector
        return self.index.dense_search(vector, self.settings.candidates)

    def _fuse(self, dense, lexical, kind: str | None, k: int) -> list[Hit]:
        fused: dict[int, float] = {}
        dense_rank = {row: rank for rank, (row, _) in enumerate(dense)}
        lexical_rank = {row: rank for rank, (row, _) in enumerate(lexical)}
        for ranking in (dense, lexical):
            for rank, (row, _) in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        if kind:
            bonus = _KIND_BONUS / (self.settings.rrf_k + 1)
            for row in fused:
                if any(fits_kind(found, kind) for found in self.index.chunks[row].figure_kinds):
                    fused[row] += bonus
        ordered = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [Hit(chunk=self.index.chunks[row], score=score, dense_rank=dense_rank.get(row),
                    lexical_rank=lexical_rank.get(row)) for row, score in ordered]
