"""Does a shorter wording still say what its source says? Checking, shared by summaries and answers.

Keeping every figure is not enough: 'Alibaba Cloud dominates with a 36% share of the public AI cloud services
market' keeps 36% but drops 'within China', and the figure now reads as global. A shorter wording keeps the
meaning when every figure it gives is the source's, belongs to the same owner there, and every place and
period qualifier of the source ('within China', 'in Q1 2025') is still in it."""

from __future__ import annotations

from .figures import find_figures, same_figure
from .structure import mentions, name_words, owner_of, qualifiers, same_name


def meaning_lost(source: str, shorter: str) -> list[str]:
    """What the shorter wording adds, re-assigns or drops, one reason each; empty when it keeps the meaning."""
    reasons = []
    source_figures = find_figures(source)
    for figure in find_figures(shorter):
        matches = [f for f in source_figures if same_figure(figure, f)]
        if not matches:
            reasons.append(f"{figure.text} is not in the source")
            continue
        if figure.kind == "year":
            continue  # a year is a period: checked with the qualifiers below
        owners = [owner_of(source, f.start, f.end) for f in matches]
        now = owner_of(shorter, figure.start, figure.end)
        if all(owners) and not (now and any(same_name(owner, now) for owner in owners)):
            reasons.append(f"{figure.text} belongs to {owners[0]}, not to {now or 'nobody'}")
    kept = name_words(shorter)
    reasons += [f"'{q}' is dropped" for q in qualifiers(source) if not mentions(q, kept)]
    return reasons
