"""Attribute each answer sentence to the source sentences that support it, and check its figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from .chunk import split_sentences
from .evidence import Evidence
from .figures import find_figures, same_figure
from .lexical import tokenize

MIN_WORD_SUPPORT = 0.6   # share of an answer sentence's content words that its quotes must hold
MIN_NEW_WORD_SUPPORT = 0.75  # share of the words the question did not contain (the new information)


@dataclass
class Claim:
    """One answer sentence, the evidence it rests on, and what in it nothing supports."""

    text: str
    sources: list[Evidence] = field(default_factory=list)
    unsupported_figures: list[str] = field(default_factory=list)
    word_support: float = 0.0
    new_word_support: float = 1.0

    @property
    def supported(self) -> bool:
        return (bool(self.sources) and not self.unsupported_figures and self.word_support >= MIN_WORD_SUPPORT
                and self.new_word_support >= MIN_NEW_WORD_SUPPORT)


def attribute(answer: str, evidence: list[Evidence], question: str = "") -> list[Claim]:
    """Split the answer into sentences and give each the evidence that holds its figures and words.
    Words the question did not contain are the answer's new information: most of them must be quoted."""
    claims = []
    asked = set(tokenize(question))
    for span in split_sentences(answer):
        text = answer[span.start:span.end].strip()
        if text:
            claims.append(_attribute_sentence(text, evidence, asked))
    return claims


def _attribute_sentence(text: str, evidence: list[Evidence], asked: set[str]) -> Claim:
    claim = Claim(text)
    for figure in find_figures(text):
        holders = [e for e in evidence if any(same_figure(figure, f) for f in e.figures)]
        if holders:
            best = max(holders, key=lambda e: e.score)
            if best not in claim.sources:
                claim.sources.append(best)
        else:
            claim.unsupported_figures.append(figure.text)
    words = set(tokenize(text))
    if not claim.sources and evidence and words:
        best = max(evidence, key=lambda e: (len(words & set(tokenize(e.text))), e.score))
        claim.sources.append(best)
    cited_words = set().union(*(tokenize(e.text) for e in claim.sources)) if claim.sources else set()
    context_words = set().union(*(tokenize(e.document.title) for e in claim.sources)) if claim.sources else set()
    supported_words = cited_words | context_words
    claim.word_support = len(words & supported_words) / len(words) if words else 1.0
    new_words = words - asked
    claim.new_word_support = len(new_words & supported_words) / len(new_words) if new_words else 1.0
    return claim
