"""Sentence-level evidence: which retrieved sentences can answer the question, and how well."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .chunk import is_heading
from .embed import Embedder
from .figures import Figure, find_figures
from .lexical import tokenize
from .question import QUESTION_WORDS, entities, expected_kind, key_terms, new_names
from .schema import Chunk, Document, Hit, Span
from .store import StoredIndex

# Text in an article that addresses a model rather than a reader: it is shown to nobody.
PHRASE_WEIGHT = 0.15  # bonus for sharing the question's two-word phrases
BRIDGE_SIMILARITY = 0.75
ENTITY_COVERAGE = 0.75  # share of the question's name weight its grounding sentence must be about
MIN_NAME_IDF = 1.0  # a name found in most chunks ('AI', the company itself) tells figures apart poorly  # an unknown question word counts as present when a source word means nearly the same
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

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
    context: str = ""  # the chunk around the sentence and its heading

    @property
    def text(self) -> str:
        return self.document.text[self.span.start:self.span.end]


def looks_like_instruction(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


class EvidenceFinder:
    """Ranks the sentences of retrieved chunks by meaning, term coverage and the kind of figure asked for."""

    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        self.index, self.embedder = index, embedder
        self.lexical = index.lexical

    def find(self, question: str, hits: list[Hit], question_vector: np.ndarray | None = None) -> list[Evidence]:
        candidates = self._candidates(hits)
        if not candidates:
            return []
        if question_vector is None:
            question_vector = self.embedder.embed([question])[0]
        vectors = self.embedder.embed([d.text[s.start:s.end] for d, s, _ in candidates])
        similarities = vectors @ question_vector
        terms, kind = key_terms(question), expected_kind(question)
        evidence = []
        for (document, span, chunk), similarity in zip(candidates, similarities):
            text = document.text[span.start:span.end]
            item = Evidence(document, span, float(similarity),
                            self.coverage(terms, text, document.title, chunk.section), find_figures(text),
                            context=f"{chunk.section}\n{chunk.text}")
            item.score = _score(item, kind, question) + PHRASE_WEIGHT * phrase_overlap(terms, text)
            evidence.append(item)
        return sorted(evidence, key=lambda e: -e.score)

    def _candidates(self, hits: list[Hit]) -> list[tuple[Document, Span, Chunk]]:
        seen, out = set(), []
        for hit in hits:
            document = self.index.documents[hit.chunk.doc_id]
            for span in hit.chunk.sentences:
                text = document.text[span.start:span.end]
                key = (document.doc_id, span.start)
                if key in seen or looks_like_instruction(text) or (is_heading(text) and not find_figures(text)):
                    continue
                seen.add(key)
                out.append((document, span, hit.chunk))
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
            weight = self.lexical.term_idf(term)
            total += weight
            if term in sentence_terms:
                covered += weight
            elif term in context_terms:
                covered += 0.5 * weight
        return covered / total if total else 1.0


def phrase_overlap(terms: list[str], text: str) -> float:
    """Share of the question's adjacent term pairs ('infrastructure market') that the sentence also has."""
    pairs = set(zip(terms, terms[1:]))
    if not pairs:
        return 0.0
    tokens = tokenize(text)
    return len(pairs & set(zip(tokens, tokens[1:]))) / len(pairs)


def _score(item: Evidence, kind: str | None, question: str) -> float:
    score = 0.55 * item.similarity + 0.45 * item.coverage
    if kind and holds_kind(item.text, item.figures, kind, question):
        score += 0.1
    return score


def holds_kind(text: str, figures: list[Figure], kind: str, question: str) -> bool:
    """Does the text hold the kind of answer asked for: a new name for 'who', else a figure of the kind?"""
    if kind == "person":
        return bool(new_names(text, question))
    return any(kind_fits(f, kind) for f in figures)


def kind_fits(figure: Figure, kind: str) -> bool:
    """Counts and amounts blur (a '2 billion tokens' answer to 'how much'); percentages and years do not."""
    return figure.kind == kind or (kind in ("number", "money") and figure.kind in ("number", "money"))


def _distance(figure: Figure, mention: tuple[int, int]) -> int:
    start, end = mention
    return max(start - figure.end, figure.start - end, 0)


def _shares_stem(term: str, words: set[str]) -> bool:
    """china ~ chinese, microsoft ~ microsoft: the same name in another form (a common prefix of 4+ letters)."""
    return term in words or (len(term) >= 4 and any(len(w) >= 4 and (w.startswith(term[:4]) and term.startswith(w[:4]))
                                                    and abs(len(w) - len(term)) <= 3 for w in words))


class AnswerabilityCheck:
    """Reasons to refuse before any generation: the question is about something the sources do not hold."""

    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        self.lexical, self.vocab, self.embedder = index.lexical, index.lexical.vocab, embedder

    def nearest_figure(self, question: str, item: Evidence, kind: str | None) -> Figure | None:
        """The figure of the asked kind that stands closest to the question's most specific name in the sentence:
        for 'Google' in '... AWS (30%), Microsoft (22%), and Google (12%)' that is 12%."""
        figures = [f for f in item.figures if kind and kind_fits(f, kind)]
        mentions = self._mentions(question, item.text)
        if len(figures) < 2 or not mentions:
            return None
        return min(figures, key=lambda f: min(_distance(f, m) for m in mentions))

    def _mentions(self, question: str, text: str) -> list[tuple[int, int]]:
        """Where the rarest of the question's names appear in the sentence."""
        words = [(m.start(), m.end(), (tokenize(m.group()) or [""])[0]) for m in _WORD.finditer(text)]
        present = [name for name in entities(question) if self.lexical.term_idf(name, 0.0) >= MIN_NAME_IDF
                   and any(_shares_stem(name, {w}) for _, _, w in words if w)]
        if not present:
            return []
        rarest = max(present, key=lambda name: self.lexical.term_idf(name, 0.0))
        return [(a, b) for a, b, w in words if w and _shares_stem(rarest, {w})]

    def lacks_entities(self, question: str, item: Evidence) -> bool:
        """Is the sentence (with its passage and title) not about what the question names? Names are weighed
        by rarity; most of the weight must be present."""
        names = entities(question)
        if not names:
            return False
        around = set(tokenize(item.text)) | set(tokenize(item.context)) | set(tokenize(item.document.title))
        weights = {name: self.lexical.term_idf(name) for name in names}
        present = sum(w for name, w in weights.items() if _shares_stem(name, around))
        return present < ENTITY_COVERAGE * sum(weights.values())

    def unknown_phrases(self, question: str, evidence: list[Evidence]) -> list[str]:
        """Runs of question words the corpus never uses that no word of the evidence means (by embedding)."""
        return [run for run, word in self.bridges(question, evidence).items() if word is None]

    def bridges(self, question: str, evidence: list[Evidence]) -> dict[str, str | None]:
        """Each run of unknown question words with the source word that means the same ('chief executive
        officer' -> 'CEO'), or None when no word of the evidence comes close."""
        runs = self._unknown_runs(question)
        source_words = sorted({w for e in evidence for w in _WORD.findall(e.text + " " + e.document.title)
                               if tokenize(w)})
        if not runs or not source_words:
            return {run: None for run in runs}
        vectors = self.embedder.embed(runs + source_words)
        similarity = vectors[: len(runs)] @ vectors[len(runs):].T
        return {run: source_words[int(row.argmax())] if float(row.max()) >= BRIDGE_SIMILARITY else None
                for run, row in zip(runs, similarity)}

    def in_corpus_words(self, question: str, evidence: list[Evidence]) -> str:
        """The question with unknown words replaced by the corpus words that mean the same, for retrieval."""
        for run, word in self.bridges(question, evidence).items():
            if word is not None:
                question = question.replace(run, word, 1)
        return question

    def _unknown_runs(self, question: str) -> list[str]:
        runs: list[list[str]] = [[]]
        for word in _WORD.findall(question):
            terms = tokenize(word)
            unknown = bool(terms) and all(t not in self.vocab and t not in QUESTION_WORDS for t in terms)
            if unknown:
                runs[-1].append(word)
            elif runs[-1]:
                runs.append([])
        return [" ".join(run) for run in runs if run]
