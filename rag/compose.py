"""Write the answer sentence from the source's own words: the clause that holds the answer, with its owner.

No word of it is invented: a table cell reads with its row label and its own column head ('Cost of sales | 2019:
385,301'); a figure in parentheses after a name reads 'Tencent Cloud: 10%'; a relative clause
('which grew 39% in Q1 2026') gets its antecedent back ('Microsoft Azure grew 39% in Q1 2026'); otherwise the
sentence up to the end of the answer's clause, without a leading connective ('However, '). A short form is used
only when it keeps the place and period the source gives (rag/faithful.py, shared with summaries)."""

from __future__ import annotations

import re

from .clean import ROW_JOIN, row_label
from .extract import DATE, Candidate
from .faithful import meaning_lost
from .figures import Figure, comparable, find_figures, same_figure
from .lexical import tokenize
from .query import Query
from .structure import REPORTING_VERB, clause_bounds, same_rank

MAX_ANSWER_CHARS = 240
_MARKERS = re.compile(r"\s*\[\s*\d+(?:\s*,\s*\d+)*\s*\]")
_LEADING_CONNECTIVE = re.compile(r"^(?:however|moreover|meanwhile|notably|still|yet|and|but|also|furthermore|"
                                 r"additionally|indeed|in addition|by contrast|in contrast)\s*,\s*", re.IGNORECASE)
_RELATIVE = re.compile(r"^(?:which|who|that)\s+", re.IGNORECASE)


def answer_sentence(candidate: Candidate) -> str:
    """The shortest of the source's own wordings that keeps what the source says about the answer: its owner
    and its place and period ('Tencent Cloud: 10%' drops 'within China', so the clause is used instead)."""
    if candidate.in_row:  # a cell reads with its row label and column head; the other columns are other periods
        text = candidate.evidence.text
        closing = ")" if _parenthesised(text, candidate.start, candidate.end) else ""  # '(1,577)'
        label, cell_start = row_label(text), text.rfind(ROW_JOIN, 0, candidate.start) + len(ROW_JOIN)
        return _MARKERS.sub("", f"{label}{ROW_JOIN}{text[cell_start:candidate.end]}").strip() + closing + "."
    body = _statement_with_cause(candidate) if candidate.kind == "cause" else _shortest_wording(candidate)
    return body[:1].upper() + body[1:].rstrip(" .,;:") + "."


def _statement_with_cause(candidate: Candidate) -> str:
    """What came about and what brought it about: the sentence up to its cause's end."""
    return _bare(candidate.evidence.text[:candidate.end])


def _shortest_wording(candidate: Candidate) -> str:
    """The shortest clause-based wording of the sentence that keeps the answer's owner, place and period."""
    text = candidate.evidence.text
    start, end = candidate.start, candidate.end
    bounds = clause_bounds(text)
    index = next((i for i, (a, b) in enumerate(bounds) if a <= start < b), len(bounds) - 1)
    if index + 1 < len(bounds) and REPORTING_VERB.match(text, bounds[index + 1][0]) and \
            not text[:bounds[index + 1][0]].rstrip().endswith(","):  # not an attribution set off: ', said X'
        index += 1  # 'In Q2 2025, the unit | reported a 26% increase': what was reported completes the statement
    said = text[:bounds[index][1]]
    clause = text[bounds[index][0]:bounds[index][1]].strip(" ,;—–-")
    forms = []
    if _parenthesised(text, start, end) and candidate.owner:
        forms.append(f"{candidate.owner}: {candidate.text}")
    if _RELATIVE.match(clause) and candidate.owner:
        forms.append(_RELATIVE.sub(f"{candidate.owner} ", clause, count=1))
    forms.append(_before_next_figure(said, start, end))
    bodies = [b for b in map(_bare, forms) if len(b) <= MAX_ANSWER_CHARS and candidate.text in b]
    faithful = [b for b in bodies if not meaning_lost(said, b)]
    return (faithful or bodies or [f"{candidate.owner}: {candidate.text}" if candidate.owner else candidate.text])[0]


def _bare(form: str) -> str:
    """A wording without citation markers, edge punctuation or a leading connective ('However, ')."""
    return _LEADING_CONNECTIVE.sub("", _MARKERS.sub("", form).strip(" ,;—–-"))


def _before_next_figure(body: str, span_start: int, span_end: int) -> str:
    """Stop before a later phrase that brings another figure: '..., ahead of Tencent Cloud (12%)' is not part of
    Alibaba's answer. A cut that would leave nothing said about the answer ('However, within China' of 'However,
    within China, Alibaba Cloud dominates with a 36% share') is not made."""
    dates = [m.span() for m in DATE.finditer(body)]
    for figure in (f for f in find_figures(body) if f.start >= span_end):
        if any(a <= figure.start < b for a, b in dates):
            continue  # the year of 'June 24, 2021' belongs to its date, whose comma is no phrase boundary
        cut = body.rfind(", ", span_end, figure.start)
        if cut == -1:
            return body  # the next figure belongs to the answer's own phrase ('$89.43 billion in 2025')
        if body.count("(", 0, cut) > body.count(")", 0, cut):
            continue  # '(e.g., Qwen, now supporting 119 languages)': no cut inside parentheses
        if _says_more(body[:cut], span_start, span_end):
            return body[:cut]
    return body


def _says_more(body: str, span_start: int, span_end: int) -> bool:
    """Does the text hold a content word beside the answer span and grammar words?"""
    rest = body[:span_start] + " " + body[span_end:]
    return bool(tokenize(_LEADING_CONNECTIVE.sub("", rest.strip(" ,;—–-"))))


def _parenthesised(text: str, start: int, end: int) -> bool:
    before, after = text[:start].rstrip(), text[end:].lstrip()
    return before.endswith("(") and after.startswith(")")


def verdict(query: Query, candidate: Candidate) -> str:
    """'Yes: ' or 'No: ' when the question tests a figure or a rank it states; 'Yes: ' when it asks whether the
    sources say something (`Query.reported`) and a sentence says it; empty otherwise."""
    if query.reported:
        return "Yes: "
    if query.claimed_rank and candidate.kind == "rank":
        return "Yes: " if same_rank(query.claimed_rank, candidate.text) else "No: "
    if query.comparison is None or query.claim is None or candidate.figure is None:
        return ""
    found, claimed = candidate.figure, query.claim
    if query.comparison == "eq":
        holds = same_figure(claimed, found) or same_figure(found, claimed)
    elif query.comparison == "gt":
        holds = found.value > claimed.value
    else:
        holds = found.value < claimed.value
    return "Yes: " if holds else "No: "


_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def difference_sentence(first: Candidate, second: Candidate) -> str | None:
    """'Huawei Cloud's 8% is 2 percentage points less than Tencent Cloud's 10%.': the gap between two owners'
    figures, computed here and said with both figures as the sources give them; the way it goes is read from
    the figures, not from the question. None when the figures cannot be set against each other (a share and a
    sum, two currencies)."""
    a, b = first.figure, second.figure
    if a is None or b is None or not comparable(a, b):
        return None
    if a.high is not None or b.high is not None:
        return None  # a range ('140-160%') has no one gap
    if a.value == b.value:
        return f"{_possessive(first.owner)} {a.text} is the same as {_possessive(second.owner)} {b.text}."
    way = "more" if a.value > b.value else "less"
    return f"{_possessive(first.owner)} {a.text} is {_gap(abs(a.value - b.value), a)} {way} than " \
           f"{_possessive(second.owner)} {b.text}."


def _gap(gap: float, like: Figure) -> str:
    """The gap in the form of the figures it is between: percentage points, a sum in their currency, a number."""
    if like.kind == "percent":
        return f"{_plain(gap)} percentage points"
    if like.kind != "money":
        return _plain(gap)
    prefix = re.match(r"[^\d]*", like.text).group().strip()
    scale, word = next(((s, w) for s, w in _SCALES if gap >= s), (1.0, ""))
    number = f"{prefix}{' ' if prefix[-1:].isalpha() else ''}{_plain(gap / scale)}"
    return f"{number} {word}".strip()


def _plain(value: float) -> str:
    """A computed number without float noise: 2.0 -> '2', 1.7000000000000002 -> '1.7', 12645 -> '12,645'."""
    return f"{round(value, 2):,.2f}".rstrip("0").rstrip(".")


def _possessive(owner: str) -> str:
    return f"{owner}'" if owner.endswith("s") else f"{owner}'s"
