"""What a question asks for: the kind of answer it expects and the terms an answer must be about."""

from __future__ import annotations

import re
import unicodedata

from .errors import InputError
from .lexical import tokenize

MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Generic words of question phrasing: they say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = frozenset(tokenize(
    "what which who whom how much many does did do is are was were will would value amount number figure "
    "according article articles source sources text corpus report reported say says said tell give current currently "
    "hold holds have has get gets make makes take takes put puts come comes belong belongs "
    "large larger big bigger size fast quickly high higher low expect expected together percentage rise rose grown "
    "compound rank ranks country countries reach money amount sum"
))

_KIND_PATTERNS = [
    ("number", r"\bhow many\b|\b(count|number of)\b"),
    ("percent", r"\bhow much of\b|\b(percent(age)?|share|proportion|rate|cagr|margin|portion|fraction|grow|grew|grown|growth|growing|rates)\b|%"),
    ("year", r"\b(when|what year|which year|by when|since when|date)\b"),
    ("money", r"\bhow much\b|\b(cost|price|worth|valued?|valuation|revenue|revenues|sales|income|invest\w*|spend\w*|budget|capex|funding|dollars?)\b"),
]


def clean_question(question: str) -> tuple[str, list[str]]:
    """The question without control characters, trimmed to a sane length; warnings say what changed."""
    warnings = []
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", question or "")).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        raise InputError("the question is empty: ask something, e.g. ask \"What share does Alibaba hold in China?\"")
    if len(text) > MAX_QUESTION_CHARS:
        warnings.append(f"question is {len(text):,} characters long; only the first {MAX_QUESTION_CHARS:,} are used")
        text = text[:MAX_QUESTION_CHARS]
    return text, warnings


def expected_kind(question: str) -> str | None:
    """person for a who-question; percent, year, money or number when it asks for such a figure; else None."""
    lowered = question.lower()
    if re.match(r"\s*(who|whom)\b", lowered):
        return "person"
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, lowered):
            return kind
    return None


_NAME_RUN = re.compile(r"(?:\b[A-Z][\w'’.-]*(?:\s+|$))+")
_NOT_NAMES = frozenset("the a an in on at of for and or but to by from with this that these those it its "
                       "he she they we his her their our i you".split())


def new_names(text: str, question: str) -> list[str]:
    """Capitalised names in `text` that the question does not already contain. A single capitalised word
    that opens a sentence is just a sentence start, not a name."""
    asked = set(tokenize(question))
    names = []
    for match in _NAME_RUN.finditer(text):
        words = [w for w in match.group().split() if w.lower().strip(".") not in _NOT_NAMES]
        opens_sentence = match.start() == 0 or text[: match.start()].rstrip().endswith((".", "!", "?", ":"))
        if not words or (opens_sentence and len(words) < 2):
            continue
        fresh = [w for w in words if not set(tokenize(w)) <= asked]
        if fresh:
            names.append(" ".join(words))
    return names


CORPORATE_SUFFIXES = frozenset(tokenize("group inc corp corporation company co ltd limited holdings plc llc ag sa"))


def entities(question: str) -> list[str]:
    """Capitalised words after the first (Tencent, Huawei, Q2) and years: the answer must be about them."""
    words = re.findall(r"[\w'’-]+", question)[1:]
    names = [w for w in words if w[:1].isupper() or any(ch.isdigit() for ch in w) and w[:1].isalpha()
             or re.fullmatch(r"(19|20)\d\d", w)]
    return [t for t in tokenize(" ".join(names)) if t not in QUESTION_WORDS and t not in CORPORATE_SUFFIXES]


def key_terms(question: str) -> list[str]:
    """Content terms of the question: what the supporting sentence must be about."""
    seen: list[str] = []
    for term in tokenize(question):
        if term not in QUESTION_WORDS and term not in seen:
            seen.append(term)
    return seen
