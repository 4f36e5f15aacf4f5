"""`rag eval --summaries`: how well summaries cover what matters, and whether every sentence holds up.

Gold: for each article, key facts written by hand (a figure, whose it is, and the place or period it holds
for). Measured for rag's summaries and, beside them, for an LLM-only baseline that asks the model to summarise
the whole article:
- key-fact recall: facts stated by one summary sentence (the figure, the owner in the sentence or the
  article's title, the qualifier in the sentence);
- unsupported sentences: sentences no source sentence backs (rag: its cited quote; the baseline: any sentence of
  the article, or two in a row), where backing means the same figures with the same owners, the source's place and period
  kept (rag/faithful.py), and most of its words in the source;
- seconds per article."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .chunk import split_sentences
from .errors import InputError
from .faithful import meaning_lost
from .figures import find_figures, same_figure
from .lexical import tokenize
from .llm import Generator
from .schema import Document
from .structure import mentions, name_words
from .summarize import Summarizer

MIN_WORDS_BACKED = 0.6  # share of a summary sentence's content words its source sentence must hold
BASELINE_ARTICLE_CHARS = 6000  # the baseline sees the article's start, about 1,500 tokens
BASELINE_PROMPT = ("Summarise the article below in one paragraph of at most five sentences. Keep the key figures, "
                   "who they belong to, and where and when they hold.\n\nArticle:\n{article}")


class KeyFact(BaseModel):
    figure: str
    owner: str = ""
    qualifier: str = ""


class ArticleFacts(BaseModel):
    doc: str = Field(description="the article's id, path or title fragment, as `rag summarize` takes it")
    facts: list[KeyFact]


class SystemScore(BaseModel):
    label: str
    key_fact_recall: float
    unsupported_sentences: float
    seconds_per_article: float
    sentences: int
    missed: list[str] = []
    unsupported: list[str] = []


def load_facts(path: Path) -> list[ArticleFacts]:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [ArticleFacts.model_validate_json(line) for line in lines]
    except OSError as error:
        raise InputError(f"cannot read key facts {path}: {error.strerror}") from None
    except ValidationError as error:
        raise InputError(f"{path}: not key facts ({error.errors()[0]['msg']}); one JSON object per line: "
                         '{"doc": ID, "facts": [{"figure": "36%", "owner": "...", "qualifier": "..."}]}') from None


def evaluate_summaries(summarizer: Summarizer, gold: list[ArticleFacts], baseline: bool = True) -> list[SystemScore]:
    """rag's summaries scored against the key facts; the LLM-only baseline (the summarizer's model) beside them."""
    generator = summarizer.generator
    ours, theirs = _Tally("rag"), _Tally("llm-only")
    for entry in gold:
        document = summarizer.find_document(entry.doc)
        started = time.perf_counter()
        summary = summarizer.document(entry.doc)
        ours.seconds += time.perf_counter() - started
        ours.add(document, entry.facts, [(s.text, [c.quote for c in s.citations]) for s in summary.summary])
        if baseline and generator is not None:
            started = time.perf_counter()
            paragraph = llm_only_summary(generator, document)
            theirs.seconds += time.perf_counter() - started
            sources = _sentences(document.text)
            sources += [f"{a} {b}" for a, b in zip(sources, sources[1:])]  # a summary sentence may join two
            theirs.add(document, entry.facts, [(sentence, sources) for sentence in _sentences(paragraph)])
    return [t.score(len(gold)) for t in (ours, theirs) if t.facts]


def llm_only_summary(generator: Generator, document: Document) -> str:
    article = f"{document.title}\n\n{document.text[:BASELINE_ARTICLE_CHARS]}"
    return generator.generate([{"role": "user", "content": BASELINE_PROMPT.format(article=article)}],
                              max_new_tokens=200)


def covers(fact: KeyFact, sentence: str, title: str) -> bool:
    """Does the sentence state the fact: its figure, its owner (here or in the title), its qualifier?"""
    wanted = find_figures(fact.figure)
    if not wanted or not any(same_figure(wanted[0], f) for f in find_figures(sentence)):
        return False
    words = name_words(sentence)
    owner_ok = not fact.owner or mentions(fact.owner, words) or mentions(fact.owner, name_words(title))
    return owner_ok and (not fact.qualifier or mentions(fact.qualifier, words))


def backed(sentence: str, sources: list[str]) -> bool:
    """Does one source sentence back it: its figures, owners, place and period, and most of its words?"""
    words = set(tokenize(sentence))
    for source in sources:
        held = len(words & set(tokenize(source))) / len(words) if words else 1.0
        if held >= MIN_WORDS_BACKED and not meaning_lost(source, sentence):
            return True
    return False


def _sentences(text: str) -> list[str]:
    return [text[s.start:s.end].strip() for s in split_sentences(text) if text[s.start:s.end].strip()]


class _Tally:
    def __init__(self, label: str) -> None:
        self.label, self.seconds = label, 0.0
        self.facts = self.covered = self.sentences = 0
        self.missed: list[str] = []
        self.unsupported: list[str] = []

    def add(self, document: Document, facts: list[KeyFact], sentences: list[tuple[str, list[str]]]) -> None:
        self.facts += len(facts)
        for fact in facts:
            if any(covers(fact, text, document.title) for text, _ in sentences):
                self.covered += 1
            else:
                self.missed.append(f"{document.doc_id}: {fact.figure} {fact.owner} {fact.qualifier}".strip())
        for text, sources in sentences:
            self.sentences += 1
            if not backed(text, sources):
                self.unsupported.append(f"{document.doc_id}: {text}")

    def score(self, articles: int) -> SystemScore:
        return SystemScore(label=self.label, key_fact_recall=self.covered / max(self.facts, 1),
                           unsupported_sentences=len(self.unsupported) / max(self.sentences, 1),
                           seconds_per_article=self.seconds / max(articles, 1), sentences=self.sentences,
                           missed=self.missed, unsupported=self.unsupported)


def scores_json(scores: list[SystemScore]) -> str:
    return json.dumps([s.model_dump() for s in scores], indent=2)
