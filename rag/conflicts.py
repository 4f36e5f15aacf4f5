"""One rule for when two sources disagree: figures of the same kind and unit, belonging to the same owner,
measuring the same thing (the words of their clauses), with different values, in different documents."""

from __future__ import annotations

import re

from .evidence import Evidence
from .extract import Candidate, candidates
from .figures import Figure, find_figures, numbers_list_item, same_figure
from .lexical import tokenize
from .policy import names_present
from .query import Query
from .structure import clause_at, name_runs, same_name

MIN_SHARED_MEASURE_WORDS = 2  # content words two figures' clauses must share to measure the same thing
MAX_RATIO = 2.0  # figures for one thing differ a little; a tenfold gap is another quantity


def disagree(a: Figure, a_text: str, a_owner: str | None, b: Figure, b_text: str, b_owner: str | None) -> bool:
    """Do these two figures state different values for the same measure of the same owner?"""
    if a.kind != b.kind or a.currency != b.currency or a.values == b.values:
        return False
    if numbers_list_item(a_text, a) or numbers_list_item(b_text, b):
        return False
    low, high = sorted((abs(a.value), abs(b.value)))
    if low == 0 or high / low > MAX_RATIO:
        return False
    if a_owner and b_owner and not same_name(a_owner, b_owner):
        return False
    return len(measure_words(a_text, a, a_owner) & measure_words(b_text, b, b_owner)) >= MIN_SHARED_MEASURE_WORDS


def measure_words(text: str, figure: Figure, owner: str | None) -> set[str]:
    """Content words of the figure's clause, less names (whose and where, not what) and numbers: what the
    figure measures."""
    a, b = clause_at(text, figure.start)
    names = set(tokenize(" ".join([owner or ""] + [r.text for r in name_runs(text[a:b])])))
    return {w for w in tokenize(text[a:b]) if not w[0].isdigit() and w not in names and w != "percent"}


def conflicting(query: Query, chosen: Candidate, evidence: list[Evidence]) -> list[tuple[str, list[Evidence]]]:
    """Sentences of other documents that give a different figure for what the answer states."""
    from .compose import answer_sentence

    if chosen.figure is None:
        return []
    out, seen_docs = [], {chosen.evidence.document.doc_id}
    for item in evidence:
        if item.document.doc_id in seen_docs or not names_present(query, item):
            continue
        other = _disagreeing(query, chosen, item)
        if other is not None:
            out.append((f"Another source differs: {answer_sentence(other)}", [item]))
            seen_docs.add(item.document.doc_id)
    return out


def _disagreeing(query: Query, chosen: Candidate, item: Evidence) -> Candidate | None:
    """A figure of the sentence that differs from the answer's, unless the sentence also states the answer's own
    value (a row without column heads, 'Total current assets | 4,186.5 | 4,123.7', gives this year's and last
    year's: it agrees with 4,186.5, it does not dispute it)."""
    forms = restated_forms(chosen.evidence.text, chosen.figure)
    offered = candidates(query, item)
    if any(c.figure is not None and any(same_figure(form, c.figure) for form in forms) for c in offered):
        return None
    for candidate in offered:
        if candidate.figure is not None and any(disagree(form, chosen.evidence.text, chosen.owner, candidate.figure,
                                                         item.text, candidate.owner) for form in forms):
            return candidate
    return None


def restated_forms(text: str, figure: Figure) -> list[Figure]:
    """The figure and its restatement in another unit beside it in parentheses: '$53 billion (RMB 380 billion)'
    is one amount, so another source's '$52.7 billion' differs from it whichever of the two was picked."""
    def beside(a: Figure, b: Figure) -> bool:
        return bool(re.fullmatch(r"\s*\(\s*", text[a.end:b.start])) and text[b.end:].lstrip().startswith(")")

    return [figure] + [f for f in find_figures(text) if f.kind == figure.kind and f.start != figure.start
                       and (beside(figure, f) or beside(f, figure))]
