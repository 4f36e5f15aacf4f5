"""One warm tool for many users: the models and the current index loaded once, shared by every request.

The models answer one request at a time: requests queue on a lock, so sixteen clients never oversubscribe the
CPU (each waits its turn; total time grows linearly). A build runs in a background thread: readers keep
answering from the last good generation, and the next request after the swap opens the new one."""

from __future__ import annotations

import threading
import time
from typing import Callable

from .answer import Answerer
from .embed import Embedder, MiniLMEmbedder
from .errors import IndexBusyError, InputError
from .indexer import build_index, index_status
from .llm import Generator, QwenGenerator
from .pipeline import index_version, open_index, reopen_index
from .schema import Answer, Document
from .settings import Settings
from .store import ChunkStore
from .summarize import Summarizer, Summary


class Service:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, generator: Generator | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or MiniLMEmbedder()
        self.generator = generator or QwenGenerator.from_settings(settings)
        self._models = threading.Lock()  # the queue: one request uses the models at a time
        self._opening = threading.Lock()
        self._build: threading.Thread | None = None
        self.last_build: dict = {}
        self._generation = None
        self._index: ChunkStore | None = None
        self._answerer: Answerer | None = None
        self._summarizer: Summarizer | None = None
        self._open(open_index(settings, self.embedder))  # builds the first index when there is none

    # ---- the current generation --------------------------------------------------------------------
    def _open(self, index: ChunkStore) -> None:
        self._index, self._generation = index, index.version
        self._answerer = Answerer(self.settings, index, self.embedder, self.generator)
        self._summarizer = Summarizer(index, self.embedder, self.generator, self.settings.summary)

    def _current(self) -> tuple[Answerer, Summarizer, ChunkStore]:
        """The answerer and summarizer over the index as it is now (reopened after a build landed)."""
        with self._opening:
            version = index_version(self.settings)
            if version is not None and version != self._generation:
                self._open(reopen_index(self.settings, self.embedder))
            return self._answerer, self._summarizer, self._index

    # ---- requests ----------------------------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, on_text: Callable[[str], None] | None = None) -> Answer:
        answerer, _, _ = self._current()
        with self._models:
            return answerer.ask(question, k=k, on_text=on_text)

    def summarize(self, document: str | None = None, all_articles: bool = False, topic: str | None = None) -> Summary:
        if sum((document is not None, all_articles, topic is not None)) != 1:
            raise InputError('give exactly one of "document", "all": true or "topic"')
        _, summarizer, _ = self._current()
        with self._models:
            if all_articles:
                return summarizer.corpus()
            if topic is not None:
                return summarizer.topic(topic)
            return summarizer.document(document)

    def documents(self) -> list[Document]:
        _, _, index = self._current()
        return list(index.documents.values())

    def document(self, doc_id: str) -> Document | None:
        _, _, index = self._current()
        return index.documents.get(doc_id)

    def status(self) -> dict:
        status = index_status(self.settings, self.embedder.model_id)
        status["building"] = self.building
        status["last_build"] = self.last_build
        return status

    # ---- builds in the background ------------------------------------------------------------------------
    @property
    def building(self) -> bool:
        return self._build is not None and self._build.is_alive()

    def start_build(self) -> None:
        """Start an incremental build in the background; IndexBusyError when one is already running."""
        with self._opening:
            if self.building:
                raise IndexBusyError("a build is already running: GET /index/status shows when it ends")
            self._build = threading.Thread(target=self._run_build, name="rag-build", daemon=True)
            self._build.start()

    def _run_build(self) -> None:
        started = time.time()
        try:
            report = build_index(self.settings, self.embedder, wait_seconds=0)
            self.last_build = {"ok": True, "started": started, "seconds": round(report.seconds, 2),
                               "documents": report.documents, "chunks": report.chunks, "embedded": report.embedded,
                               "warnings": report.plan.warnings}
        except Exception as error:  # noqa: BLE001 - reported through /index/status; the last good index stays
            self.last_build = {"ok": False, "started": started, "error": str(error)}
