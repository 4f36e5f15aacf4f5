"""Answer a question: parse it, gather evidence, extract a grounded span, decide, compose and cite.

Stages: `query` (what is asked) -> `retrieve` + `evidence` (ranked sentences) -> `policy.showable` (sentences
about what the question names) -> `extract` (the model picks a span of a shown sentence, or NOT FOUND) ->
`policy.keeps` (calibrated refusal) -> `compose` (the answer sentence, from the source's own words)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from .casing import truecase
from .compose import answer_sentence, difference_sentence, verdict
from .conflicts import conflicting
from .embed import Embedder
from .errors import IndexStaleError
from .ingest import read_document
from .evidence import Evidence, EvidenceFinder
from .extract import Candidate, candidates, corroborate, extract, sharpest
from .figures import Figure, find_figures, same_figure
from .lexical import tokenize
from .llm import Generator, OnText
from .policy import (dated_elsewhere, figures_of_other_periods, fills_role, holders_of_other_roles, holds_enough,
                     keeps, names_present, on_topic, saying_the_deed, showable)
from .query import Query, clean_question, parse_query
from .retrieve import Retriever
from .schema import Answer, Citation, Timings
from .settings import AnswerSettings, Settings
from .store import ChunkStore
from .structure import kinds_named, lists_names, owner_of, same_name

NOT_IN_CORPUS = "The corpus does not contain the answer to this question."

Sentence = tuple[str, list[Evidence]]  # an answer sentence and the evidence it cites


@dataclass
class Draft:
    """An answer before numbering: sentences, each with the evidence it cites."""

    sentences: list[Sentence]
    answerable: bool = True


class Answerer:
    """Loads nothing itself: it is handed an index, an embedder and a generator (the seam tests use)."""

    def __init__(self, settings: Settings, index: ChunkStore, embedder: Embedder, generator: Generator) -> None:
        self.settings, self.index, self.generator = settings, index, generator
        self.retriever = Retriever(index, embedder, settings.retrieval)
        self.finder = EvidenceFinder(index, embedder, settings.answer.synonym_senses)

    def ask(self, question: str, k: int | None = None, mode: str | None = None, verify: bool | None = None,
            on_text: OnText | None = None) -> Answer:
        started = time.perf_counter()
        text, warnings = clean_question(question)
        query = parse_query(truecase(text, self._texts_with, self.settings.answer.casing_share))
        verify = self.settings.generation.verify if verify is None else verify
        sentences: list[Sentence] = []
        retrieve_s, signals = 0.0, []
        parts = query.parts or (query,)
        if not _names_anything(query):  # any sentence would do as well as any other: none is served
            warnings.append("the question names nothing to look for: ask about a company, person, figure or event")
            parts = ()
        for part in parts:
            found, seconds, part_signals = self._answer_part(part, k, mode, verify, on_text)
            sentences += [s for s in found if not any(_says(earlier, s) for earlier in sentences)]
            if not found and len(parts) > 1:  # 'How does A's revenue compare with B's?': say which part is missing
                warnings.append(f"the corpus does not answer this part of the question: {part.ask}")
            retrieve_s += seconds
            signals += [part_signals] if part_signals else []
        answer = _render(text, Draft(sentences, answerable=bool(sentences)), warnings)
        self._check_sources_unchanged(answer)
        answer.signals = min(signals, key=lambda s: s["margin"]) if signals else {}
        total = time.perf_counter() - started
        answer.timings = Timings(retrieve_s=round(retrieve_s, 4), generate_s=round(total - retrieve_s, 4),
                                 total_s=round(total, 4))
        return answer

    def _texts_with(self, word: str) -> list[str]:
        """The texts of the chunks that best match a word (how the corpus writes it: `casing`)."""
        return [self.index.chunks[row].text for row, _ in
                self.index.lexical_search(word, self.settings.answer.casing_chunks)]

    def _answer_part(self, query: Query, k, mode, verify: bool,
                     on_text) -> tuple[list[Sentence], float, dict[str, float]]:
        """The part's answer sentences, the seconds spent retrieving, and the refusal signals when the model
        was asked."""
        started = time.perf_counter()
        evidence = self._evidence(query, k, mode)
        retrieved = time.perf_counter() - started
        if query.options:
            return self._choose_option(query, evidence), retrieved, {}
        if query.extreme and (ranked := self._extreme(query, evidence)):
            return ranked, retrieved, {}
        if _asks_whose_figure(query):
            # the stated figure names what is asked ('Which bank projects $2 trillion?', 'Which company's share is
            # 36%?'): only a sentence stating it, or following one that does, can say what holds it, and when none
            # does, no sentence can
            evidence = [item for item in evidence if _states(query.claim, item)]
            if not evidence:
                return [], retrieved, {}
        shown, found = self._shown(query, evidence, verify)
        # 'how much does it account for?': not a sum (none, or only in sentences holding too little of the question),
        # then any figure
        if query.fallback_kind and not any(holds_enough(item, self.settings.answer) for item in shown):
            started = time.perf_counter()
            query = replace(query, kind=query.fallback_kind, fallback_kind=None)
            evidence = self._evidence(query, k, mode)
            retrieved += time.perf_counter() - started
            shown, found = self._shown(query, evidence, verify)
        if _asks_whose_figure(query) and (owners := _owners_of_claim(query, shown)):
            # 'Which company's share is 36%?': whose the stated figure is, read from the sentence
            return [(answer_sentence(owners[0]), [owners[0].evidence])], retrieved, {}
        if not found:
            return [], retrieved, {}
        if verify:
            found = servable(found, self.settings.answer)
        extraction = extract(query, shown, found, self.generator, on_text, self.settings.answer.support_weight)
        if not keeps(extraction, self.settings.answer):
            return [], retrieved, extraction.signals
        chosen = sharpest(extraction.candidate, found, self.settings.answer.coverage_slack)  # '2015' -> 'December 2015'
        sentence = verdict(query, chosen) + answer_sentence(chosen)
        return [(sentence, [chosen.evidence])] + conflicting(query, chosen, evidence), retrieved, extraction.signals

    def _check_sources_unchanged(self, answer: Answer) -> None:
        """Every quote printed is the current file's text: a cited article changed or deleted since the build
        makes the index stale (re-reading the few cited files costs well under a millisecond each)."""
        for doc_id in dict.fromkeys(c.doc_id for c in answer.citations):
            document = self.index.documents[doc_id]
            current = read_document(self.settings.corpus_dir, document.path, self.settings.ingest)
            if current is None or current.content_hash != document.content_hash:
                raise IndexStaleError(f"{document.path} changed or was removed since the index was built: "
                                      "run `rag index build`")

    def _evidence(self, query: Query, k: int | None, mode: str | None) -> list[Evidence]:
        """Retrieve chunks and rank their sentences, embedding the question once for both."""
        vector = self.finder.embedder.embed([query.search_text])[0]
        hits = self.retriever.search(query.search_text, k=k, mode=mode, vector=vector, kind=query.kind)
        return self.finder.find(query, hits, vector)

    def _shown(self, query: Query, evidence: list[Evidence], verify: bool) -> tuple[list[Evidence], list[Candidate]]:
        """The sentences shown to the model and their candidates, each with its support (documents that offer the
        same answer). Shown are the best of the sentences about what the question names that hold a candidate
        (a better sentence with no answer in it does not push them out), and beside them any sentence about it,
        holding some of the question's weight, whose answer another document corroborates; not a table cell, whose
        meaning is its row label: a figure two filings print as net income is corroborated as net income, not as
        the cost of sales asked about."""
        settings = self.settings.answer
        asked = query if verify else _unchecked(query)
        topical = on_topic(query, evidence, settings) if verify else evidence
        kinds = kinds_named(query.ask, [item.text for item in topical])  # 'the global cloud AI market' is named
        other_periods = figures_of_other_periods(query, evidence) if verify else []
        other_holders = holders_of_other_roles(query, evidence) if verify else []
        senses = self.settings.answer.synonym_senses
        offered = {id(item): [c for c in candidates(asked, item, kinds) if not dated_elsewhere(c, other_periods)
                              and fills_role(c, other_holders, query, senses)]
                   for item in topical}
        every = [c for spans in offered.values() for c in spans]
        supported = {key: corroborate(spans, every) for key, spans in offered.items()}
        answering = [item for item in topical if supported[id(item)]]  # the tier is of sentences that can answer
        answering = saying_the_deed(query, answering) if verify else answering
        best = {id(item) for item in (showable(query, answering, settings) if verify else answering)}
        pool = [item for item in answering if id(item) in best or
                (settings.support_weight and (item.coverage >= settings.paraphrase_min_coverage or not verify) and
                 any(c.support > 1 and not c.in_row for c in supported[id(item)]))]
        shown, found, seen = [], [], set()
        for item in pool:
            wording = " ".join(item.text.lower().split())
            if wording in seen:
                continue  # the same sentence in another article: a second copy shows the model nothing new
            seen.add(wording)
            shown.append(item)
            found += supported[id(item)]
            if len(shown) == settings.shown_sentences:
                break
        return shown, found

    def _extreme(self, query: Query, evidence: list[Evidence]) -> list[Sentence]:
        """'Which provider leads the global market?': the owners' figures one sentence gives side by side ('Alibaba
        Cloud holds 4% ..., trailing AWS (30%), Microsoft (22%) ...'), compared: the best-ranked sentence about
        what the question names, holding as much of it as an answer needs, that gives figures of one kind for at
        least two owners. Figures from different sentences are not compared (a forecaster's '$2 trillion' is not a
        provider's size). Nothing when no sentence compares: the question is answered as any other."""
        asked = replace(query, kind=None, extreme=None, subjects=())  # whose figure it is, is the question
        settings = self.settings.answer
        for item in on_topic(query, evidence, settings):
            if not holds_enough(item, settings):
                continue  # 'the largest shareholder' is not read from market shares
            by_kind: dict[str, dict[str, Candidate]] = {}
            for c in candidates(asked, item):
                if c.figure is not None and c.owner and not c.in_row and c.figure.kind != "year":
                    owners = by_kind.setdefault(c.figure.kind, {})
                    if not any(same_name(c.owner, owner) for owner in owners):
                        owners[c.owner] = c
            compared = next((list(owners.values()) for owners in by_kind.values() if len(owners) >= 2), [])
            if compared:
                pick = (max if query.extreme == "max" else min)(compared, key=lambda c: c.figure.value)
                return [(f"{pick.owner}: {pick.text}.", [pick.evidence])]
        return []

    def _choose_option(self, query: Query, evidence: list[Evidence]) -> list[Sentence]:
        """'Which is bigger, A or B?' (or 'Is A bigger than B?', answered yes or no): each option's figure, read as
        its own question, then compared."""
        kind = "percent" if query.kind in (None, "name") else query.kind  # 'Which company is bigger, A or B?'
        figures = []
        for option in query.options:
            sub = Query(text=query.text, ask=query.ask, kind=kind, subjects=(option,),
                        qualifiers=query.qualifiers, terms=query.terms)
            figures.append([c for e in evidence if names_present(sub, e) for c in candidates(sub, e)
                            if c.figure is not None and c.owner and same_name(c.owner, option)
                            and not lists_names(c.owner)])  # a group's joint figure is no member's
            if not figures[-1]:
                return []
        picks = _side_by_side(figures) or _each_of_the_measure(query.measure_terms, figures)
        if not picks:
            return []
        if query.difference:  # 'How much smaller is A's share than B's?'
            gap = difference_sentence(*picks)
            cited = [c.evidence for i, c in enumerate(picks) if all(c.evidence is not p.evidence for p in picks[:i])]
            return [(gap, cited)] if gap else []
        largest = max(picks, key=lambda c: c.figure.value)
        smallest = min(picks, key=lambda c: c.figure.value)
        winner = smallest if query.extreme == "min" else largest
        verdict = ("Yes: " if winner is picks[0] else "No: ") if query.polar else ""  # 'Does A hold more than B?'
        return [(f"{verdict}{winner.owner}: {winner.text}.", [winner.evidence])] + \
            [(f"{c.owner}: {c.text}.", [c.evidence]) for c in picks if c is not winner]  # each figure beside its owner


def _side_by_side(figures: list[list[Candidate]]) -> list[Candidate]:
    """One figure for each option from one sentence that gives them side by side ('trailing AWS (30%), Microsoft
    (22%)'), each its own owner's: figures of one sentence measure one thing."""
    for first in figures[0]:
        picks = [first]
        for spans in figures[1:]:
            pick = next((c for c in spans if c.evidence is first.evidence and _another_owner(c, picks)), None)
            if pick is None:
                break
            picks.append(pick)
        else:
            return picks
    return []


def _each_of_the_measure(measure: frozenset[str], figures: list[list[Candidate]]) -> list[Candidate]:
    """Figures from different sentences, only when the question names what they measure and each sentence says all
    of it: 'Which is larger, AWS or Microsoft?' is not answered with Azure's 39% growth beside AWS's 30% share."""
    if not measure:
        return []
    picks: list[Candidate] = []
    for spans in figures:
        pick = next((c for c in spans if measure <= set(tokenize(c.evidence.text)) and _another_owner(c, picks)), None)
        if pick is None:
            return []
        picks.append(pick)
    return picks


def _another_owner(candidate: Candidate, picks: list[Candidate]) -> bool:
    """Is the candidate's owner none of the picked figures' owners (each option its own figure)?"""
    return not any(same_name(candidate.owner, p.owner) for p in picks)


def _says(earlier: Sentence, sentence: Sentence) -> bool:
    """Does an answer sentence already given say this one: the same source's wording, in full or more? Both parts of
    'How much did A rise, and how much did B rise?' may be answered by one sentence ('A and B rose 14% and 9%,
    respectively, in 2025'): it is said once."""
    def cited(said: Sentence) -> set[tuple[str, int]]:
        return {(e.document.doc_id, e.span.start) for e in said[1]}

    return sentence[0].rstrip(".") in earlier[0] and cited(sentence) <= cited(earlier)


def _names_anything(query: Query) -> bool:
    """Does the question name something to look for (a term, a name, a figure, options)? 'Who is the' and 'Which
    is the largest?' do not: any sentence would do as well as any other, so none is served."""
    return bool(query.terms or query.subjects or query.qualifiers or query.claim or query.options)


def _asks_whose_figure(query: Query) -> bool:
    """'Which company's share is 36%?': a stated percentage or sum whose owner is asked for. A bare number names a
    thing ('No 1', 'Season 17'), not a figure."""
    return query.claim is not None and query.claim.kind in ("percent", "money") and \
        query.kind in ("name", "place", None) and not query.comparison


def _states(figure: Figure, item: Evidence) -> bool:
    """Does the sentence state the figure, or the one before it ('Alibaba's $53 billion investment ... . This move,
    described by CEO Eddie Wu as ...')?"""
    return any(same_figure(figure, f) for f in item.figures + find_figures(item.sentence_before))


def _unchecked(query: Query) -> Query:
    """The query without its names: what --no-verify extracts from (an ablation of the checks)."""
    return replace(query, subjects=(), qualifiers=())


def _owners_of_claim(query: Query, shown: list[Evidence]) -> list[Candidate]:
    found = []
    for item in shown:
        for figure in find_figures(item.text):
            owner = owner_of(item.text, figure.start, figure.end)
            if owner and same_figure(query.claim, figure) and not any(same_name(owner, n) for n in query.subjects):
                found.append(Candidate(owner, item, figure.start, figure.end, "name", owner, figure))
    return found


def _render(question: str, draft: Draft, warnings: list[str]) -> Answer:
    """Number the cited sentences in order of first use and write the markers into the answer."""
    if not draft.answerable or not draft.sentences:
        return Answer(question=question, answer=NOT_IN_CORPUS, answerable=False, citations=[], warnings=warnings)
    numbers: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    parts = []
    for text, sources in draft.sentences:
        markers = []
        for e in sources:
            key = (e.document.doc_id, e.span.start)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(_citation(numbers[key], e))
            markers.append(f"[{numbers[key]}]")
        body = text.rstrip()
        end = body[-1] if body and body[-1] in ".!?" else ""
        parts.append(f"{body[:-1] if end else body} {''.join(markers)}{end}".strip())
    return Answer(question=question, answer=" ".join(parts), answerable=True, citations=citations, warnings=warnings)


def _citation(number: int, e: Evidence) -> Citation:
    d = e.document
    return Citation(id=number, doc_id=d.doc_id, title=d.title, path=d.path, start=e.span.start, end=e.span.end,
                    quote=d.text[e.span.start:e.span.end])


def servable(found: list[Candidate], settings: AnswerSettings) -> list[Candidate]:
    """The candidates the model may pick: those of sentences holding enough of the question to be served, when
    any does. A pick from another shown sentence could only be refused (`keeps` reads its sentence's coverage),
    so offering it turns an answer the sources hold into a refusal: asked how quickly a market expands each year,
    the model picked a '26% year-over-year' revenue increase over the sentence about the market ('growing at
    140-160% annually')."""
    enough = [c for c in found if holds_enough(c.evidence, settings)]
    return enough or found
