"""Decide whether the corpus answers: which sentences may be shown, and whether the model's pick is kept.

Signals, each measurable: every name and period the question gives must appear where the sentence can vouch
for it (the sentence, its document's title or section, or, for a sentence with no name of its own, its paragraph
so far; a sentence with no year of its own is of the years its paragraph gave before it, and an undated figure
another sentence dates to another period is that period's); the sentence's similarity to the question; its
coverage of the question's term weight (or, for a paraphrase, a similarity high enough to stand for it); and the
model's own log-odds of answering against NOT FOUND. The thresholds live in `Settings.answer` and are fitted by
`benchmarks/sweep.py` on dev data."""

from __future__ import annotations

import functools
import math
import re

from .clean import row_label
from .evidence import Evidence
from .extract import Candidate, Extraction, agrees, candidates
from .figures import YEAR
from .lexical import tokenize
from .query import Query
from .roles import held_at_names, held_roles, other_role, says_role
from .settings import AnswerSettings
from .structure import (abbreviates, abbreviation_of, mentions, name_words, places, same_name, spans_years,
                        worldwide)


def names_present(query: Query, evidence: Evidence) -> bool:
    """Is every name and period of the question vouched for by the sentence or what it stands under?"""
    if _narrower(query, evidence.text):
        return False
    if _of_a_span(query, evidence.text):
        return False
    names = query.subjects + query.qualifiers
    if not names:
        return True
    sources = (_EXCLUDED.sub("", evidence.text), evidence.document.title,  # sentence, title, section
               evidence.context.split("\n", 1)[0])
    around = set().union(*map(name_words, sources))
    if evidence.previous and not evidence.names_own_subject:
        around |= name_words(evidence.previous)  # 'The unit reported ...': the subject is earlier in the paragraph
    subjects_in = all(mentions(name, around) or any(abbreviates(name, s) or abbreviation_of(name, s) for s in sources)
                      for name in query.subjects)
    single = [q for q in query.qualifiers if q not in query.period_choices]
    around |= _paragraph_years(query, evidence, around) or _article_years(query, evidence, around)
    return subjects_in and all(_vouched(q, around) for q in single) and _one_vouched(query.period_choices, around)


# 'Sales outside the home market, excluding the U.S., grew 6.5%': a name the sentence sets aside is not what it is about
_EXCLUDED = re.compile(r"\b(?:excluding|except(?:\s+for)?|other\s+than|apart\s+from)\s+(?:the\s+)?"
                       r"[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*")


def _of_a_span(query: Query, sentence: str) -> bool:
    """Asked about one period ('in FY2022'), a sentence giving a span of years ('The five-year compound annual growth
    rates ... were 4.4%, 4.0% and 4.9%') and not the period asked gives figures of another period. A question
    asking about a span ('over three years', 'its five-year plan') is answered by one."""
    periods = [q for q in query.qualifiers if re.search(r"\d", q)]
    return bool(periods) and spans_years(sentence) and not spans_years(query.ask) and \
        not re.search(r"\b(?:years|decades?)\b", query.ask) and \
        not any(mentions(q, name_words(sentence)) for q in periods)


def _paragraph_years(query: Query, evidence: Evidence, around: set[str]) -> set[str]:
    """The years a sentence with none of its own is of: those its paragraph gave before it ('Oct 13, 2016 ...
    Dylan won the prize' is of 2016, not the 2018 asked about); none when the paragraph also gives an asked one."""
    if _years(around) or not evidence.previous:
        return set()
    earlier = _years(name_words(evidence.previous))
    return set() if any(mentions(q, earlier) for q in query.qualifiers) else earlier


def _article_years(query: Query, evidence: Evidence, around: set[str]) -> set[str]:
    """The years a sentence with none of its own, in a paragraph with none, is of: its article's, when the article
    never gives an asked one (an undated 'recent $60 million investment' in an article of 2023 to 2032 is not of
    2019); none when it does."""
    if _years(around):
        return set()
    years = set(_years_of(evidence.document.text))
    return set() if any(mentions(q, years) for q in query.qualifiers) else years


@functools.lru_cache(maxsize=256)
def _years_of(text: str) -> frozenset[str]:
    """The years an article states (read once per article text)."""
    return frozenset(_years(name_words(text)))


def _years(words: set[str]) -> set[str]:
    return {w for w in words if re.fullmatch(YEAR, w)}


def _vouched(qualifier: str, around: set[str]) -> bool:
    return mentions(qualifier, around) or not _contradicted(qualifier, around)


def _one_vouched(listed: tuple[str, ...], around: set[str]) -> bool:
    """Periods listed together ('FY2023, FY2022 and FY2021'): one of them named, or none contradicted, will do."""
    return not listed or any(mentions(q, around) for q in listed) or not any(_contradicted(q, around) for q in listed)


def _narrower(query: Query, sentence: str) -> bool:
    """Asked for a world-wide figure, a sentence about one place ('within China') does not answer it."""
    return worldwide(query.ask) and not worldwide(sentence) and bool(places(sentence))


def _contradicted(qualifier: str, around: set[str]) -> bool:
    """A period the sentence lacks counts against it only when the sentence names another period instead
    ('in 2019' against a sentence about 2018); a place it lacks always does."""
    if not re.search(r"\d", qualifier):
        return True
    return bool(_years(around))


def figures_of_other_periods(query: Query, evidence: list[Evidence]) -> list[Candidate]:
    """The figures, with an owner, of sentences that date themselves to another period than the one asked about
    ('Alibaba Cloud holds a modest 4% market share in Q1 2025', asked about Q1 2022)."""
    periods = [q for q in query.qualifiers if re.search(r"\d", q)]
    if not periods:
        return []
    dated = [item for item in evidence if not item.in_table and _years(words := name_words(item.text))
             and not any(mentions(q, words) for q in periods)]
    return [c for item in dated for c in candidates(query, item) if c.figure is not None and c.owner]


def dated_elsewhere(candidate: Candidate, other_periods: list[Candidate]) -> bool:
    """Is an undated figure the same fact another sentence dates to another period (`figures_of_other_periods`)?
    'Alibaba Cloud holds a 4% global market share' is the 4% another source gives for Q1 2025: asked about Q1 2022,
    it does not answer. The same fact is the same figure with the same owner; a table cell is its row's."""
    if candidate.figure is None or candidate.in_row or not candidate.owner or \
            _years(name_words(candidate.evidence.text)):
        return False
    return any(agrees(candidate, other) and same_name(candidate.owner, other.owner) for other in other_periods)


def holders_of_other_roles(query: Query, evidence: list[Evidence]) -> list[str]:
    """The names the sources give another role than the one a who-question asks about, and never that one: asked
    who the CEO of Google is, 'Eric Schmidt, former CEO of Google' (held before now) or 'X is the CEO of The LEGO
    Foundation' asked about Lego (held at another organisation). Such a name answers from no sentence."""
    if query.role is None:
        return []
    held = [(name, other_role(query.role, role, query.terms)) for item in evidence
            for name, role in held_roles(item.text, query.role.wordings)]
    holders = [name for name, other in held if not other]
    return [name for name, other in held if other and not any(same_name(name, holder) for holder in holders)]


def fills_role(candidate: Candidate, others: list[str], query: Query, senses: int) -> bool:
    """Asked who holds a role, may the candidate be the holder? Only in a sentence that says the role in some words
    (`roles.says_role`: 'founded', 'directed by'); not a name `holders_of_other_roles` found; and in a sentence
    that says who holds the role's noun, only a holder of the role asked about: 'Christiansen, CEO of the LEGO
    Group; and, Mónica Ramírez, Founder & President of ...' offers Christiansen as Lego's CEO, not Ramírez, and
    'Sepp Blatter, the former president of FIFA when Qatar was awarded ...' offers nobody as its president."""
    if candidate.kind != "name" or query.role is None:
        return True
    text, wordings = candidate.evidence.text, query.role.wordings
    if not says_role(text, query.role, senses):
        return False
    if any(same_name(candidate.text, name) for name in others + list(held_at_names(text, wordings))):
        return False  # 'Alphabet' of 'CEO of Google and Alphabet' is where the role is held, not who holds it
    held = held_roles(text, wordings)
    return not held or any(same_name(candidate.text, name) for name, role in held
                           if not other_role(query.role, role, query.terms))


def on_topic(query: Query, evidence: list[Evidence], settings: AnswerSettings) -> list[Evidence]:
    """The sentences that may speak to the question: about what it names, and near enough in meaning."""
    return [e for e in evidence if names_present(query, e) and e.similarity >= settings.min_similarity]


def saying_the_deed(query: Query, evidence: list[Evidence]) -> list[Evidence]:
    """Asked who did something ('Who won the Kestrel Cup in 2014?'), the sentences offering an answer that say the
    deed in some form (won, wins, winner; or the sentence before a subjectless one does), when any does: beside
    them, a sentence about the cup that names a scorer ('A marvelous goal by Mario Götze ...') or a sponsor
    ('presented by J.P. Morgan') says nothing of who won it. When none does, the sources may say it in other words ('the
    fourth-largest provider' for 'Which company ranked fourth?') and all stay."""
    deed = query.doer_deed
    if not deed:
        return evidence
    saying = [e for e in evidence if deed & e.stated_terms]
    return saying or evidence


def showable(query: Query, evidence: list[Evidence], settings: AnswerSettings) -> list[Evidence]:
    """The sentences the model may see: about what the question names, near enough in meaning, and holding
    nearly as much of the question as the best of them (a small model picks a figure from a sentence about
    something else as readily as from the one about what was asked)."""
    about = on_topic(query, evidence, settings)
    best = max((e.coverage for e in about), default=0.0)
    return plainest_rows(query, [e for e in about if e.coverage >= best - settings.coverage_slack])


def plainest_rows(query: Query, evidence: list[Evidence]) -> list[Evidence]:
    """Among table rows holding about as much of the question, those whose label adds the least to it: a row's
    label names its line item, and a longer one names a narrower item (asked for long-term debt, 'Long-term debt |
    2019: 3,464', not 'Current portion of long-term debt | 2019: $6')."""
    asked = set(query.terms) | {t for wording in query.wordings for t in tokenize(wording)}
    extra = {id(e): len(set(tokenize(row_label(e.text))) - asked) for e in evidence if e.in_table}
    least = min(extra.values(), default=0)
    return [e for e in evidence if extra.get(id(e), least) == least]


def keeps(extraction: Extraction, settings: AnswerSettings) -> bool:
    """Is the model's pick confident enough, and its sentence about enough of the question, to be served? A name
    kept as a paraphrase must be nearer the question than a figure (`name_keep_similarity`), and a name from a
    sentence saying none of the asked relation needs a surer model (`unrelated_min_margin`)."""
    return extraction.candidate is not None and passes(extraction.signals, settings.min_margin, settings.min_coverage,
                                                       settings.keep_similarity, settings.paraphrase_min_coverage,
                                                       settings.name_keep_similarity, settings.unrelated_min_margin)


def holds_enough(evidence: Evidence, settings: AnswerSettings) -> bool:
    """Does the sentence hold as much of the question as an answer needs (the coverage and paraphrase thresholds
    `keeps` reads, without the model's margin): for answers computed in code, such as a comparison of figures."""
    return passes({"coverage": evidence.coverage, "similarity": evidence.similarity}, -math.inf,
                  settings.min_coverage, settings.keep_similarity, settings.paraphrase_min_coverage)


def passes(signals: dict[str, float], min_margin: float, min_coverage: float, keep_similarity: float = 1.0,
           paraphrase_min_coverage: float = 0.0, name_keep_similarity: float | None = None,
           unrelated_min_margin: float = -math.inf) -> bool:
    """The model is sure enough, and the sentence holds enough of the question's terms or is close enough in
    meaning (a paraphrase) while holding some of them; for a name answer (signal 'name'), close enough is
    `name_keep_similarity` when given, and from a sentence that says none of the question's words besides its
    names (signal 'relation' 0), sure enough is `unrelated_min_margin` as well."""
    unrelated = signals.get("name") and signals.get("relation", 1.0) == 0.0
    if unrelated and signals.get("margin", 0.0) < unrelated_min_margin:
        return False
    coverage = signals.get("coverage", 1.0)
    near = name_keep_similarity if signals.get("name") and name_keep_similarity is not None else keep_similarity
    about = coverage >= min_coverage or (signals.get("similarity", 0.0) >= near and
                                         coverage >= paraphrase_min_coverage)
    return signals.get("margin", 0.0) >= min_margin and about
