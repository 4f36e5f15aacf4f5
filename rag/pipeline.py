"""Wire the stages together with the real models: what the CLI, eval and benchmarks open."""

from __future__ import annotations

import math
import sys

from .answer import Answerer
from .embed import Embedder, MiniLMEmbedder
from .errors import IndexMissingError
from .indexer import build_index, ensure_fresh
from .llm import Generator, QwenGenerator
from .settings import Settings
from .store import ChunkStore, current_generation, load_index


def open_index(settings: Settings, embedder: Embedder | None = None, build_if_missing: bool = True) -> ChunkStore:
    """The current index (on disk, or in the Milvus store settings.store names), built first when there is none
    yet; a stale one is refused."""
    if index_version(settings) is None:
        if not build_if_missing:
            raise IndexMissingError(f"no index in {settings.store or settings.index_dir}: run `rag index build` first")
        print(f"rag: no index in {settings.store or settings.index_dir} yet, building it from {settings.corpus_dir} "
              "(or waiting for the build already running)", file=sys.stderr)
        # A reader never fails because another process is building the first index: it waits for that build
        # (a dead builder's lock is released by the kernel), then finds the index up to date.
        report = build_index(settings, embedder, wait_seconds=math.inf)
        for warning in report.plan.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return reopen_index(settings, embedder)


def reopen_index(settings: Settings, embedder: Embedder | None = None) -> ChunkStore:
    """The index as it is now, refused when stale."""
    index = load_store(settings)
    ensure_fresh(index, settings, embedder.model_id if embedder else MiniLMEmbedder.model_id)
    return index


def index_version(settings: Settings):
    """What names the index now (its generation folder, or when the Milvus store's last build landed); None when
    none was built. A reader that sees it change opens the index again."""
    if settings.store:
        from .milvus_store import store_version

        return store_version(settings)
    return current_generation(settings.index_dir)


def load_store(settings: Settings) -> ChunkStore:
    """The index as settings name it (on disk, or in Milvus), opened and checked for damage; neither built nor
    checked for staleness here."""
    if settings.store:
        from .milvus_store import open_milvus

        return open_milvus(settings)
    return load_index(settings.index_dir)


def open_answerer(settings: Settings, embedder: Embedder | None = None, generator: Generator | None = None) -> Answerer:
    """An Answerer over the current index with the packaged models (or the ones handed in)."""
    embedder = embedder or MiniLMEmbedder()
    index = open_index(settings, embedder)
    generator = generator or QwenGenerator.from_settings(settings)
    return Answerer(settings, index, embedder, generator)


def open_summarizer(settings: Settings, use_llm: bool = True):
    """A Summarizer over the current index; without the LLM it stays purely extractive."""
    from .summarize import Summarizer

    embedder = MiniLMEmbedder()
    index = open_index(settings, embedder)
    generator = QwenGenerator.from_settings(settings) if use_llm else None
    return Summarizer(index, embedder, generator, settings.summary)
