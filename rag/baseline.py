"""A tutorial-style RAG with the same two models, for side-by-side comparison in `rag eval --baseline naive`:
fixed 800-character chunks, dense top 4, one prompt that asks for citations, every retrieved chunk a source."""

from __future__ import annotations

import re
import time

import numpy as np

from .embed import Embedder
from .llm import Generator
from .schema import Answer, Citation, Timings
from .settings import Settings
from .store import load_index

CHUNK_CHARS = 800
TOP_K = 4
PROMPT = ("Use the following context to answer the question. Cite the sources you use as [1], [2] and so on. "
          "If you don't know the answer, say that you don't know.\n\nContext:\n{context}\n\nQuestion: {question}")
_DONT_KNOW = re.compile(r"don'?t know|not (mentioned|provided|available)|no information", re.IGNORECASE)


class NaiveRAG:
    def __init__(self, settings: Settings, embedder: Embedder, generator: Generator) -> None:
        index = load_index(settings.index_dir)
        self.embedder, self.generator = embedder, generator
        self.chunks = [(d, start, d.text[start:start + CHUNK_CHARS]) for d in index.documents.values()
                       for start in range(0, len(d.text), CHUNK_CHARS)]
        self.vectors = embedder.embed([text for _, _, text in self.chunks])

    def _top(self, question: str):
        scores = self.vectors @ self.embedder.embed([question])[0]
        return [self.chunks[i] for i in np.argsort(-scores)[:TOP_K]]

    def retrieve_texts(self, question: str) -> list[str]:
        return [text for _, _, text in self._top(question)]

    def ask(self, question: str) -> Answer:
        started = time.perf_counter()
        top = self._top(question)
        retrieved = time.perf_counter()
        context = "\n\n".join(f"[{i}] {text}" for i, (_, _, text) in enumerate(top, 1))
        reply = self.generator.generate([{"role": "user", "content": PROMPT.format(context=context, question=question)}],
                                        max_new_tokens=64)
        citations = [Citation(id=i, doc_id=d.doc_id, title=d.title, path=d.path, start=start,
                              end=start + len(text), quote=text) for i, (d, start, text) in enumerate(top, 1)]
        finished = time.perf_counter()
        return Answer(question=question, answer=reply, answerable=not _DONT_KNOW.search(reply), citations=citations,
                      timings=Timings(retrieve_s=retrieved - started, generate_s=finished - retrieved,
                                      total_s=finished - started))
