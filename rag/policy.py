"""Decide whether the corpus answers: which sentences may be shown, and whether the model's pick is kept.

Signals, each measurable: every name and period the question gives must appear where the sentence can vouch
for it (the sentence, its document's title or section, or, for a sentence with no name of its own, its paragraph
so far); the sentence's similarity to the question; and the model's own log-odds of answering against
NOT FOUND. The thresholds live in `Settings.answer` and are fitted by `benchmarks/sweep.py` on dev data."""

from __future__ import annotations

import math
import os
import re

from .evidence import Evidence
from .extract import Extraction
from .lexical import tokenize
from .query import Query
from .settings import AnswerSettings
from .structure import name_runs


def names_present(query: Query, evidence: Evidence) -> bool:
    """Is every name and period of the question vouched for by the sentence or what it stands under?"""
    names = query.subjects + query.qualifiers
    if not names:
        return True
    around = _words(evidence.text) | _words(evidence.document.title) | _words(evidence.context.split("\n", 1)[0])
    if evidence.previous and not [r for r in name_runs(evidence.text) if not r.after_preposition]:
        around |= _words(evidence.previous)  # 'The unit reported ...': the subject is earlier in the paragraph
    subjects_in = all(_name_in(name, around) for name in query.subjects)
    return subjects_in and all(_name_in(q, around) or not _contradicted(q, around) for q in query.qualifiers)


def _contradicted(qualifier: str, around: set[str]) -> bool:
    """A period the sentence lacks counts against it only when the sentence names another period instead
    ('in 2019' against a sentence about 2018); a place it lacks always does."""
    if not re.search(r"\d", qualifier):
        return True
    return any(re.fullmatch(r"(?:19|20)\d\d", w) for w in around)


def _words(text: str) -> set[str]:
    text = _undot(text)
    return set(tokenize(text)) | {w.lower() for w in re.findall(r"[\w&]+", text)}


def _undot(text: str) -> str:
    """'U.S.' -> 'US', so an acronym matches with or without its dots."""
    return re.sub(r"\b([A-Za-z])\.(?=[A-Za-z]\.?)", r"\1", text).replace("U.S", "US")


def _name_in(name: str, words: set[str]) -> bool:
    """Most words of the name (two of three, one of one), in some form (China ~ Chinese), are among `words`."""
    parts = [p for p in re.findall(r"[\w&]+", _undot(name).lower()) if p]
    found = sum(_word_in(p, words) for p in parts)
    return bool(parts) and found >= math.ceil(len(parts) * 2 / 3)


def _word_in(word: str, words: set[str]) -> bool:
    if word in words or (tokenize(word) and tokenize(word)[0] in words):
        return True
    year = re.fullmatch(r"(?:fy|q[1-4]|h[12])?(\d{2,4})", word)
    if year and (year.group(1) in words or ("20" + year.group(1)) in words):
        return True
    return len(word) >= 4 and any(_same_stem(word, w) for w in words)


def _same_stem(a: str, b: str) -> bool:
    """China ~ Chinese, Europe ~ European: a shared start of 4+ letters covering most of the shorter word."""
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 4 and shared >= 0.66 * min(len(a), len(b)) and abs(len(a) - len(b)) <= 3


def showable(query: Query, evidence: list[Evidence], settings: AnswerSettings) -> list[Evidence]:
    """The sentences the model may see: about what the question names, and near enough in meaning."""
    return [e for e in evidence if names_present(query, e) and e.similarity >= settings.min_similarity]


def keeps(extraction: Extraction, settings: AnswerSettings) -> bool:
    """Is the model's pick confident enough, and its sentence about enough of the question, to be served?"""
    return extraction.candidate is not None and passes(extraction.signals, settings.min_margin, settings.min_coverage)


def passes(signals: dict[str, float], min_margin: float, min_coverage: float) -> bool:
    return signals.get("margin", 0.0) >= min_margin and signals.get("coverage", 1.0) >= min_coverage
