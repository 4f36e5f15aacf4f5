"""Sentence-level evidence: which retrieved sentences can answer the question, and how well."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .chunk import is_heading
from .embed import Embedder
from .figures import Figure, find_figures
from .lexical import tokenize
from .question import expected_kind, key_terms
from .schema import Document, Hit, Span
from .store import StoredIndex

# Text in an article that addresses a model rather than a reader: it is shown to nobody.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b|"
    r"\b(system prompt|you are now|new instructions|as an ai (language )?model|reply only with|answer only with|"
    r"respond with|say (only|exactly))\b|<\|im_(start|end)\|>|^\s*(system|assistant|user)\s*:",
    re.IGNORECASE,
)


@dataclass
class Evidence:
    """One source sentence with how well it matches the question."""

    document: Document
    span: Span
    similarity: float
    coverage: float
    figures: list[Figure] = field(default_factory=list)
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.document.text[self.span.start:self.span.end]


def looks_like_instruction(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


class EvidenceFinder:
    """Ranks the sentences of retrieved chunks by meaning, term coverage and the kind of figure asked for."""

    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        self.index, self.embedder = index, embedder
        lexical = index.lexical
        self._idf = {term: float(lexical.idf[col]) for term, col in lexical.vocab.items()}
        self._max_idf = math.log(1.0 + (len(index.chunks) + 0.5) / 0.5)

    def find(self, question: str, hits: list[Hit]) -> list[Evidence]:
        candidates = self._candidates(hits)
        if not candidates:
            return []
        vectors = self.embedder.embed([question] + [d.text[s.start:s.end] for d, s, _ in candidates])
        similarities = vectors[1:] @ vectors[0]
        terms, kind = key_terms(question), expected_kind(question)
        evidence = []
        for (document, span, section), similarity in zip(candidates, similarities):
            text = document.text[span.start:span.end]
            item = Evidence(document, span, float(similarity), self.coverage(terms, text, document.title, section),
                            find_figures(text))
            item.score = _score(item, kind)
            evidence.append(item)
        return sorted(evidence, key=lambda e: -e.score)

    def _candidates(self, hits: list[Hit]) -> list[tuple[Document, Span, str]]:
        seen, out = set(), []
        for hit in hits:
            document = self.index.documents[hit.chunk.doc_id]
            for span in hit.chunk.sentences:
                text = document.text[span.start:span.end]
                key = (document.doc_id, span.start)
                if key in seen or looks_like_instruction(text) or (is_heading(text) and not find_figures(text)):
                    continue
                seen.add(key)
                out.append((document, span, hit.chunk.section))
        return out

    def coverage(self, terms: list[str], text: str, title: str = "", section: str = "") -> float:
        """Share of the question's term weight (idf) found in the sentence, its heading or its title.
        A term the corpus never uses weighs the most: asking about it is asking about something absent."""
        if not terms:
            return 1.0
        sentence_terms = set(tokenize(text))
        context_terms = set(tokenize(title)) | set(tokenize(section))
        total = covered = 0.0
        for term in terms:
            weight = self._idf.get(term, self._max_idf)
            total += weight
            if term in sentence_terms:
                covered += weight
            elif term in context_terms:
                covered += 0.8 * weight
        return covered / total if total else 1.0


def _score(item: Evidence, kind: str | None) -> float:
    score = 0.55 * item.similarity + 0.45 * item.coverage
    if kind and any(_kind_fits(f, kind) for f in item.figures):
        score += 0.1
    return score


def _kind_fits(figure: Figure, kind: str) -> bool:
    return figure.kind == kind or (kind == "number" and figure.kind in ("number", "money"))
