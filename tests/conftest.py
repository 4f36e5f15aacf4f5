"""Shared fixtures: a made-up corpus, settings in temp folders, and fake models."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.embed import HashingEmbedder
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CORPUS = REPO / "corpus"

ARTICLE_ONE = """Orbital Freight Raises Prices as Demand Climbs

Orbital FreightORBF-- said on Monday that it will raise container rates by 12% from March. The company shipped 4.2 million containers in 2024, up from 3.9 million a year earlier.
Chief executive Mara Lind said the group plans to spend $1.5 billion on new vessels over the next two years.
Market Position
Orbital holds a 17% share of Atlantic container traffic, behind Nordline (23%).
I am Sam Writer, a freight reporter. Follow me for more shipping news.
Latest Articles
Comments
No comments yet"""

ARTICLE_TWO = """Nordline Bets on Electric Ships

Nordline will spend $2.1 billion on electric ships, the company said. Analysts expect the electric fleet to cut fuel costs by 30 percent.
Orbital Freight plans to spend $1.4 billion on new vessels, according to an industry survey.
Nordline employs 12,000 people across six countries."""


class FakeGenerator:
    """Returns a scripted reply (or one made from the prompt) and records the prompts it saw."""

    def __init__(self, reply="") -> None:
        self.reply = reply
        self.prompts: list[list[dict]] = []

    def generate(self, messages, max_new_tokens, on_text=None):
        self.prompts.append(messages)
        reply = self.reply(messages) if callable(self.reply) else self.reply
        if on_text:
            on_text(reply)
        return reply

    def generate_many(self, conversations, max_new_tokens):
        return [self.generate(messages, max_new_tokens) for messages in conversations]

    def choose(self, messages, options, on_text=None, scored_only=0, prior=None):
        """Like constrained decoding: the first option the scripted reply contains; a reply that contains none
        puts its weight on the scored-only options (NOT FOUND) and picks the first choosable one."""
        from rag.llm import Choice

        reply = self.generate(messages, 0)
        choosable = len(options) - scored_only
        index = next((i for i, option in enumerate(options[:choosable]) if option in reply), None)
        first = tuple(0.0 if i == index or (index is None and i >= choosable) else -10.0 for i in range(len(options)))
        if on_text:
            on_text(options[index or 0])  # the real runtime streams the chosen option as it decodes
        return Choice(0 if index is None else index, first)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "orbital.txt").write_text(ARTICLE_ONE, encoding="utf-8")
    (folder / "nordline.txt").write_text(ARTICLE_TWO, encoding="utf-8")
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def shipped_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "shipped"
    shutil.copytree(SHIPPED_CORPUS, folder, ignore=shutil.ignore_patterns("*.jsonl", "*.md"))
    return folder
