"""Sentence-level evidence: which retrieved sentences can answer the question, and how well."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .chunk import is_heading, split_sentences
from .clean import ROW_JOIN
from .embed import Embedder
from .figures import Figure, find_figures, fits_kind
from .glossary import equivalent_terms
from .lexical import acronym_terms, tokenize, unseen_idf
from .query import Query, parse_query
from .schema import Chunk, Document, Hit, Span
from .settings import AnswerSettings
from .store import ChunkStore
from .structure import abbreviates, mentions, name_runs, name_words, names_its_subject
from .thesaurus import rewordings, said_alike_terms

PHRASE_WEIGHT = 0.15  # bonus for sharing the question's two-word phrases
KIND_BONUS = 0.1  # bonus for holding the kind of answer asked for

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
    previous: str = ""  # its paragraph up to the sentence: who 'the unit' or 'it' is

    @property
    def text(self) -> str:
        return self.document.text[self.span.start:self.span.end]

    @property
    def in_table(self) -> bool:
        """Is it a table row ('Total assets | 2018: 59,268 | 2017: 55,556'), which names no one itself?"""
        return ROW_JOIN in self.text

    @functools.cached_property
    def names_own_subject(self) -> bool:
        """Does it name what it is about, or is that what its paragraph named before ('It was released on ...')?
        Read once: coverage and the name check both ask."""
        return names_its_subject(self.text)

    @functools.cached_property
    def lead_in(self) -> str:
        """The sentence before it in its paragraph, when it names no subject of its own: shown to the model with it,
        so 'In Q2 2025, the unit reported ...' is read as Alibaba Cloud's. Never text addressed to a model."""
        if self.names_own_subject:
            return ""
        sentence = self.sentence_before
        return "" if looks_like_instruction(sentence) else sentence

    @functools.cached_property
    def stated_terms(self) -> frozenset[str]:
        """The terms the sentence or its lead-in says (read once: who-did-it and relation checks both ask)."""
        return frozenset(tokenize(self.text)) | frozenset(tokenize(self.lead_in))

    @functools.cached_property
    def sentence_before(self) -> str:
        """The sentence before it in its paragraph ('' when it opens one)."""
        last = split_sentences(self.previous)[-1:]
        return self.previous[last[0].start:last[0].end] if last else ""


# Cyrillic and Greek letters that look like Latin ones: 'іgnоre' must read as 'ignore' before the filter.
_CONFUSABLES = str.maketrans("аеорсхуіјѕԁԛԝ" "АВЕКМНОРСТХІЈЅ" "αοειкνρτυχ" "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
                             "aeopcxyijsdqw" "ABEKMHOPCTXIJS" "aoeiknptux" "ABEHIKMNOPTXYZ")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
# Text addressed to a model rather than a reader: instructions, never evidence.
_ADDRESSED_TO_MODEL = re.compile(
    r"\b(note|message|instructions?|attention|reminder|memo)\s+(to|for)\s+(all\s+)?(the\s+)?"
    r"(ai|a\.i\.|assistants?|models?|llms?|chatbots?|language models?|bots?)\b|"
    r"^\W*(dear\s+)?(ai|assistant|chatbot|llm|language model)s?\s*[:,]|"
    r"\b(if you are|as) an? (ai|assistant|language model|llm)\b", re.IGNORECASE)


def looks_like_instruction(text: str) -> bool:
    """Does the sentence address a model (in any disguise: look-alike letters, invisible characters)?"""
    plain = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).translate(_CONFUSABLES)
    return bool(_INSTRUCTION.search(plain) or _ADDRESSED_TO_MODEL.search(plain))


class EvidenceFinder:
    """Ranks the sentences of retrieved chunks by meaning, term coverage and the kind of figure asked for."""

    def __init__(self, index: ChunkStore, embedder: Embedder, synonym_senses: int | None = None) -> None:
        self.index, self.embedder = index, embedder
        self.synonym_senses = AnswerSettings().synonym_senses if synonym_senses is None else synonym_senses

    def find(self, query: Query | str, hits: list[Hit], question_vector: np.ndarray | None = None) -> list[Evidence]:
        query = parse_query(query) if isinstance(query, str) else query
        candidates = self._candidates(hits)
        if not candidates:
            return []
        if question_vector is None:
            question_vector = self.embedder.embed([query.search_text])[0]
        vectors = self.embedder.embed([d.text[s.start:s.end] for d, s, _, _ in candidates])
        similarities = vectors @ question_vector
        terms = list(query.terms)
        unseen = self.unseen_terms(terms)
        reworded = rewordings(query.ask, unseen, self.synonym_senses) | \
            rewordings(query.ask, set(terms) - unseen, self.synonym_senses, derived_only=True)
        evidence = []
        for (document, span, chunk, previous), similarity in zip(candidates, similarities):
            text = document.text[span.start:span.end]
            item = Evidence(document, span, float(similarity), 0.0, find_figures(text),
                            context=f"{chunk.section}\n{chunk.text}", previous=previous)
            # a sentence naming no subject of its own ('This represents increases of 3.0% in 2022') is read under
            # the names its paragraph gave and the sentence it follows ('Sales by U.S. companies were ...')
            heading = chunk.section if item.names_own_subject else \
                f"{chunk.section} {subject_names(previous)} {item.lead_in}"
            also = acronym_terms(query.ask, text) | equivalent_terms(query.ask, text) | \
                titled_subjects(query.subjects, document.title) | \
                said_alike_terms(reworded, text)
            item.coverage = self.coverage(terms, text, document.title, heading, also)
            item.score = _score(item, query) + PHRASE_WEIGHT * phrase_overlap(terms, text)
            evidence.append(item)
        return sorted(evidence, key=lambda e: -e.score)

    def unseen_terms(self, terms: list[str]) -> set[str]:
        """The question's terms no chunk of the index contains: the reader's own words, which a sentence may state
        in a synonym (`thesaurus`). A term the corpus uses is the corpus's own word: a sentence states it only in
        its own form or as another part of speech ('French' by 'France')."""
        unseen = unseen_idf(len(self.index.chunks))
        return {t for t in terms if self.index.term_idf(t) >= unseen}

    def _candidates(self, hits: list[Hit]) -> list[tuple[Document, Span, Chunk, str]]:
        seen, out = set(), []
        for hit in hits:
            document = self.index.documents[hit.chunk.doc_id]
            for span in hit.chunk.sentences:
                text = document.text[span.start:span.end]
                key = (document.doc_id, span.start)
                if key not in seen and not looks_like_instruction(text) and not (is_heading(text) and not find_figures(text)):
                    seen.add(key)
                    paragraph_start = document.text.rfind("\n", 0, span.start) + 1
                    out.append((document, span, hit.chunk, document.text[paragraph_start:span.start].strip()))
        return out

    def coverage(self, terms: list[str], text: str, title: str = "", section: str = "",
                 also: set[str] = frozenset()) -> float:
        """Share of the question's term weight (idf) found in the sentence (or `also`: terms it states in another
        form, an acronym), its heading or its title. A term the corpus never uses weighs the most: asking about
        it is asking about something absent."""
        if not terms:
            return 1.0
        sentence_terms = set(tokenize(text)) | set(also)
        context_terms = set(tokenize(title)) | set(tokenize(section))
        total = covered = 0.0
        for term in terms:
            weight = self.index.term_idf(term)
            total += weight
            if term in sentence_terms:
                covered += weight
            elif term in context_terms:
                covered += 0.5 * weight
        return covered / total if total else 1.0


@functools.lru_cache(maxsize=1024)  # one title per document, asked for each of its sentences
def titled_subjects(subjects: tuple[str, ...], title: str) -> frozenset[str]:
    """The terms of the question's subjects that the document's title names (or abbreviates: 'JnJ' of 'Johnson &
    Johnson 2022 10-K'): every sentence of 'Acme 2019 10-K, page 70' is Acme's, as much as one that says 'Acme'
    again ('Total Acme stockholders equity' must not outweigh 'Total revenue' for naming the company the title
    already names)."""
    words = name_words(title)
    return frozenset(t for subject in subjects if mentions(subject, words) or abbreviates(subject, title)
                     for t in tokenize(subject))



def subject_names(paragraph: str) -> str:
    """The names a paragraph has given so far: what a following sentence without a name of its own is about."""
    return " ".join(r.text for r in name_runs(paragraph))


def phrase_overlap(terms: list[str], text: str) -> float:
    """Share of the question's adjacent term pairs ('infrastructure market') that the sentence also has."""
    pairs = set(zip(terms, terms[1:]))
    if not pairs:
        return 0.0
    tokens = tokenize(text)
    return len(pairs & set(zip(tokens, tokens[1:]))) / len(pairs)


def _score(item: Evidence, query: Query) -> float:
    score = 0.55 * item.similarity + 0.45 * item.coverage
    if query.kind and any(fits_kind(f.kind, query.kind) for f in item.figures):
        score += KIND_BONUS
    return score
