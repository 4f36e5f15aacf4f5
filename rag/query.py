"""Parse a question once into a typed record that every later stage reads.

Everything here is English grammar, not vocabulary of known questions: which sentence of the input is the
question and which ones are instructions, the interrogative form (what kind of answer), names and whether a
preposition makes them a qualifier (in China, for FY2018), a figure the question states, and yes/no, choice
and two-part forms."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field, replace

from .errors import InputError
from .figures import CURRENCIES, SCALES, WORDS as NUMBER_WORDS, Figure, find_figures
from .glossary import other_wordings
from .lexical import canonical_periods, tokenize
from .roles import Role, asked_role
from .thesaurus import (base_forms_as, common_word, derived_words, irregular_verbs, synonyms, verb_of_saying,
                        verb_senses)
from .structure import FUNCTION_WORDS, PREPOSITIONS, RANK, is_period, name_runs, name_words, qualifiers, rank_order

MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")

INTERROGATIVES = frozenset("what which who whom whose when where why how".split())
AUXILIARIES = frozenset("is are was were do does did has have had can could will would should may might shall must".split())

# 'Why ...?', 'What drove / caused / is behind / explains ...?': the question asks what brought something about.
CAUSE_ASKED = (r"^(?:why|how come)\b|^what\s+(?:(?:is|are|was|were|has|have|had)\s+(?:been\s+)?)?"
               r"(?P<cause>driv(?:es|ing|en)|drove|caus(?:es|ed|ing)|fuel(?:s|led|ed|ing|ling)|behind|"
               r"explains?|explained|(?:led|leads?|leading) to|prompt(?:s|ed)?|spurr?(?:s|ed)?|underl(?:ies|ay)|"
               r"contribut(?:ed|es|ing) to|"
               # 'What is the main reason for ...?', 'What factors contributed to ...?'
               r"(?:the\s+)?(?:(?:main|key|primary|chief|major|biggest)\s+)?(?:reasons?|causes?|drivers?|factors?)"
               r"(?:\s+(?:for|of|behind|(?:that\s+)?(?:contributed|led|drove)(?:\s+to)?))?)\b")
# Interrogative forms and the kind of answer each expects, tried in order.
_KIND_FORMS = [
    ("figure", r"\bby how much\b"),
    ("cause", CAUSE_ASKED),  # 'Why ...?', 'What drove the increase ...?': what brought it about, whatever it is
    ("name", r"^(who|whom|whose)\b"),  # 'Whose cloud business grew 39%?': a name, whatever else it says
    # 'By when will it reach 70%?', 'By what year will it reach 70%?': a date, whatever figure it states
    ("date", r"^when\b|\b(by|since|until) when\b|\b(what|which) (year|day|month|quarter)\b(?!-)"),
    ("title", r"\b(what|which) (position|title|role|job|post)\b|['’]s (position|title|role|job)\b"),  # of a person
    ("rank", r"\b(what|which) (rank|ranking|position)\b|\brank(s|ed|ing)?\b"),  # 'fourth-largest', 'No. 2', '3rd'
    ("place", r"^where\b|\bin (which|what) (city|country|place|region)\b"),
    ("duration", r"\bhow long\b|\b(what|which) (period|time ?frame|timeframe|span|duration)\b|"
                 r"\bhow many (years|months|quarters|weeks|days|decades)\b"),
    ("number", r"\bhow many\b|\b(number|count) of\b"),
    ("percent", r"\bhow much of\b|\b(what|which) part of\b|\b(percent(age)?|(?<!per )share|proportion|portion|"
                r"fraction|slice|rates?|cagr|margin)\b|%"),  # not 'per share': an amount for each share
    ("date", r"^when\b|\b(what|which) (year|day|month|quarter)\b(?!-)|\bdate\b|\bby when\b|\bsince when\b"),
    # ... not 'What did revenue rise to?', which asks for the level reached
    ("percent", r"\bhow (fast|quickly)\b|\b(grow|grew|growth|increase|decline|rise|rose)\b(?!\s+to\b)"),
    ("money", r"\b(cost|price|worth|valued?|valuation|revenue|sales|income|profits?|earn\w*|budget|fees?|spend\w*|"
              r"invest\w*|expenditure|capex|funding|amount|usd|dollars?|millions|billions)\b"),
    ("amount", r"\bhow much\b"),  # a sum first, else any figure: 'how much does it account for?' asks for a share
    ("figure", r"\bhow (big|large|high|small|low)\b"),  # a size: 'how big is its share?' (a share, found above)
]
# A kind that may be read two ways: the first is tried, the second when no shown sentence offers the first.
_LOOSE_KINDS = {"amount": ("money", "figure"), "title": ("title", "rank")}  # 'what position': a job, else a rank
# 'more than', 'at least', and 'above'/'over'/'below'/'under' right before the claimed figure ('above 5%'; not
# 'over 2 years')
_COMPARATIVES = r"more|greater|higher|larger|bigger|less|fewer|lower|smaller"
# A fraction of a whole, as a question may claim it ('controls half of the market', 'over two-thirds of its revenue')
_FRACTION = r"half|(?:a|one)[\s-]half|(?:a|one)[\s-]third|two[\s-]thirds|(?:a|one)[\s-]quarter|three[\s-]quarters"
_COMPARATIVE = re.compile(rf"\b({_COMPARATIVES})\s+than\b|"
                          rf"\b(above|over|below|under)(?=\s+(?:(?:US)?[$€£¥]?\d|(?:{_FRACTION})(?:\s+of\b|\s*[?.!]*\s*$)))|"
                          r"\b(at least|at most|exceed(s|ed)?)\b", re.IGNORECASE)
_DOWNWARD = re.compile(r"\b(less|fewer|lower|smaller|below|under|at most)\b", re.IGNORECASE)
_PART_SPLIT = re.compile(r",?\s+and\s+(?=(?:(?:over|in|for|by|at|from|since|until|during|within|on)\s+)?"
                         r"(?:what|which|who|whom|when|where|why|how)\b)", re.IGNORECASE)  # '..., and over how many years?'
# 'Which is bigger, A or B?' (or ': A or B?', ' — A or B?')
_CHOICE = re.compile(r"(?:[,:]|\s[—–-])\s*([^,:?—–]+?)\s+or\s+([^,:?—–]+?)\s*\?*$")
# 'Between A and B, which is bigger?', 'Of A and B, who ...': the options lead the question
_LEADING_CHOICE = re.compile(r"^\s*(?:between|of)\s+([^,:?]+?)\s+and\s+([^,:?]+?)\s*,\s*(?=(?:which|who|whose)\b)",
                             re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    """What a question asks, read once."""

    text: str = field(metadata={"doc": "the cleaned question as asked"})
    ask: str = field(metadata={"doc": "the interrogative sentence, instructions and parentheticals removed"})
    directives: tuple[str, ...] = ()  # "Answer in USD millions", "(in USD millions)": they steer search only
    kind: str | None = None  # name (of a person or thing), place, date, percent, money, number, figure (any), rank,
    # title (a person's job: 'Eddie Wu holds which position?'), or None
    fallback_kind: str | None = None  # read when no shown sentence offers `kind` ('how much': money, else any figure)
    subjects: tuple[str, ...] = ()  # names the answer must be about (Alibaba, Tencent Cloud)
    qualifiers: tuple[str, ...] = ()  # names after a preposition and periods: China, 2019, Q2 2025, FY2018
    period_choices: tuple[str, ...] = ()  # periods listed together ('in FY2023, FY2022 and FY2021'): any one will do
    terms: tuple[str, ...] = ()  # content terms of the ask
    claim: Figure | None = None  # a figure the question states: "Is it true ... 50%?", "more than 30%"
    claimed_rank: str | None = None  # a rank a yes/no question states: 'Is X the third-largest ...?'
    comparison: str | None = None  # eq, gt or lt when the question tests its claim
    polar: bool = False  # a yes/no question
    reported: bool = False  # 'Did AMD report its customer concentration?': whether the sources say a thing, asked
    # as what they say of it (`reported_question`); a sentence saying it answers 'Yes'
    options: tuple[str, ...] = ()  # "X or Y?": the answer is one of them
    extreme: str | None = None  # which way a comparison goes: max or min; 'Which provider has the largest share?'
    # asks for one (`extreme_asked`), and the options of 'Which is smaller, A or B?' are compared this way
    difference: bool = False  # 'How much smaller is A's share than B's?': the gap between the options' figures
    parts: tuple["Query", ...] = ()  # a two-part question, each part a query of its own
    open_ask: str = ""  # the ask as the model is asked it: openly ('Alibaba holds what percentage of ...?') when it
    # tests a claim, and 'What is X's rank ...?' for 'How is X ranked ...?'
    currency: str | None = None  # the currency an instruction asks the answer in ('in yuan': CNY)
    counted: tuple[str, ...] = ()  # what 'how many' counts, stemmed: 'How many data centers ...?' -> data, center
    plural: bool = False  # 'Which industries ...?': several things are asked for (a list may answer)
    role: Role | None = None  # 'Who is the CEO of Google?': the role whose holder is asked for (`roles.asked_role`)
    wordings: tuple[str, ...] = ()  # other names of the line items it asks about ('capital expenditure': 'purchases
    # of property, plant and equipment', ...), from `glossary`: searched for beside the ask

    @property
    def search_text(self) -> str:
        """What retrieval reads: the ask, steered by the instructions (statement names, units) and by the other
        names of the line items it asks about."""
        return " ".join((self.ask,) + self.directives + self.wordings)

    # What the ask's words say of the measure asked for, read once per query (every candidate's check reads them).
    @functools.cached_property
    def asks_part(self) -> bool:
        """A part of a whole ('what share', 'how much of'): `asks_for_part`."""
        return asks_for_part(self.ask)

    @functools.cached_property
    def asks_change(self) -> bool:
        """How something changed ('How fast ...', 'grew', 'CAGR'): `asks_for_change`."""
        return asks_for_change(self.ask)

    @functools.cached_property
    def asks_percent(self) -> bool:
        """Does the interrogative form alone ask for a percentage (`expected_kind`)?"""
        return expected_kind(self.ask) == "percent"

    @functools.cached_property
    def name_terms(self) -> frozenset[str]:
        """The words of the names and qualifiers it asks about, in name_words' forms."""
        return frozenset(w for name in self.subjects + self.qualifiers for w in name_words(name))

    @property
    def measure_terms(self) -> frozenset[str]:
        """What a choice or a gap compares its options by ('share', 'Atlantic container traffic'): its terms, less the
        options' names and the words that set one against the other."""
        return frozenset(self.terms) - {t for o in self.options for t in tokenize(o)} - _COMPARING_STEMS

    @functools.cached_property
    def deed_terms(self) -> frozenset[str]:
        """Its terms that are not words of the names and qualifiers it asks about: what is said of them ('won' of
        'Who won the Kestrel Cup in 2021?')."""
        return frozenset(self.terms) - {t for name in self.subjects + self.qualifiers for t in tokenize(name)}

    @functools.cached_property
    def doer_deed(self) -> frozenset[str]:
        """The deed whose doer, a name, is asked ('Who won ...?', 'Which actor won ...?'), in the forms a sentence may
        say it in (`asked_deed`); none when the question states a figure ('Which provider grew 39%?' asks whose it
        is)."""
        return asked_deed(self.ask) if self.kind == "name" and self.claim is None else frozenset()


# 'Who won ...', 'Which actor won ...', 'Who was awarded ...': the auxiliaries after the interrogative, and the word
# after them.
_DOER_ASKED = re.compile(r"^\W*(?i:who|which\s+[a-z]+)\s+"
                         r"((?:(?:is|are|was|were|will|would|has|have|had|be|been|being)\s+)*)([a-z]+)\b")
_BE = frozenset("is are was were be been being".split())
_SPECIFIC_VERB_SENSES = 10  # a verb with more WordNet senses is too general to be the deed (make 49, call 28, lead 14)
_DEED_SENSES = 2  # WordNet senses whose synonyms and derived words say a deed ('win': winner, winning, gain)


def asked_deed(ask: str) -> frozenset[str]:
    """The deed of a question that asks who did something, an event in the past, in the forms a sentence may say it
    in, stemmed: 'Who won the Kestrel Cup?' -> win, winner, winning, gain. Empty for a role or a standing state,
    which sources say in other words ('Who is the director of ...?', 'Who leads Alibaba as chief executive?',
    'Which city hosts the hub?': 'CEO Eddie Wu', 'a hub in Singapore'), for what was done to someone ('Which
    countries were chosen for ...?': 'new data centers in Brazil, France and Dubai'), and for a verb of many senses,
    whose object says the deed ('Which company made a $60 million investment?')."""
    match = _DOER_ASKED.match(ask)
    if not match or _BE & set(match.group(1).split()) or match.group(2) in FUNCTION_WORDS:
        return frozenset()
    word = match.group(2)
    base = irregular_verbs().get(word)
    if base is None:
        verbs = base_forms_as(word, "v")
        if not (verbs and word.endswith("ed")):
            return frozenset()
        base = verbs[0]
    if word.endswith("ing") or verb_senses(base) > _SPECIFIC_VERB_SENSES:
        return frozenset()
    said = {word, base} | derived_words(base, _DEED_SENSES) | {w for w in synonyms(base, _DEED_SENSES) if " " not in w}
    return frozenset(t for form in said for t in tokenize(form))


def clean_question(question: str) -> tuple[str, list[str]]:
    """The question without control or zero-width characters, trimmed to a sane length; warnings say what changed."""
    warnings = []
    text = unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", _CONTROL.sub(" ", question or ""))).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        raise InputError("the question is empty: ask something, e.g. ask \"What share does Alibaba hold in China?\"")
    if len(text) > MAX_QUESTION_CHARS:
        warnings.append(f"question is {len(text):,} characters long; only the first {MAX_QUESTION_CHARS:,} are used")
        text = text[:MAX_QUESTION_CHARS]
    return text, warnings


def parse_query(question: str) -> Query:
    """The typed record for a cleaned question."""
    ask, directives = split_directives(canonical_periods(expand_contractions(question)))
    query = _parse_ask(ask, question, directives)
    parts = [_parse_ask(part, question, directives + own) for part, own in  # a part's own 'in US dollars'
             map(split_directives, _two_parts(ask) or compared_parts(ask) or possessed_parts(ask))]
    if len(parts) < 2:
        return query
    # a later part ('and how fast did it grow?') is about what the first part names
    parts = [parts[0]] + [p if p.subjects else replace(p, subjects=parts[0].subjects,
                                                       qualifiers=p.qualifiers + parts[0].qualifiers) for p in parts[1:]]
    return replace(query, parts=tuple(parts))


def _parse_ask(ask: str, question: str, directives: tuple[str, ...]) -> Query:
    if reported := reported_question(ask):  # 'Did AMD report its margin?' is 'What margin did AMD report?'
        opened, verb = reported
        query = _parse_ask(opened, question, directives)
        saying = set(tokenize(verb))  # a sentence stating the margin reports it, whatever its verb
        return replace(query, polar=True, reported=True, terms=tuple(t for t in query.terms if t not in saying))
    polar = _first_word(ask) in AUXILIARIES
    claim = _claimed_figure(ask)
    comparison = _comparison(ask, claim, polar)
    gap = _gap_owners(ask)
    difference = bool(_DIFFERENCE.match(ask) or gap)
    options = _options(ask) or gap or _compared_owners(ask, polar or difference, claim)
    subjects, qualifiers = _names(ask)
    if not options and (options := _gap_between_subjects(ask, subjects, claim)):
        difference = True
    kind = expected_kind(ask) or next(filter(None, map(expected_kind, directives)), None)
    kind, fallback_kind = _LOOSE_KINDS.get(kind, (kind, None))
    if difference and kind == "number" and "point" in counted_thing(ask):
        kind = "percent"  # 'By how many points does A lead B?': a gap between two percentages
    if claim is not None and comparison and (kind is None or claim.text[:1].isalpha() and claim.kind == "percent"):
        kind = claim.kind  # 'Does AI make up two-thirds of revenue?' asks for a percentage, as '66%' would
    if claim is not None and comparison is None and kind == claim.kind and _which_word(ask.lower().strip()):
        kind, fallback_kind = "name", None  # 'Which investment bank projects $2 trillion?': the sum is given, not asked
    claimed_rank = _claimed_rank(ask) if polar and claim is None else None
    if claimed_rank:
        kind = "rank"  # 'Is X the third-largest ...?': the rank the sources give, compared in code
    currency = asked_currency(directives) or named_currency(ask)
    if currency and kind in (None, "number", "figure", "money"):
        kind, fallback_kind = "money", None  # 'What is the size of the plan, in yuan?' asks for a sum, nothing else
    superlative = extreme_asked(ask)
    claimed = set(tokenize(claim.text)) if comparison else set()  # the source may state another figure: it is tested
    claimed |= set(tokenize(claimed_rank or ""))
    truth_lead = re.match(rf"\s*{_TRUTH_LEAD}\b", ask, re.IGNORECASE)
    claimed |= set(tokenize(truth_lead.group())) if truth_lead else set()
    not_content = _FORM_TERMS | answer_type_terms(ask, kind) | period_words(ask, qualifiers) | \
        answer_form_terms(ask) | extreme_terms(ask, superlative) | claimed | intention_terms(ask)
    return Query(text=question, ask=ask, directives=directives, kind=kind, subjects=subjects, qualifiers=qualifiers,
                 period_choices=listed_periods(ask, qualifiers),
                 terms=tuple(dict.fromkeys(t for t in tokenize(ask) if t not in not_content)), claim=claim,
                 claimed_rank=claimed_rank,
                 comparison=comparison, polar=polar, options=options, fallback_kind=fallback_kind,
                 open_ask=open_question(ask, claim, kind) if comparison else
                 open_rank_question(ask, claimed_rank) if claimed_rank else
                 rank_asked_plainly(ask) if kind == "rank" else ask, currency=currency,
                 counted=counted_thing(ask), plural=_asks_several(ask), role=asked_role(ask),
                 wordings=other_wordings(ask),
                 extreme=("min" if _LESS.search(ask) else "max") if options else superlative,
                 difference=difference and bool(options))


# "What's", "who's", "isn't", "doesn't": an interrogative or auxiliary glued to its verb or negation; a possessive
# ("Alibaba's") is left as it is.
# Typed without the apostrophe ("whats", "isnt") where no word is spelt so ("its" is one).
_CONTRACTED_IS = re.compile(r"\b(?:(what|who|where|when|how|which|that|there)['’]?s|(it)['’]s)\b", re.IGNORECASE)
_CONTRACTED_NOT = re.compile(r"\b(is|are|was|were|do|does|did|has|have|had|could|would|should)n['’]?t\b", re.IGNORECASE)
_IRREGULAR_NOT = {"can't": "can not", "won't": "will not", "shan't": "shall not"}


def expand_contractions(question: str) -> str:
    """'What's Google's cut?' -> 'What is Google's cut?'; 'Isn't it 4%?' -> 'Is not it 4%?', a yes/no question
    like any other (its answer says whether the figure holds, as for 'Is it 4%?')."""
    text = _CONTRACTED_IS.sub(lambda m: f"{m.group(1) or m.group(2)} is", question)
    text = _CONTRACTED_NOT.sub(lambda m: f"{m.group(1)} not", text)
    return re.sub(r"\b(?:can|won|shan)['’]t\b", _irregular_not, text, flags=re.IGNORECASE)


def _irregular_not(match: re.Match[str]) -> str:
    expanded = _IRREGULAR_NOT[match.group(0).lower().replace("’", "'")]
    return expanded.capitalize() if match.group(0)[:1].isupper() else expanded


# 'Is it true that ...?': a yes/no question whose words ask nothing of a source.
_TRUTH_LEAD = r"is it (?:true|correct|right|the case)(?: that)?"
_POLAR_LEAD = re.compile(rf"^\s*(?:{_TRUTH_LEAD}|do|does|did|is|are|was|were|has|have|"
                         r"had|will|can|could)\s+", re.IGNORECASE)
_WH_FOR_KIND = {"percent": "what percentage", "money": "how much", "number": "how many"}


def open_question(ask: str, claim: Figure, kind: str | None) -> str:
    """'Does X hold more than 30% of Y?' -> 'X hold what percentage of Y?': asked to confirm a figure, a small
    model says NOT FOUND when the source's figure differs; asked openly, it finds the figure, and code compares."""
    comparative = _COMPARATIVE.search(ask)
    start = comparative.start() if comparative and comparative.end() <= claim.start + 1 else claim.start
    opened = ask[:start] + _WH_FOR_KIND.get(kind or "", "what figure") + ask[claim.end:]
    return _POLAR_LEAD.sub("", opened)


_COPULA_LEAD = re.compile(r"^\s*(is|are|was|were)\s+(.+?)\s+(?=(?:the|a|an|ranked)\s)", re.IGNORECASE)


def open_rank_question(ask: str, rank: str) -> str:
    """'Is X the third-largest Y?' -> 'X is the what-largest Y?': asked to confirm a rank, a small model says NOT
    FOUND when the source's rank differs; asked openly, it finds the rank, and code compares."""
    ordinal = re.match(r"[A-Za-z]+(?=[- ](?:[a-z]+))|\d+(?:st|nd|rd|th)|No\.?\s?\d+|[Nn]umber \w+", rank)
    opened = ask.replace(rank, rank.replace(ordinal.group(), "what", 1) if ordinal else "what", 1)
    copula = _COPULA_LEAD.match(opened)
    return f"{copula.group(2)} {copula.group(1).lower()} {opened[copula.end():]}" if copula else \
        _POLAR_LEAD.sub("", opened)


_RANKED = re.compile(r"^\s*(?:how|where)\s+(?:is|was|are|were|does|did|do)\s+(?P<ranked>.+?)\s+(?:ranked|ranks?|placed)\b"
                     r"(?P<rest>[^?]*)\?*\s*$", re.IGNORECASE)


def rank_asked_plainly(ask: str) -> str:
    """'How is X ranked among Y?', 'Where does X rank among Y?' -> 'What is X's rank among Y?': asked how or where,
    a small model says NOT FOUND beside a sentence calling X 'the fourth-largest Y'; asked for the rank, it finds it."""
    match = _RANKED.match(ask)
    if not match:
        return ask
    ranked = match.group("ranked")
    owner = _POSSESSIVE_PRONOUNS.get(ranked.lower(), f"{ranked}'s")
    return f"What is {owner} rank{match.group('rest')}?"


_POSSESSIVE_PRONOUNS = {"it": "its", "they": "their", "he": "his", "she": "her", "we": "our", "you": "your"}


_FORM_TERMS = frozenset(tokenize(" ".join(INTERROGATIVES | AUXILIARIES)))
# Words that say which point or span of a period is meant ('at the end of FY2022', 'year end FY2019', 'fiscal 2021'):
# the period itself is a qualifier, checked as one (a statement heads its column '2022' or 'December 31, 2022').
_PERIOD_FRAME = frozenset("at by as of the end ending ended year years fiscal fy close".split())


def period_words(ask: str, qualifiers: tuple[str, ...]) -> set[str]:
    """The terms that frame a period the question gives: the run of framing words right before it ('year end',
    'at the end of') and right after it ('FY2019 year-end'), and the 'FY' of 'FY2019'."""
    words: set[str] = set()
    for period in (q for q in qualifiers if is_period(q)):
        for match in re.finditer(re.escape(period), ask):
            before = re.findall(r"[A-Za-z]+", ask[:match.start()])
            after = re.findall(r"[A-Za-z]+", ask[match.end():])
            framing = list(itertools.takewhile(lambda w: w.lower() in _PERIOD_FRAME, reversed(before))) + \
                list(itertools.takewhile(lambda w: w.lower() in _PERIOD_FRAME, after))
            words |= set(tokenize(" ".join(framing) + " " + re.sub(r"\d", " ", period)))
    return words


# The word an interrogative governs: 'what percentage', 'which city', 'how much'.
_GOVERNED = re.compile(r"\b((?i:what|which|how)\s+([a-z][a-z-]*))\b")


# Words that ask for a part of a whole, whatever it measures; 'margin', 'rate', 'growth' name what is measured.
PART_WORDS = frozenset("percent percentage proportion portion fraction share slice".split())


def answer_type_terms(ask: str, kind: str | None = None) -> frozenset[str]:
    """Terms that only say what kind of answer is wanted: the word an interrogative governs when, with it, it
    names a kind ('what percentage', 'which city', 'how much'), and, asked for a date, a share or a rank, a word
    that alone asks for one ('the release date of', 'how is it ranked'). The answering sentence states the answer
    ('30%', 'Singapore', 'April 20, 2018', 'fourth-largest') and need not repeat them, so they do not count towards
    its coverage of the question (search still reads them). A word naming what is measured ('what dividend', 'the
    operating margin', 'revenue growth') stays: a sentence without it is about something else."""
    if kind == "cause":  # 'What drove ...?': the verb asks for a cause; a sentence says 'due to', 'driven by'
        asked = re.match(CAUSE_ASKED, ask.strip(), re.IGNORECASE)
        return frozenset(tokenize(asked.group("cause") or "")) if asked else frozenset()
    governed = [m.group(2) for m in _GOVERNED.finditer(ask) if _form_kind(m.group(1).lower())]
    governed.append(_which_word(ask.lower()))  # 'Which movie won ...': the answer names it; no source need say 'movie'
    alone = [w for w in re.findall(r"[a-z]+", ask.lower())
             if kind in ("date", "percent", "rank", "title") and _form_kind(f"what {w} of") == kind  # 'release date'
             and (kind != "percent" or w in PART_WORDS or w == "part")]  # 'what part of': a share
    return frozenset(tokenize(" ".join(governed + alone)))


# What a percentage of change is called ('a 33% annual rate', 'a 28.5% CAGR', 'a 26% revenue increase'), and the
# words that ask for one ('How fast ...?', 'By how much did it grow?', 'What rate ...?').
RATE_WORDS = frozenset("rate cagr growth increase decrease decline rise gain drop change".split())
# ... and 'By what percentage did revenue climb?', 'By how much ...?': an amount something moved by is a change
_ASKS_FOR_CHANGE = re.compile(r"\bhow (?:fast|quickly)\b|^\s*by (?:what|how)\b|\b(?:grow|grew|grown|growing|rise|rose|"
                              r"risen|rising|gain\w*|drop\w*|increas\w*|decreas\w*|declin\w*|chang\w*|rates?|cagr|"
                              r"growth)\b", re.IGNORECASE)


def asks_for_change(ask: str) -> bool:
    """Does the question ask how something changed ('How fast ...', 'grew', 'What rate ...', 'CAGR')?"""
    return bool(_ASKS_FOR_CHANGE.search(ask))


def asks_for_part(ask: str) -> bool:
    """Does the question ask for a part of a whole ('what share', 'what percentage', 'how much of')?"""
    return bool(re.search(rf"\b(?:{'|'.join(sorted(PART_WORDS))})\b|\bhow much of\b|\b(?:what|which) part of\b|%", ask,
                          re.IGNORECASE))


_CURRENCY_WORDS = "|".join(sorted((re.escape(w) for w in CURRENCIES if w.isalpha()), key=len, reverse=True))
_SCALE_WORDS = "|".join(w for w in SCALES if len(w) > 2)
# 'in dollars', 'when counted in yuan', 'in USD millions', 'in billions of euros': the unit the answer is wanted in
_US = r"(?:US\s|U\.S\.\s)"  # 'US dollars', 'U.S. dollars'
_UNIT = (rf"(?:{_US}?(?:{_CURRENCY_WORDS})(?:\s+(?:{_SCALE_WORDS})s?)?|"
         rf"(?:{_SCALE_WORDS})s?(?:\s+of\s+(?:{_CURRENCY_WORDS}))?)")
_UNIT_VERB = r"(?:(?:counted|measured|expressed|stated|given|converted|reported|quoted|shown)\s+)?"
_UNIT_PHRASE = re.compile(rf",?\s+(?:(?:when|if|once)\s+)?{_UNIT_VERB}in\s+(?P<unit>{_UNIT})\s*(?=[?.!]*\s*$)",
                          re.IGNORECASE)
_LEADING_UNIT = re.compile(rf"^\s*{_UNIT_VERB}in\s+(?P<unit>{_UNIT})\s*,\s*(?=\w)", re.IGNORECASE)  # 'In yuan, how ...'


# 'According to the article, ...', '..., based on the sources?', '..., per the second article?': the answer is to
# come from the corpus, as every answer does; the words name nothing a source sentence must hold.
# 'the article', 'the second article', 'these sources': the corpus
_THE_CORPUS = (r"(?:the|this|these)\s+(?:[a-z-]+\s+){0,2}?"
               r"(?:articles?|texts?|documents?|passages?|sources?|corpus|context)")
_FROM_THE_CORPUS = re.compile(rf"(?:^\s*|,\s*|\s+)(?:according to|based on|as per|per|going by)\s+{_THE_CORPUS}"
                              r"(?:\s*,\s*|\s*(?=[?.!]*\s*$))", re.IGNORECASE)


def split_directives(question: str) -> tuple[str, tuple[str, ...]]:
    """The interrogative sentence(s), and the rest: instruction sentences ("Answer in USD millions."), lead-ins
    ending in a colon ("Please answer the following question:") and parentheticals ("(in USD millions)")."""
    sentences = [_direct(s) for s in _sentences(question)]
    if not any(_is_interrogative(s) for s in sentences):  # 'Tell me X.' is the question; 'Give a response ...' is not
        sentences = [_as_question(s) for s in sentences]
    sentences = _with_topics(sentences)
    asks = [s for s in sentences if _is_interrogative(s)]
    if not asks:
        return question, ()
    directives = [s for s in sentences if s not in asks]
    ask = " ".join(asks)
    for parenthetical in re.findall(r"\s*\(([^()]*)\)", ask):
        directives.append(parenthetical)
    ask = re.sub(r"\s*\([^()]*\)", "", ask).strip()
    unit = _UNIT_PHRASE.search(ask) or _LEADING_UNIT.search(ask)
    if unit:  # the form of the answer, not what it is about: a source need not say 'in yuan' to answer
        directives.append(f"in {unit.group('unit')}")
        ask = ask[:unit.start()] + ask[unit.end():]
        ask = ask[:1].upper() + ask[1:]
    corpus = _FROM_THE_CORPUS.search(ask)
    if corpus:
        before, after = ask[:corpus.start()].rstrip(), ask[corpus.end():].lstrip()
        ask = before + (" " if before and after[:1].isalnum() else "") + after
        ask = ask[:1].upper() + ask[1:]
    return ask, tuple(directives)


_AUXILIARY = "|".join(sorted(AUXILIARIES))
# 'how many data centers does ...', 'the number of employees at ...': up to four words before a verb or preposition
_COUNT_LEAD = rf"\b(?:how many|(?:number|count) of)\s+(?:of\s+(?:the\s+)?)?(?!(?:{_AUXILIARY})\b)"
_COUNTED = re.compile(rf"{_COUNT_LEAD}((?:[a-z][a-z-]*\s+){{0,3}}?[a-z][a-z-]*)"
                      rf"(?=\s+(?:{_AUXILIARY}|in|at|on|for|of|that|which|across|[a-z]+ed)\b|\s*[?,.]|$)", re.IGNORECASE)


# Else the word right after 'how many': 'How many startups joined ...' counts startups, whatever verb follows.
_COUNTED_WORD = re.compile(rf"{_COUNT_LEAD}([a-z][a-z-]*)\b", re.IGNORECASE)


def counted_thing(ask: str) -> tuple[str, ...]:
    """The words (stemmed) of what the question counts: 'How many data centers does ...' -> data, center."""
    match = _COUNTED.search(ask) or _COUNTED_WORD.search(ask)
    return tuple(tokenize(match.group(1))) if match else ()


def asked_currency(directives: tuple[str, ...]) -> str | None:
    """The currency an instruction asks the answer in ('in yuan', 'Answer in USD millions'), as a code (CNY, USD)."""
    for directive in directives:
        match = re.search(rf"\bin\s+{_US}?({_CURRENCY_WORDS})\b", directive, re.IGNORECASE) or \
            re.search(rf"\bof\s+({_CURRENCY_WORDS})\b", directive, re.IGNORECASE)
        if match:
            return CURRENCIES[match.group(1).lower()]
    return None


# 'the yuan figure', 'the dollar amount', 'the RMB value': a currency word before a word for the answer itself says
# what unit the answer is wanted in, as 'in yuan' does; a source states the sum with its own mark ('RMB 380 billion').
_CURRENCY_FORM = re.compile(rf"\b({_CURRENCY_WORDS})\s+(figure|value|amount|sum|equivalent)s?\b", re.IGNORECASE)
# ... and 'the size of X', 'the level of X' ask for X's figure: the measure word says what form the answer takes.
_MEASURE_OF = re.compile(r"\b(?:size|level|amount|magnitude|figure)\s+of\b", re.IGNORECASE)


def named_currency(ask: str) -> str | None:
    """The currency the ask names as the answer's form ('What is the yuan figure for ...?': CNY)."""
    match = _CURRENCY_FORM.search(ask)
    return CURRENCIES[match.group(1).lower()] if match else None


# How precise the answer should be ('roughly', 'exactly') and words addressed to the reader ('hey', 'please'):
# nothing a source must say.
_PRECISION_OR_COURTESY = re.compile(r"\b(?:roughly|approximately|approx|exactly|precisely|hey|hi|hello|please|thanks)\b",
                                    re.IGNORECASE)
# The articles as the one saying it, and their verb: 'Which company does the second article call the fourth-largest
# ...?', 'What does the source say ...?': every answer comes from them, so no source sentence need say these words.
_SOURCE_SAYS = re.compile(rf"\b(?:does|do|did|would|will)\s+{_THE_CORPUS}\s+[a-z]+\b", re.IGNORECASE)


# 'plan to invest', 'intends to build': a verb before 'to' and another verb
_INTENDS = re.compile(r"\b([a-z]+)\s+to\s+([a-z]+)\b")


def intention_terms(ask: str) -> frozenset[str]:
    """The word of an intention before the verb it governs ('How much does Alibaba plan to invest?': plan): the deed
    is the investing, which a source states as planned, committed or under way alike ('a $53 billion investment ...
    over the next three years'). Only a verb's plain or third-person form, never a participle ('is projected to
    grow', 'is the market forecast to expand' keep the forecast)."""
    found = set()
    for match in _INTENDS.finditer(ask):
        word, governed = match.groups()
        if word.endswith(("ed", "ing")) or word in FUNCTION_WORDS or word in AUXILIARIES or \
                _BE & set(ask[:match.start()].lower().split()):  # 'At what rate is the market forecast to ...?'
            continue  # a passive
        if base_forms_as(word, "v") and base_forms_as(governed, "v"):
            found |= set(tokenize(word))
    return frozenset(found)


def answer_form_terms(ask: str) -> frozenset[str]:
    """The words of 'the yuan figure', 'the size of', 'roughly', 'please' and 'does the article call': what form the
    answer takes or how it is asked, not what it is about (see `answer_type_terms`)."""
    return frozenset(t for pattern in (_CURRENCY_FORM, _MEASURE_OF, _PRECISION_OR_COURTESY, _SOURCE_SAYS)
                     for m in pattern.finditer(ask) for t in tokenize(m.group()))


def _sentences(text: str) -> list[str]:
    """Sentences and colon-ended lead-ins; a question that goes on past a colon ('When was Zelda: Ocarina of Time
    released?', a title) stays whole."""
    pieces = [p.strip() for p in re.split(r"(?<=[.?!:])\s+", text) if p.strip()]
    joined: list[str] = []
    for piece in pieces:
        if joined and joined[-1].endswith(":") and _first_word(joined[-1]) in INTERROGATIVES | AUXILIARIES:
            joined[-1] += " " + piece
        else:
            joined.append(piece)
    return joined


# 'Tell me X.', 'Give Google's piece of the pie.', 'Please provide X': a request for X is the question 'What is X?'.
_REQUEST = re.compile(r"^\s*(?:please\s+)?(?:tell|give|show|find|provide|state)(?:\s+(?:me|us))?\s+(?P<rest>[^?]+?)"
                      r"[.!?]?\s*$", re.IGNORECASE)


# 'Name the provider that ...', 'List the hyperscalers ...', 'Name the Alibaba executive who ...': a request to name
# things is 'Which provider ...?' (or, naming a thing by a name, 'What is X?': 'Name Alibaba's CEO.', 'Name the Big
# Three.').
_NAMING = re.compile(r"^\s*(?:please\s+)?(?:name|list|identify)\s+(?P<det>(?:the|a|an)\s+)?(?P<rest>[^?]+?)[.!?]?\s*$",
                     re.IGNORECASE)


# A search-box query: a few words, no clause punctuation ('alibaba cloud q2 2025 revenue').
_KEYWORDS = re.compile(r"\s*(?P<rest>[\w$%&'’-]+(?:\s+[\w$%&'’-]+){0,7})\s*")


def _as_question(sentence: str) -> str:
    """A request ('Tell me X.', 'Name the ...') or a search-box query ('alibaba cloud q2 2025 revenue') asked as the
    question it stands for: the model is asked a question, not shown a fragment."""
    request, naming = _REQUEST.match(sentence), _NAMING.match(sentence)
    if naming and _names_a_kind(naming):  # 'Name the three hyperscalers ...': which of them
        return f"Which {naming.group('rest')}?"
    request = request or naming or _KEYWORDS.fullmatch(sentence)  # 'Name Alibaba's CEO.': what is
    return _question_for(request.group("rest")) if request else sentence


# A question put indirectly, to the reader ('Can you tell me ...?', 'Do you know ...?') or as the asker's wish ('I'd
# like to know ...', 'I wonder ...'): what follows the lead-in is the question. Read in any sentence, even one
# ending in '?': 'Can you tell me X?' does not ask whether the reader can.
_INDIRECT = re.compile(
    r"^\s*(?:please\s+)?(?:"
    r"(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell|show|give|let)\s+(?:me|us)(?:\s+know)?|"
    r"do\s+you\s+(?:happen\s+to\s+)?know|(?:please\s+)?let\s+(?:me|us)\s+know|"
    r"(?:i|we)(?:['’]d|\s+would)\s+(?:like|love)\s+to\s+(?:know|learn|find\s+out)|"
    r"(?:i|we)\s+(?:want|need)\s+to\s+(?:know|learn|find\s+out)|"
    r"(?:i|we)(?:\s+am|\s+are|['’]m|['’]re)?\s+(?:wondering|curious(?:\s+(?:about|to\s+know))?)|(?:i|we)\s+wonder"
    r")\s+(?P<rest>[^?]+?)[.!?]*\s*$", re.IGNORECASE)


def _direct(sentence: str) -> str:
    """'Can you tell me how fast Azure grew?' -> 'How fast Azure grew?'; 'I'd like to know Google's share.' ->
    'What is Google's share?'; 'Do you know whether Alibaba holds 36%?' -> 'Is it true that Alibaba holds 36%?'.
    Any other sentence as it is."""
    indirect = _INDIRECT.match(sentence)
    return _question_for(indirect.group("rest")) if indirect else sentence


_WHETHER = re.compile(r"^\W*(?:whether|if)\s*", re.IGNORECASE)


def _question_for(rest: str) -> str:
    """The direct question a request or indirect question stands for: an embedded question ('what share Google
    holds') as it is, 'whether/if X' as 'Is it true that X?' (a yes/no question), a thing asked for ('Google's
    share') as 'What is ...?'."""
    first = _first_word(rest)
    second = re.match(r"\W*[A-Za-z]+\s+([A-Za-z]+)", rest)
    if first in INTERROGATIVES or (first in PREPOSITIONS and second and second.group(1).lower() in INTERROGATIVES):
        return f"{rest[:1].upper()}{rest[1:]}?"  # 'what share Google holds', 'by how much it grew'
    if first in ("whether", "if"):
        return f"Is it true that {_WHETHER.sub('', rest)}?"
    return f"What is {rest}?"


def _names_a_kind(naming: re.Match[str]) -> bool:
    """Does 'Name ...' ask which thing of a kind is meant ('the three hyperscalers', 'the Alibaba executive who ...'),
    not what a name stands for ('Alibaba's CEO', 'the Big Three')? A description starts in lower case, or, after an
    article, goes on in lower case past the names that lead it."""
    rest = naming.group("rest")
    return rest[:1].islower() or (naming.group("det") is not None and re.search(r"\s[a-z]", rest) is not None)


_BACK_REFERENCE = re.compile(r"\b(it|its|they|them|their|this|these)\b", re.IGNORECASE)


def _with_topics(sentences: list[str]) -> list[str]:
    """A lead-in that is the topic of the question after it ('Google's portion of global cloud: how big is it?')
    is put where the question refers back to it: 'how big is Google's portion of global cloud?', or after a
    question with no words of its own ('Free tokens offered through the Catalyst Program: how many?' -> 'how many
    free tokens offered through the Catalyst Program?'). Only a question that names nothing itself refers back,
    and only to a lead-in that names something; an instruction ('Please answer the following question:') is left
    be."""
    out: list[str] = []
    for sentence in sentences:
        refers_back = _BACK_REFERENCE.search(sentence)
        if out and out[-1].endswith(":") and _is_interrogative(sentence) and refers_back and \
                not _names_in(sentence) and _names_in(out[-1]):
            topic = out.pop()[:-1].strip()
            owner = "'s" if refers_back.group(1).lower() in ("its", "their") else ""
            sentence = sentence[:refers_back.start()] + topic + owner + sentence[refers_back.end():]
        elif out and out[-1].endswith(":") and _is_interrogative(sentence) and not tokenize(sentence) and \
                (_names_in(out[-1]) or not common_word(_first_word(out[-1]))):  # 'Qwen languages: how many?'
            sentence = sentence.rstrip(" ?") + " " + _mid_sentence(out.pop()[:-1].strip()) + "?"
        out.append(sentence)
    return out


def _mid_sentence(phrase: str) -> str:
    """A phrase that opened a sentence, as it reads inside one: 'Free tokens ...' -> 'free tokens ...' (a name keeps
    its capital)."""
    first = phrase.split(" ", 1)[0]
    return phrase[:1].lower() + phrase[1:] if common_word(first) else phrase


def _names_in(text: str) -> list[str]:
    return [r.text for r in name_runs(text, skip_first_word=True) if not is_period(r.text)]


def _is_interrogative(sentence: str) -> bool:
    if sentence.endswith(":"):
        return False
    first = _first_word(sentence)
    return sentence.endswith("?") or first in INTERROGATIVES or first in AUXILIARIES


_DO = frozenset("do does did".split())
_HAVE = frozenset("has have had".split())
_REPORTED_THING_LEAD = re.compile(r"^(?:(?:its|their|his|her|any|a|an|the)\s+)+", re.IGNORECASE)
# Words opening a clause: what follows the verb of saying is a statement, not a thing ('said that ...', 'said it ...')
_CLAUSE_OPENERS = INTERROGATIVES | frozenset("that it he she they we i you whether if".split())


def reported_question(ask: str) -> tuple[str, str] | None:
    """A yes/no question asking whether something is said, of a thing and not of a figure it states ('Did AMD
    report customer concentration in FY22?', 'Has CVS disclosed any legal battles?', 'Was Azure's growth in Q1
    2026 reported?'), as the open question of what is said ('What customer concentration in FY22 did AMD
    report?', 'What was Azure's growth in Q1 2026?'), and its verb of saying (WordNet's commonest sense of the
    verb is one of saying: `verb_of_saying`). None for any other question: one stating a figure or a rank to test
    ('Did AMD report 16%?'), whose verb is no saying ('Did AMD grow?'), or that asks whether a statement was made
    ('Did AMD say it would close a plant?')."""
    words = ask.strip().rstrip("?!. ").split()
    aux = words[0].lower() if words else ""
    if (len(words) < 4 or aux not in _DO | _HAVE | _BE or _claimed_figure(ask) is not None or
            _claimed_rank(ask) or _COMPARATIVE.search(ask) or re.search(r"\bthan\b", ask, re.IGNORECASE) or
            _CHOICE.search(ask)):  # 'Did A report more revenue than B?' compares
        return None
    for i, word in enumerate(words[2:-1], start=2):  # a subject of one word at least, a thing said after the verb
        if not word.isalpha() or not word.islower() or not verb_of_saying(word) or \
                _REPORTED_THING_LEAD.fullmatch(words[i - 1] + " "):  # 'Did the report mention ...': a noun
            continue
        base = word in base_forms_as(word, "v")
        if (aux in _DO and base) or (aux in _HAVE and not base):  # 'did AMD report', 'has AMD reported'
            thing, subject = _REPORTED_THING_LEAD.sub("", " ".join(words[i + 1:])), " ".join(words[1:i])
            if thing and words[i + 1].lower() in INTERROGATIVES:  # 'Did it mention how many models it would launch?'
                return _embedded_question(thing, subject), word
            if not thing or words[i + 1].lower() in _CLAUSE_OPENERS:
                return None  # 'Did Alibaba say it would open data centers in Brazil?' tests what was said
            return f"What {thing} {aux} {subject} {word}?", word
        if aux in _BE and not base:  # 'Was Azure's growth in Q1 2026 reported?'
            return f"What {aux} {' '.join(words[1:i] + words[i + 1:])}?", word
        return None
    if aux in _BE and len(words) >= 3 and words[-1].isalpha() and words[-1].islower() and \
            verb_of_saying(words[-1]) and words[-1] not in base_forms_as(words[-1], "v"):
        return f"What {aux} {' '.join(words[1:-1])}?", words[-1]
    return None


def _embedded_question(question: str, subject: str) -> str:
    """The question a yes/no one embeds, its pronouns read as the subject they stand for: 'how many models it would
    launch' of Alibaba Cloud -> 'How many models Alibaba Cloud would launch?'."""
    question = re.sub(r"\b(?:its|their)\b", f"{subject}'s", question)
    question = re.sub(r"\b(?:it|they)\b", subject, question)
    return question[:1].upper() + question[1:] + "?"


def _first_word(text: str) -> str:
    match = re.match(r"\W*([A-Za-z]+)", text)
    return match.group(1).lower() if match else ""


# 'Which movie won ...', 'In which countries ...': the word 'which' governs says what kind of answer is wanted.
# 'which movie ...', 'in which countries ...', 'globally, which provider ...'
_WHICH = re.compile(r"^(?:[^,?]*,\s*|[a-z]+ )?which ([a-z]+)\b")
_WHICH_OF = re.compile(r"\s+(?:the\s+|its\s+|their\s+|[a-z0-9&.-]+['’]s\s+)?([a-z]+s)\b")  # '... of the providers'


def expected_kind(ask: str) -> str | None:
    """The kind of answer the interrogative form asks for. 'Which' + a word asks for what that word names: a figure
    or a date where it names one ('which year', 'which share'), else a name ('which company', 'which movie'),
    whatever the rest of the question says ('Which company's share is 36%?'). 'Which is bigger, A or B?' is a
    choice between the options, read elsewhere."""
    lowered = ask.lower().strip()
    which = _which_word(lowered) or _what_things(lowered)
    if not which:
        return _form_kind(lowered)
    singular = base_forms_as(which, "n")[:1]  # 'revenues': revenue
    return _form_kind(f"what {which}") or _form_kind(f"what {' '.join(singular)}") or "name"


def _what_things(lowered: str) -> str:
    """The plural noun an opening 'what' governs, which asks as 'which' does ('industries' of 'What industries
    drive ...?'): things named, or a figure where the noun names one ('What revenues ...'); '' otherwise."""
    word = _after_what(lowered)
    return word if _plural(word) and word not in AUXILIARIES and base_forms_as(word, "n") else ""


def _after_what(lowered: str) -> str:
    """The word right after an opening 'what' ('industries' of 'what industries drive ...'); '' when none."""
    what = re.match(r"\s*what\s+([a-z]+)\b", lowered)
    return what.group(1) if what else ""


def _plural(word: str) -> bool:
    """Does the word read as a plural noun ('industries', not 'business', 'status' or 'analysis')?"""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _asks_several(ask: str) -> bool:
    """Does an opening 'which'/'what' govern a plural noun ('Which industries ...', 'What countries ...')?"""
    lowered = ask.lower()
    counted = re.search(rf"\b(?:which|what)\s+({'|'.join(NUMBER_WORDS)}|several|both)\b", lowered)
    if counted:  # 'Which two providers ...?'
        return NUMBER_WORDS.get(counted.group(1), 2) > 1
    if re.search(r"\bwhich\s+of\b", lowered):  # 'Which of the providers holds ...?': one of them
        return False
    return _plural(_which_word(lowered.strip()) or _after_what(lowered))


def _which_word(lowered: str) -> str:
    """The word an opening 'which' governs ('movie' of 'Which movie won ...', 'countries' of 'In which countries
    ...'); '' when there is none ('Which is bigger, A or B?', 'Which of them ...')."""
    which = _WHICH.match(lowered)
    if which and which.group(1) == "of":  # 'Which of Alibaba's rivals ...': the rivals
        of = _WHICH_OF.match(lowered, which.end())
        return of.group(1) if of and of.group(1) not in FUNCTION_WORDS else ""
    return which.group(1) if which and which.group(1) not in AUXILIARIES | {"one", "ones"} else ""


def _form_kind(lowered: str) -> str | None:
    for kind, pattern in _KIND_FORMS:
        if re.search(pattern, lowered):
            return kind
    return None


def _names(ask: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names the question is about, and qualifiers: names after a preposition, and periods (2019, Q2, FY2018)."""
    skip_first_word = not _opens_with_subject(ask)
    found = qualifiers(ask, skip_first_word=skip_first_word)
    subjects = [run.text for run in name_runs(ask, skip_first_word=skip_first_word)
                if run.text.lower() not in INTERROGATIVES | AUXILIARIES and run.text not in found]
    return tuple(dict.fromkeys(subjects)), tuple(q for q in found if q.lower() not in INTERROGATIVES | AUXILIARIES)


# Words after an imperative's verb ('Tell me what ...', 'Show us which ...'): the first word is no subject.
_OBJECT_PRONOUNS = frozenset("me us him them".split())


def _opens_with_subject(ask: str) -> bool:
    """Is the capitalised first word the subject of a question asked in place, its interrogative after the verb
    ('Google holds what percentage of ...?', 'Tencent has how many ...?')? Only when the word after it is a verb in
    a plain form: an auxiliary or a third-person or past form ('holds', 'reported'). An imperative ('Tell me what
    ...', 'Explain how ...', 'Find out which ...') and an opening interrogative are not."""
    words = re.findall(r"[A-Za-z][\w'’-]*", ask)
    if len(words) < 3 or not words[0][:1].isupper() or words[0].lower() in FUNCTION_WORDS:
        return False
    verb = words[1].lower()
    verb_form = verb in AUXILIARIES or (verb.endswith(("s", "ed")) and verb not in FUNCTION_WORDS | _OBJECT_PRONOUNS)
    return verb_form and words[1][:1].islower() and any(w.lower() in INTERROGATIVES for w in words[2:])


_LIST_JOINT = re.compile(r"\s*(?:,\s*(?:and|or)?|and|or|&)\s*", re.IGNORECASE)


def listed_periods(ask: str, qualifiers: tuple[str, ...]) -> tuple[str, ...]:
    """Periods the question lists side by side ('from 2022, 2021 and 2020', 'FY2024 and FY2023'): a sentence
    about any one of them speaks to the question. 'Q2 of 2025' is one period, not a list."""
    periods = [q for q in qualifiers if is_period(q)]
    listed: list[str] = []
    for a, b in zip(periods, periods[1:]):
        after_a = ask.find(a) + len(a)  # both are qualifiers read from the ask
        b_at = ask.find(b, after_a)
        if b_at != -1 and _LIST_JOINT.fullmatch(ask[after_a:b_at]):
            listed += [p for p in (a, b) if p not in listed]
    return tuple(listed)


def _claimed_figure(ask: str) -> Figure | None:
    """The figure a question states; an ordinal ('the 90th Academy Awards') or a capitalised number word past the
    first ('the Big Three') is a name's part, not a figure. A fraction of something ('half of the market') is the
    percentage it stands for."""
    figures = [f for f in find_figures(ask) if f.kind != "year" and not re.match(r"(?:st|nd|rd|th)\b", ask[f.end:])
               and not (f.start > 0 and f.text[:1].isupper() and f.text.isalpha())]
    fractions = [Figure(_FRACTIONS[re.sub(r"[\s-]+", " ", m.group(1).lower())], "percent", m.group(1), m.start(1),
                        m.end(1)) for m in _FRACTION_OF.finditer(ask)]
    figures = [f for f in figures if not any(p.start <= f.start < p.end for p in fractions)] + fractions  # 'one third'
    return min(figures, key=lambda f: f.start) if figures else None


_FRACTIONS = {"half": 50.0, "a half": 50.0, "one half": 50.0, "a third": 100 / 3, "one third": 100 / 3,
              "two thirds": 200 / 3, "a quarter": 25.0, "one quarter": 25.0, "three quarters": 75.0}
# 'the first half of 2025', 'a quarter of fiscal 2024' are periods, not fractions claimed
# ... and so is one that ends the question ('Is its share above one third?')
_FRACTION_OF = re.compile(rf"(?<!first )(?<!second )(?<!last )\b({_FRACTION})(?:\s+of\s+(?!(?:fiscal\s+|FY\s*)?\d)|"
                          r"(?=\s*[?.!]*\s*$))", re.IGNORECASE)


def _claimed_rank(ask: str) -> str | None:
    """A rank the question states with what it ranks by ('the third-largest', 'No. 2', 'ranked 3rd'); a bare
    ordinal is a name's part ('the 92nd Academy Awards') or a period's."""
    match = next((m for m in RANK.finditer(ask) if rank_order(m.group())[1] or m.group()[:1] in "Nn" or
                  re.search(r"\brank(?:ed)?\s+$", ask[:m.start()], re.IGNORECASE)), None)
    return match.group() if match else None


def _comparison(ask: str, claim: Figure | None, polar: bool) -> str | None:
    if claim is None:
        return None
    match = _COMPARATIVE.search(ask)
    right_before = match is not None and match.end() <= claim.start and not ask[match.end():claim.start].strip()
    if match and (not match.group(2) or right_before):  # 'above' only of the claim itself: 'above 5%'
        return "lt" if _DOWNWARD.search(match.group()) else "gt"
    return "eq" if polar or re.match(rf"\s*{_TRUTH_LEAD}\b", ask, re.IGNORECASE) else None


# Superlatives of size, and 'leads' followed by a thing rather than a name ('leads the global market', not 'leads
# Alibaba as chief executive'): grammar words that ask which of several owners' figures is the largest or smallest.
_LARGEST = re.compile(r"\b(?i:largest|biggest|highest|greatest)\b|\b(?i:leads|leading)\s+(?:the\s+)?(?=[a-z])")
_SMALLEST = re.compile(r"\b(?i:smallest|lowest|fewest|least)\b")
# 'Which is smaller, A or B?', 'Is A behind B?'
_LESS = re.compile(r"\b(?i:smaller|smallest|less|least|lower|lowest|fewer|fewest|below|behind)\b")
_WHOSE = re.compile(r"(?:^|,\s*)(?i:which|who)\b")  # 'Which provider ...', 'In China, which cloud ...'


def extreme_asked(ask: str) -> str | None:
    """Does a which/who question ask whose figure is the largest ('max') or the smallest ('min')? ('What is the
    largest investment?' asks for a figure, not whose it is.)"""
    if not _WHOSE.search(ask):
        return None
    return "max" if _LARGEST.search(ask) else "min" if _SMALLEST.search(ask) else None


def extreme_terms(ask: str, superlative: str | None) -> set[str]:
    """The superlative (`extreme_asked`'s) that asks for a comparison is its form, not content a source must hold
    ('leads' in 'Which provider leads the market?': the source gives each provider's share, and the comparison is
    made in code)."""
    if not superlative:
        return set()
    return {t for pattern in (_LARGEST, _SMALLEST) for m in pattern.finditer(ask) for t in tokenize(m.group())}


def _options(ask: str) -> tuple[str, ...]:
    match = _LEADING_CHOICE.match(ask) or _CHOICE.search(ask)
    if not match or (match.re is _CHOICE and _first_word(ask) not in INTERROGATIVES):
        return ()
    return tuple(option.strip(" .") for option in match.groups())


# 'How much smaller is A's share than B's?', 'By how much more did A invest than B?', 'How many more plants does A
# run than B?': the gap between two owners' figures, computed in code.
_DIFFERENCE = re.compile(rf"^\s*(?:by\s+)?how\s+(?:much|many)\s+(?:{_COMPARATIVES})\b", re.IGNORECASE)
# 'Does A hold a bigger share than B?', "Is A's share larger than B's?": whose figure is larger, yes or no.
_THAN_OWNER = re.compile(rf"\b(?:{_COMPARATIVES})\b[^?]*?\s+than\s+"
                         r"(?!(?:in|at|on|for|during|by|of|from|to|with)\b)(?P<other>[^?]+?)\s*\??$", re.IGNORECASE)
# 'Did A's share come out above B's?', 'Is A ahead of B in China?': a place beside another owner compares them
_BEYOND_OWNER = re.compile(r"\b(?:above|below|ahead\s+of|behind)\s+(?P<other>(?:the\s+)?[A-Z][^?]*?)\s*\??$")


_GAP = re.compile(r"\b(?:gap|difference)\s+between\s+", re.IGNORECASE)
# 'By how many points does A lead B?', 'How far ahead of B is A?', 'What is A's lead over B?': an amount asked for,
# and a word that sets one figure against another; the two names it is asked of are the owners compared.
_VERBS_AGAINST, _WORDS_AGAINST = "lead trail exceed outpace beat surpass separate".split(), "ahead behind gap margin".split()
_SETS_AGAINST = rf"\b(?:{_COMPARATIVES}|(?:{'|'.join(_VERBS_AGAINST)})(?:s|es)?|{'|'.join(_WORDS_AGAINST)})\b"
_COMPARING_STEMS = frozenset(tokenize(" ".join(_COMPARATIVES.split("|") + _VERBS_AGAINST + _WORDS_AGAINST +
                                               "difference far much many".split())))
_GAP_ASKED = re.compile(rf"^\s*(?:by\s+)?how\s+(?:much|many|far)\b.*?{_SETS_AGAINST}|"
                        r"^\s*what\s+is\s+(?:the\s+|\S+['’]s\s+)?(?:lead|gap|margin)\b", re.IGNORECASE)


def _gap_between_subjects(ask: str, subjects: tuple[str, ...], claim: Figure | None) -> tuple[str, ...]:
    """The two names a question asking how far one figure is from another is asked of ('By how many points does
    AWS lead Google in global share?' -> AWS, Google); () unless it names exactly two, or when it states a figure
    ('How far does AWS's share exceed 25%?' measures against that)."""
    owners = tuple(s for s in subjects if not is_period(s))
    return owners if claim is None and len(owners) == 2 and _GAP_ASKED.search(ask) else ()


def _gap_owners(ask: str) -> tuple[str, ...]:
    """The two owners whose figures 'the gap between A's and B's shares' asks about (two names joined by 'and');
    () for a span of periods ('the difference between 2019 and 2021') or anything else."""
    match = _GAP.search(ask)
    if not match:
        return ()
    rest = ask[match.end():]
    runs = [r for r in name_runs(rest) if not is_period(r.text) and not (r.start and r.after_preposition)][:2]
    if len(runs) < 2 or not re.search(r"\band\b", rest[runs[0].end:runs[1].start]):
        return ()
    return runs[0].text, runs[1].text


def _compared_owners(ask: str, polar: bool, claim: Figure | None) -> tuple[str, ...]:
    """The two owners a yes/no question (or one asking for the gap between them) compares ('Does Microsoft hold a
    bigger share than Google?' -> Microsoft, Google), read as the options of 'Which is bigger, Microsoft or
    Google?'; () when it compares no two names
    (a stated figure, 'more than 30%', is a claim; 'larger in the US than in Europe' compares places)."""
    match = (_THAN_OWNER.search(ask) or _BEYOND_OWNER.search(ask)) if polar and claim is None else None
    if not match:
        return ()
    first = [r.text for r in name_runs(ask[:match.start("other")], skip_first_word=True)
             if not is_period(r.text) and not r.after_preposition]  # 'In China, does A ...': A
    other = re.sub(r"^the\s+", "", match.group("other"), flags=re.IGNORECASE)
    second = name_runs(other)  # the name right after 'than': '... than B in China'
    if not first or not second or second[0].start > 0 or is_period(second[0].text):
        return ()
    return first[0], second[0].text  # the question's first name is what it asks about


def _two_parts(ask: str) -> list[str]:
    """'What revenue did X report, and how fast did it grow?' -> two questions; [] when it is one."""
    pieces = [p.strip(" ,") for p in _PART_SPLIT.split(ask) if p.strip(" ,")]
    if len(pieces) < 2 or any(len(p.split()) < 3 for p in pieces):
        return []
    return [p if p.endswith("?") else p + "?" for p in pieces]


# 'What are X's global share and its share in China?': two things of one owner, the second referred back to
_TWO_OF_ONE = re.compile(r"^\s*(?P<wh>what|which)\s+(?:are|were|is|was)\s+(?P<a>.+?)\s+and\s+(?:its|their)\s+"
                         r"(?P<b>[^?]+?)\s*\??\s*$", re.IGNORECASE)


def possessed_parts(ask: str) -> list[str]:
    """'What are Alibaba Cloud's global market share and its share in China?' -> 'What is Alibaba Cloud's global
    market share?' and 'What is Alibaba Cloud's share in China?': each answered and cited on its own. [] when the
    ask is no such pair, or its first thing has no owner for 'its' to refer to."""
    match = _TWO_OF_ONE.match(ask)
    possessed = _POSSESSED.match(match.group("a")) if match else None
    if not possessed:
        return []
    wh = match.group("wh").capitalize()
    return [f"{wh} is {match.group('a')}?", f"{wh} is {possessed.group('owner')} {match.group('b')}?"]


_COMPARED = re.compile(r"^\s*how\s+(?:did|does|do|has|have|will|would)\s+(?P<a>.+?)\s+compare\s+(?:to|with|against)\s+"
                       r"(?P<b>.+?)(?P<tail>\s+(?:in|for|during|over|at|as of|from|between)\s+[^?]*)?\s*\??\s*$",
                       re.IGNORECASE)
_POSSESSED = re.compile(r"^(?P<owner>.*?[A-Za-z0-9&.]['’]s)\s+(?P<thing>.+)$")


def compared_parts(ask: str) -> list[str]:
    """'How did X's US sales growth compare to international sales growth in FY2022?' -> 'What was X's US sales
    growth in FY2022?' and 'What was X's international sales growth in FY2022?': each side is answered and cited
    on its own. The owner of the first side owns the second when it names none; 'compare to Google's' compares
    the same thing of Google's. [] when the ask is no such comparison."""
    match = _COMPARED.match(ask)
    if not match:
        return []
    first, second, tail = match.group("a"), match.group("b"), match.group("tail") or ""
    possessed = _POSSESSED.match(first)
    if possessed and re.search(r"['’]s$", second):
        second = f"{second} {possessed.group('thing')}"  # '... compare to Google's': Google's sales growth
    elif possessed and not name_runs(second):
        second = f"{possessed.group('owner')} {second}"
    return [f"What was {side}{tail}?" for side in (first, second)]

