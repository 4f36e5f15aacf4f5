"""Check answers against known figures: accuracy, citation quality, refusals, retrieval recall, latency."""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from pathlib import Path
from typing import Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import InputError
from .extract import DATE
from .figures import SCALES, Figure, find_figures
from .schema import Answer

UNITS = {"%": "percent", "percent": "percent", "$": "USD", "usd": "USD", "rmb": "CNY", "cny": "CNY", "€": "EUR",
         "eur": "EUR", "£": "GBP", "": None}
TOLERANCE = 0.001  # relative: 53 matches 53.0 and 53.04, never 52.7


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: float | None = None
    unit: str = ""
    scale: str | None = None
    text: str | None = None

    def label(self) -> str:
        if self.text is not None:
            return self.text
        scale = f" {self.scale}" if self.scale else ""
        return f"{self.unit}{self.number:g}{scale}" if self.unit not in ("%",) else f"{self.number:g}%"


class CaseDocument(BaseModel):
    model_config = ConfigDict(extra="ignore")
    doc_id: str
    title: str = ""
    text: str


class EvalCase(BaseModel):
    """A gold question. Benchmark cases (RGB style) carry `answers` (any one counts) and their own `documents`."""

    model_config = ConfigDict(extra="ignore")
    id: str
    question: str
    expected: list[Expected] = []
    match: Literal["all", "any"] = "all"
    answerable: bool = True
    answers: list[str] = []
    documents: list[CaseDocument] = []
    split: str = Field("", description="dev (tuned on) or test (never tuned on); empty when the set has no split.")

    @model_validator(mode="after")
    def _answers_are_expected_texts(self) -> "EvalCase":
        if self.answers and not self.expected:
            self.expected = [Expected(text=a) for a in self.answers]
            self.match = "any"
        return self


class CaseResult(BaseModel):
    id: str
    question: str
    expected: list[str]
    answerable: bool
    answer: str
    answered: bool
    correct: bool
    cited_correct: bool
    citations: int
    precise_citations: int
    quote_chars: list[int]
    retrieval_hit: bool | None
    seconds: float
    signals: dict[str, float] = {}


class EvalReport(BaseModel):
    label: str = "rag"
    cases: list[CaseResult]
    metrics: dict[str, float | None] = Field(default_factory=dict)


def load_cases(path: Path, split: str | None = None) -> list[EvalCase]:
    """The cases in a JSONL file; with `split`, only those of that split (dev or test)."""
    cases = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"cannot read eval cases {path}: {error.strerror}") from None
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                cases.append(EvalCase.model_validate_json(line))
            except ValidationError as error:
                raise InputError(f"{path}:{number}: not an eval case ({str(error).splitlines()[0]})") from None
    if split:
        cases = [case for case in cases if case.split == split]
    if not cases:
        raise InputError(f"{path} holds no eval case" + (f" in split {split!r}" if split else ""))
    return cases


def expected_in(expected: Expected, text: str) -> bool:
    """Is the expected figure or text in `text`? 36% needs a percentage; $53 billion matches 53bn or $53 billion; a
    date matches the same day in any form ('November 21 1998': 'Nov. 21, 1998', 'November 21 of 1998')."""
    if expected.text is not None:
        dates = _dates(expected.text)
        return _normalise(expected.text) in _normalise(text) or bool(dates) and dates <= _dates(text) or \
            _name_reordered(expected.text, text)
    return any(_figure_matches(expected, figure) for figure in find_figures(text))


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _name_reordered(name: str, text: str) -> bool:
    """Is a person's name of two or more words in the text with its words in another order, as adjacent capitalised
    words ('Liu Yifei' for 'Yifei Liu': a family name written first or last)?"""
    words = name.split()
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return False
    runs = re.findall(r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*", text)
    return any(sorted(run.split()) == sorted(words) for run in runs)


def _dates(text: str) -> set[tuple[int, int, int]]:
    """The days a text states in full, as (year, month, day)."""
    found = set()
    for match in DATE.finditer(text):
        words = re.findall(r"[A-Za-z]+|\d+", match.group())
        months = [number for word in words for number, name in enumerate(_MONTHS, 1) if word.lower().startswith(name)]
        numbers = sorted(int(word) for word in words if word.isdigit())
        if months and len(numbers) == 2:  # a day (<= 31) and a year
            found.add((numbers[1], months[0], numbers[0]))
    return found


def _figure_matches(expected: Expected, figure: Figure) -> bool:
    unit = UNITS.get(expected.unit.lower(), expected.unit.upper())
    value = expected.number * (SCALES.get(expected.scale.lower(), 1.0) if expected.scale else 1.0)
    if (unit == "percent") != (figure.kind == "percent"):
        return False
    if unit not in (None, "percent") and figure.kind == "money" and figure.currency != unit:
        return False
    return any(abs(v - value) <= TOLERANCE * max(abs(value), 1e-12) for v in figure.values)


def _normalise(text: str) -> str:
    """Case, dashes, quotes, spacing and accents aside ('Chloé Zhao' is 'Chloe Zhao')."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.lower().replace("’", "'").replace("–", "-").replace("—", "-").split())


def score_case(case: EvalCase, answer: Answer, retrieved_texts: list[str] | None = None) -> CaseResult:
    """One case's result from its answer (and, when given, the texts of the retrieved chunks)."""
    hits = [expected_in(e, answer.answer) for e in case.expected]
    found = all(hits) if case.match == "all" else any(hits)
    quotes = [c.quote for c in answer.citations]
    if case.answerable:
        correct = answer.answerable and bool(case.expected) and found
        wanted = [e for e, hit in zip(case.expected, hits) if hit] if case.match == "any" else case.expected
        cited = correct and all(any(expected_in(e, q) for q in quotes) for e in wanted)
        precise = sum(any(expected_in(e, q) for e in case.expected) for q in quotes)
    else:
        correct = not answer.answerable
        cited, precise = correct, 0
    retrieval_hit = None
    if retrieved_texts is not None and case.answerable and case.expected:
        present = [any(expected_in(e, t) for t in retrieved_texts) for e in case.expected]
        retrieval_hit = all(present) if case.match == "all" else any(present)
    return CaseResult(id=case.id, question=case.question, expected=[e.label() for e in case.expected],
                      answerable=case.answerable, answer=answer.answer, answered=answer.answerable, correct=correct,
                      cited_correct=cited, citations=len(quotes), precise_citations=precise,
                      quote_chars=[len(q) for q in quotes], retrieval_hit=retrieval_hit, seconds=answer.timings.total_s,
                      signals=answer.signals)


def summarise(cases: list[CaseResult]) -> dict[str, float | None]:
    answerable = [c for c in cases if c.answerable]
    unanswerable = [c for c in cases if not c.answerable]
    citations = sum(c.citations for c in answerable)
    quotes = [n for c in cases for n in c.quote_chars]
    recall = [c.retrieval_hit for c in answerable if c.retrieval_hit is not None]
    seconds = sorted(c.seconds for c in cases)
    return {
        "cases": len(cases),
        "answer_accuracy": _share(c.correct for c in answerable),
        "cited_accuracy": _share(c.cited_correct for c in answerable),
        "citation_precision": sum(c.precise_citations for c in answerable) / citations if citations else None,
        "mean_quote_chars": statistics.fmean(quotes) if quotes else None,
        "correct_refusal": _share(c.correct for c in unanswerable),
        "false_refusal": _share(not c.answered for c in answerable),
        "overall_accuracy": _share(c.correct for c in cases),
        "retrieval_recall": _share(recall) if recall else None,
        "latency_p50_s": _percentile(seconds, 50),
        "latency_p95_s": _percentile(seconds, 95),
    }


def _share(flags) -> float | None:
    flags = list(flags)
    return sum(map(bool, flags)) / len(flags) if flags else None


def _percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def run_cases(cases: list[EvalCase], ask: Callable[[str], Answer], retrieve: Callable[[str], list[str]] | None = None,
              label: str = "rag", progress: Callable[[int, int], None] | None = None) -> EvalReport:
    results = []
    for number, case in enumerate(cases, 1):
        results.append(score_case(case, ask(case.question), retrieve(case.question) if retrieve else None))
        if progress:
            progress(number, len(cases))
    return EvalReport(label=label, cases=results, metrics=summarise(results))


def report_json(reports: list[EvalReport]) -> str:
    return json.dumps([r.model_dump() for r in reports], indent=2)
