"""Sentence structure, read in code: name runs, whether a preposition governs a name (a qualifier: 'in China')
or not (an owner: 'Alibaba Cloud holds'), clause boundaries, and whose figure each figure is.

A figure's owner is, in order: in 'A, B and C were X, Y and Z, respectively', the name of its own item (none
for 'international'); the name right before the parenthesis it stands in ('Tencent Cloud (10%)'), else the last
owner-name before it in its own clause ('Alibaba Cloud dominates with a 36% share'), else the nearest owner-name
before its clause (a relative clause: 'Microsoft Azure, which grew 39%'), else nobody.
Only closed-class grammar words are listed here (prepositions, conjunctions, determiners)."""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass

from .figures import MONTH, WORDS as NUMBER_WORDS, YEAR, Figure, find_figures
from .lexical import STOPWORDS, canonical_periods, tokenize
from .thesaurus import base_forms_as, irregular_verbs, only_a_verb

# A name after one of these says where or when ('in China', 'during 2019'): a qualifier; after 'of' or 'for' it
# is what the text is about ('the capital expenditure for 3M').
PLACE_TIME_PREPOSITIONS = frozenset("in within inside across throughout during at since until through outside".split())
PREPOSITIONS = frozenset(
    "in within inside into at on of from for by across throughout among to toward towards over under during "
    "since until through per via versus vs outside beyond near around between about after before than like "
    "including excluding behind unlike despite against amid amidst without upon besides except along beneath "
    "alongside with".split())
FUNCTION_WORDS = frozenset(
    "the a an this that these those its their his her our my your it they we he she i you and or but nor so yet "
    "however while whereas although though because if when where which who whom whose what how why as unless whether "
    "meanwhile moreover furthermore notably also still then thus globally overall "
    "is are was were do does did has have had can could will would should may might shall must".split()) | PREPOSITIONS
_WORD = re.compile(r"[A-Za-z0-9][\w&.'’-]*")
_PERIOD = re.compile(rf"^(Q[1-4]|H[12]|FY\s?\d{{2,4}}|{YEAR}|\d{{4}}Q[1-4])$", re.IGNORECASE)
_REPORTING = (r"(?:said|says|told|added|noted|stated|announced|reported|estimated|estimates|expects|believes)\b(?:\s+that)?|"
              r"(?:believed|thought|thinks|argued|argues|claimed|claims|warned|warns|insisted|insists|explained|"
              r"explains|predicted|predicts|suggested|suggests)\s+that\b")  # 'X believed that ...'
REPORTING_VERB = re.compile(_REPORTING)
# Where a clause ends: semicolons, dashes, a comma before a conjunction, relative pronoun or participle, and a
# reporting verb ('Chief executive Mara Lind said [the group plans to spend $1.5 billion]').
_CLAUSE_BREAK = re.compile(
    r";|\s[—–]\s?|—|,\s+(?=(?:while|whereas|but|although|though|which|who|where|and|or|with|as|compared|"
    r"[a-z]+ing)\b)|\bwhile\b|\bwhereas\b|"
    r"(?<=\s)" + _REPORTING)


# A clause that continues the one before about the same subject: 'which grew 39%', 'trailing AWS'.
_RELATIVE_OPENING = re.compile(r"[\s,;—–-]*(?:which|who|whose|that|[a-z]+ing)\b")


@dataclass(frozen=True)
class NameRun:
    text: str
    start: int
    end: int
    after_preposition: bool


def is_period(text: str) -> bool:
    return all(_PERIOD.match(word) for word in text.split())


def name_runs(text: str, skip_first_word: bool = False) -> list[NameRun]:
    """Runs of capitalised words ('Alibaba Cloud', 'Q2 2025', '3M'), possessive 's dropped; a compound adjective
    ('AI-related'), a lone capitalised function word ('However', 'The', 'A') and a lone number word ('One') are not
    names. With skip_first_word, a capitalised first word counts only when it is plainly a name (all capitals,
    digits, a possessive, or followed by another capitalised word)."""
    runs: list[NameRun] = []
    words = list(_WORD.finditer(text))
    current: list[re.Match] = []

    def close() -> None:
        if current:
            start, end = current[0].start(), current[-1].end()
            name = re.sub(r"['’]s?$", "", text[start:end]).rstrip(".")
            before = previous_word(text, start)
            runs.append(NameRun(name, start, start + len(name), before in PREPOSITIONS))
            current.clear()

    for number, match in enumerate(words):
        word = match.group()
        if current and _joins_name(text, words, number):  # 'Tour de France', 'Wout van Aert'
            current.append(match)
            continue
        adjective = "-" in word and word.rsplit("-", 1)[1][:1].islower()  # 'AI-related', 'China-based'
        capital = (word[0].isupper() or (word[0].isdigit() and any(c.isupper() for c in word))) and not adjective
        capital = capital or bool(word[0].isdigit() and current and (is_period(word) or _model_number(match, text)))
        lone_letter = len(word) == 1 and not current  # 'A loss ...', not 'Class A'
        function = word.lower().strip(".") in FUNCTION_WORDS and (word[1:].islower() or lone_letter)
        first = number == 0 and skip_first_word and not _plainly_a_name(text, words)
        joined = current and text[current[-1].end():match.start()].strip() == ""
        if capital and not function and not first:
            possessive_before = current and current[-1].group().endswith(("'s", "’s"))
            period_change = current and is_period(current[-1].group()) != is_period(word)
            if current and (not joined or possessive_before or period_change):
                close()
            current.append(match)
        else:
            close()
    close()
    return [r for r in runs if r.text and r.text.lower() not in NUMBER_WORDS]  # 'One customer ...' counts one


def is_headline(text: str) -> bool:
    """A title-case line ('Google CEO Sees Company's Next Trillion in Value From Search', 'Here Are the Four
    Finalists for ...'): every word but the small function words capitalised, and a function word capitalised
    past the first (which no sentence of names does: 'Jan Koum and Brian Acton'), so capitals do not tell its
    names from its other words."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    content = [w for w in words if w.lower() not in FUNCTION_WORDS]
    titled_function_word = any(w[0].isupper() and w.lower() in FUNCTION_WORDS for w in words[1:])
    return len(content) >= 3 and all(w[0].isupper() for w in content) and titled_function_word


# Particles inside a name between two capitalised words ('Tour de France', 'Wout van Aert', 'Ludwig van Beethoven').
_NAME_PARTICLES = frozenset("de van von der den da di du la le del della dos das ter".split())


def _joins_name(text: str, words: list[re.Match], number: int) -> bool:
    """Is words[number] a lower-case name particle that, after any particles following it ('de la'), leads to a
    capitalised word, with single spaces between? (The word before it is in the name run being read.)"""
    end = number
    while end < len(words) and words[end].group() in _NAME_PARTICLES:
        end += 1
    if end == number or end >= len(words) or number == 0 or not words[end].group()[0].isupper():
        return False
    return all(text[words[i].end():words[i + 1].start()] == " " for i in range(number - 1, end))


_MODEL_NUMBER = re.compile(r"\d{1,3}[a-z]{0,2}")
_MONTH_WORD = re.compile(MONTH + ",?")


def _model_number(word: re.Match, text: str) -> bool:
    """A small number right after a name is part of it: 'Pixel 5a', 'Splatoon 2', 'Nintendo 64' (not a figure
    that only starts there: 'RMB 380 billion', '36%'; a year is a period of its own)."""
    name_end = re.search(r"(\S+)\s*$", text[:word.start()])
    if name_end and _MONTH_WORD.fullmatch(name_end.group(1)):
        return False  # 'July 21' is a day
    return bool(_MODEL_NUMBER.fullmatch(word.group())) and not any(
        f.start <= word.start() < f.end and f.kind != "number" for f in find_figures(text))


def names_its_subject(sentence: str) -> bool:
    """Does the sentence name who or what it is about? A name after a preposition or a date does not ('It was
    released on July 21, 2017'): such a sentence is about what its paragraph named before it."""
    return any(not (r.after_preposition or is_period(r.text)) for r in name_runs(sentence))


def _plainly_a_name(text: str, words: list[re.Match]) -> bool:
    word = words[0].group()
    following = words[1].group() if len(words) > 1 else ""
    return (word.isupper() and len(word) > 1) or any(c.isdigit() for c in word) or word.endswith(("'s", "’s")) \
        or following[:1].isupper()


# Words that may stand between a preposition and its name: 'in the United States', 'at the 92nd Academy Awards'.
_DETERMINERS = frozenset("the a an this that these those its their his her our".split())
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")


def previous_word(text: str, position: int) -> str:
    """The word before `position`, looking past determiners and ordinals ('in the 92nd ...' -> 'in')."""
    words = re.findall(r"[A-Za-z0-9]+", text[:position])
    while len(words) > 1 and (words[-1].lower() in _DETERMINERS or _ORDINAL.fullmatch(words[-1])):
        words.pop()
    return words[-1].lower() if words else ""


# What a sentence says brought something about: 'driven by X', 'due to X', 'because of X', 'as a result of X',
# 'especially as X'. English's connectives of cause, a closed class of the grammar.
_CAUSE = re.compile(r"\b(?:(?:driven|fu?ell?ed|spurred|powered|boosted|propelled|caused|prompted|triggered) by|"
                    r"(?:due|owing|thanks|attributable) to|because(?: of)?|as a (?:result|consequence) of|"
                    r"resulting from|on the back of|(?:especially|particularly|largely|mainly|partly) as)\s+",
                    re.IGNORECASE)
_CAUSE_END = re.compile(r"\s*(?:;|—|–|\s-\s|\[\s*\d|$)")


def causes_in(text: str) -> list[tuple[int, int]]:
    """The [start, end) of each cause the sentence gives: what follows a connective of cause ('..., driven by
    enterprise applications in finance, logistics, and manufacturing'), to the end of the sentence or of its
    statement (a semicolon, a dash, a citation marker)."""
    spans = []
    for match in _CAUSE.finditer(text):
        end = _CAUSE_END.search(text, match.end()).start()
        cause = text[match.end():end].rstrip(" .,:")
        if re.search(r"\w", cause):
            spans.append((match.end(), match.end() + len(cause)))
    return spans


# 'The five-year compound annual growth rates ...', 'a 10-year low', 'its multi-year plan': a span of years
_SPAN_OF_YEARS = re.compile(rf"\b(?:\d+|multi|{'|'.join(n for n in NUMBER_WORDS if n.isalpha())})-(?:year|decade)\b",
                            re.IGNORECASE)


def spans_years(text: str) -> bool:
    """Does the text speak of a span of several years ('five-year growth rates', 'a 10-year low')? Its figures are
    of that span, not of one year in it."""
    return bool(_SPAN_OF_YEARS.search(text))


def clause_at(text: str, position: int) -> tuple[int, int]:
    """The [start, end) of the clause that holds `position`."""
    return next(((a, b) for a, b in clause_bounds(text) if a <= position < b), (0, len(text)))


def clause_bounds(text: str) -> list[tuple[int, int]]:
    """The sentence cut into clauses, as [start, end) ranges; not inside parentheses ('(behind AWS, Azure, and
    Google Cloud)' is one aside)."""
    asides = _parenthesis_spans(text)
    cuts = [0] + [m.start() for m in _CLAUSE_BREAK.finditer(text) if not _inside(m.start(), asides)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def owner_of(text: str, start: int, end: int) -> str | None:
    """Whose is the figure at text[start:end]? See the module docstring for the order of the rules."""
    item = respective_items(text).get(start)
    if item is not None:
        return next((run.text for run in name_runs(item) if not is_period(run.text)), None)
    runs = [r for r in name_runs(text) if not is_period(r.text)]
    owners = [r for r in runs if not r.after_preposition]
    before_paren = _parenthesised_owner(text, start, end, runs)
    if before_paren:
        return before_paren
    clause = clause_at(text, start)
    outside = [(a, b) for a, b in _parenthesis_spans(text) if not a < start < b]  # asides the figure is not in
    in_clause = [r for r in owners if clause[0] <= r.start < start and not _inside(r.start, outside)]
    if in_clause:
        return in_clause[-1].text
    if not _RELATIVE_OPENING.match(text[clause[0]:]):
        return None  # a clause of its own with no name ('... said the group plans to spend $1.5 billion')
    earlier = [r for r in owners if r.end <= clause[0] and not _inside(r.start, outside)]
    return _coordinated(text, [r for r in runs if r.end <= earlier[-1].end]) if earlier else None


# A place in an order: an ordinal ('fourth', '3rd'), a number sign ('No. 2', 'number one'), with what it is the
# place in when joined to it ('fourth-largest', 'second biggest').
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
_RANK_SCALES = ["largest", "biggest", "highest", "lowest", "smallest", "best", "most", "least"]
RANK = re.compile(rf"\b(?:(?:{'|'.join(_ORDINALS)}|\d+(?:st|nd|rd|th))"
                  rf"(?:[- ](?:{'|'.join(_RANK_SCALES)}|ranked)\b)?|"
                  r"No\.?\s?\d+\b|[Nn]umber (?:one|two|three|four|five|\d+)\b)", re.IGNORECASE)


def rank_order(rank: str) -> tuple[int | None, str | None]:
    """The place a rank names and what it is the place in: 'fourth-largest' -> (4, 'largest'), 'No. 2' -> (2, None)."""
    words = re.findall(r"[a-z]+|\d+", rank.lower())
    place = next((_ORDINALS.index(w) + 1 if w in _ORDINALS else NUMBER_WORDS.get(w, int(w) if w.isdigit() else None)
                  for w in words if w in _ORDINALS or w in NUMBER_WORDS or w.isdigit()), None)
    scale = next((w for w in words if w in _RANK_SCALES), None)
    return place, {"biggest": "largest"}.get(scale, scale)


def same_rank(a: str, b: str) -> bool:
    """Do two ranks name the same place ('fourth-largest' ~ 'No. 4'; not 'fourth-smallest')?"""
    (place_a, scale_a), (place_b, scale_b) = rank_order(a), rank_order(b)
    return place_a is not None and place_a == place_b and (scale_a is None or scale_b is None or scale_a == scale_b)


_POSSESSIVE_PRONOUN = re.compile(r"\b(?:its|their)\s+(?:[\w-]+\s+){0,4}$", re.IGNORECASE)


def possessor(text: str, owner: str, before: int) -> str | None:
    """Whose is an owner said with 'its' or 'their' ('Alibaba Cloud offers ..., including its Model Studio platform
    and AI Catalyst Program, which provides 2 billion free tokens'): the owner of the pronoun, when the owner's last
    mention before `before` follows one within a few words and no comma."""
    at = text.rfind(owner, 0, before)
    pronoun = _POSSESSIVE_PRONOUN.search(text[:at]) if at > 0 else None
    if pronoun is None or "," in text[pronoun.start():at]:
        return None
    return owner_of(text, pronoun.start(), pronoun.start() + 3)


def _coordinated(text: str, runs: list[NameRun]) -> str:
    """The last name with those listed with it: 'AWS, Azure, and Google Cloud, which ...' -> all three."""
    first = len(runs) - 1
    while first > 0 and re.fullmatch(r",?\s*(?:and|or)?\s*|,\s*", text[runs[first - 1].end:runs[first].start]):
        first -= 1
    return text[runs[first].start:runs[-1].end]


def _parenthesised_owner(text: str, start: int, end: int, owners: list[NameRun]) -> str | None:
    """'AWS (30%)': a figure alone in parentheses belongs to the name just before them."""
    for a, b in _parenthesis_spans(text):
        content = text[a + 1:b - 1]
        if a < start and end <= b and len(content.split()) <= 3 and len(find_figures(content)) == 1:
            ahead = [r for r in owners if 0 <= a - r.end <= 2]
            if ahead:
                return ahead[-1].text
    return None


def _parenthesis_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\([^()]*\)", text)]


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in spans)


_RESPECTIVELY = re.compile(r",?\s*respectively\b", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*(?:,\s*and|,|and)\s*")
_LIST_OPENING = re.compile(r".*\b(?:for|of|in|by|from|at|to|between|on)\s+", re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=256)  # one sentence, asked for each of its figures
def respective_items(text: str) -> dict[int, str]:
    """The item each figure is given for in 'A, B and C were X, Y and Z, respectively', by the figure's start:
    'The growth rates for worldwide, U.S. and international sales were 3.5%, 5.0% and 2.2%, respectively' gives
    5.0% for 'U.S.'; '$48.6 billion and $47.2 billion in 2022 and 2021, respectively' gives $47.2 billion for 2021.
    Empty when the sentence pairs no lists (read only, shared between callers)."""
    found: dict[int, str] = {}
    for ending in _RESPECTIVELY.finditer(text):
        figures = find_figures(text[:ending.start()])
        second = _figure_list(text, figures, ending.start())
        first = _figure_list(text, figures, second[0].start) if second else []
        if len(first) == len(second) >= 2 and all(f.kind == "year" for f in second):  # '... in 2022 and 2021'
            pairs = [(f, year.text) for f, year in zip(first, second)]
        else:
            pairs = list(zip(second, _list_items(text[:second[0].start], len(second)) if len(second) >= 2 else []))
        for figure, item in pairs:
            found.setdefault(figure.start, item)
    return found


def _figure_list(text: str, figures: list[Figure], edge: int) -> list[Figure]:
    """The figures joined by commas and 'and' that end at `edge` (or a short linking phrase before it: 'in')."""
    listed: list[Figure] = []
    for figure in reversed([f for f in figures if f.end <= edge]):
        gap = text[figure.end:listed[-1].start if listed else edge]
        if not (_LIST_SEPARATOR.fullmatch(gap) or (not listed and re.fullmatch(r"[\s,]*(?:in|for|of)?\s*", gap))):
            break
        listed.append(figure)
    return listed[::-1]


def _list_items(before: str, count: int) -> list[str]:
    """The `count` items of the list that ends with the last 'and' of `before` ('... for worldwide, U.S. and
    international sales were'): the first from the preposition opening the list, the last up to a comma or a
    grammar word ('were') and no longer than the others (the noun they share is not its own). [] when there are
    not so many."""
    joint = list(re.finditer(r",?\s+and\s+", before))
    if not joint:
        return []
    last_words = []
    for word in re.split(r"\s+", before[joint[-1].end():].split(",")[0].strip()):
        if word.lower() in STOPWORDS:
            break
        last_words.append(word)
    earlier = before[:joint[-1].start()].split(",")
    if len(earlier) < count - 1 or not last_words:
        return []
    items = [piece.strip() for piece in earlier[len(earlier) - (count - 1):]]
    items[0] = _LIST_OPENING.sub("", items[0]).strip()
    width = max(len(item.split()) for item in items)  # 'U.S. and international sales': the head noun is shared
    items.append(" ".join(last_words[:width]))
    return items if all(items) else []


def figure_owners(text: str) -> list[tuple[Figure, str | None]]:
    """Every figure of the sentence with its owner."""
    return [(f, owner_of(text, f.start, f.end)) for f in find_figures(text)]


def same_name(a: str, b: str) -> bool:
    """Do two names refer to the same thing? One's words contain the other's ('Alibaba' ~ 'Alibaba Cloud'),
    possessives and case aside."""
    words_a, words_b = name_parts(a), name_parts(b)
    return bool(words_a) and bool(words_b) and (words_a <= words_b or words_b <= words_a)


def refers_to(found: str, asked: str) -> bool:
    """Is a name found in a source the one a question asks about? The same name (or, misspelt, mentioned), with
    no number the question lacks: 'Helix 1' or 'Helix 5' is not the 'Helix' or 'Helix 5a' asked about, while a
    source's 'Anatomy' may be the 'Anatomy Season 17' asked about (the season said in words); 'AWS' is the
    'Amazon Web Services' asked about, and the other way round."""
    return not _model_numbers(found) - _model_numbers(asked) and (same_name(found, asked) or
                                                                  mentions(asked, name_words(found)) or
                                                                  abbreviation_of(asked, found) or
                                                                  abbreviation_of(found, asked))


# What joins the names of a list ('AWS, Azure, and Google Cloud'); a group's members may also be joined by '&'.
_LIST_JOINT = re.compile(r"\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+")
_MEMBER_JOINT = re.compile(_LIST_JOINT.pattern + r"|\s+&\s+")


def counts_members(group: str, owner: str) -> bool:
    """Is a list of names the group a numbered name calls them? 'the Big Three' is a group of three: 'AWS, Azure, and
    Google Cloud, which collectively control 63%' gives the Big Three's figure; a list of two or four is another
    group."""
    numbers = [NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", group.lower()) if w in NUMBER_WORDS]
    members = [m for m in _MEMBER_JOINT.split(owner) if m.strip()]
    return len(numbers) == 1 and len(members) == numbers[0] >= 2


def lists_names(owner: str) -> bool:
    """Is an owner a list of names ('AWS, Azure, and Google Cloud', 'Tencent and Huawei'), whose figure is the
    group's, not any one member's? ('Procter & Gamble' is one name.)"""
    members = [m.strip() for m in _LIST_JOINT.split(owner) if m.strip()]
    return len(members) >= 2 and all(m[:1].isupper() or m[:1].isdigit() for m in members)


def list_members(owner: str) -> list[str]:
    """The names of a list owner ('AWS, Azure, and Google Cloud' -> AWS, Azure, Google Cloud); [] when the owner is
    one name (`lists_names`)."""
    return [m.strip() for m in _LIST_JOINT.split(owner) if m.strip()] if lists_names(owner) else []


_PHRASE_WORD = re.compile(r"[A-Za-z][\w&'’-]*|\S")


Kinds = dict[str, list[frozenset[str]]]  # a noun (stemmed) -> the sets of describing words said before it


def kinds_named(asked: str, texts: list[str]) -> Kinds:
    """The nouns of the question, with its describing words, that some text gives with all those describing words
    ('the global cloud AI market'): the kinds of thing asked about that the texts speak of as such."""
    verbs = {stem for word in re.findall(r"[a-z]+", asked) if only_a_verb(word) for stem in tokenize(word)}
    asked_kinds = {word: sets for word, sets in _described_words(asked).items() if word not in verbs}  # 'revenue grow'
    named = {word for text in texts for word, described in _described_words(text).items()
             if word in asked_kinds and any(a <= b for a in asked_kinds[word] for b in described)}
    return {word: asked_kinds[word] for word in named}


def kinds_differ(stated: str, named: Kinds) -> bool:
    """Does `stated` speak of another kind of a thing asked about that other sources speak of as asked (`named`,
    from `kinds_named`): a noun both give, with describing words of which neither side's contain the other's
    ('the AI infrastructure market' against 'the global cloud AI market'; 'the cloud AI market' is the same one,
    said less precisely)? Where no source names the asked kind, a differing word may be a synonym ('free tokens'
    for 'complimentary tokens') and nothing is ruled out."""
    return any(word in named and all(_neither_within(a, b) for a in named[word] for b in described)
               for word, described in _described_words(stated).items())


def speaks_of_another(stated: str, named: Kinds) -> bool:
    """Does `stated` speak of another thing than the kind asked about, which other sources name as asked (`named`)?
    It never says the asked noun, but says another noun with at least half (and two, where there are more than
    two) of the asked kind's describing words: 'global AI data center capacity is projected to grow at a 33% annual
    rate' is about capacity, not the global cloud AI market nor the AI infrastructure market."""
    asked_words = frozenset().union(*(words for sets in named.values() for words in sets))
    said, described = set(tokenize(stated)), [words for sets in _described_words(stated).values() for words in sets]
    for head in set(named) - asked_words - said:  # 'market' of 'global cloud AI market', which the clause never says
        words = frozenset().union(*named[head])
        enough = min(2, math.ceil(len(words) / 2))
        if any(len(other & words) >= enough for other in described):
            return True
    return False


def says_some_of(text: str, named: Kinds) -> bool:
    """Does the text say, in plain words, any word of the kinds asked about that other sources name as asked
    (`named`)? 'Analysts project the AI infrastructure market will grow ... at a 29.1% CAGR' says nothing of
    'AI-driven cloud services', which a source names: its figure is another thing's."""
    asked = set(named) | set().union(*(words for sets in named.values() for words in sets))
    plain = {stem for match in _PHRASE_WORD.finditer(text) for stem in _plain_stems(match.group())}
    return bool(asked & plain)


def _neither_within(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a - b) and bool(b - a)


def _described_words(text: str) -> dict[str, list[frozenset[str]]]:
    """Each word (stemmed) of a run of plain words, with the words before it in its run: 'the global cloud AI
    market will grow' gives market -> {global, cloud, ai}. A run is broken by grammar words, figures,
    punctuation, possessives and capitalised names (who owns a figure is `owner_of`'s question, not this)."""
    described: dict[str, list[frozenset[str]]] = {}
    run: list[str] = []
    for match in _PHRASE_WORD.finditer(text):
        stems = _plain_stems(match.group())
        if len(stems) != 1 or match.group().endswith(("'s", "’s")):
            run = []
            continue
        describing = set(run) | _of_phrase(text, match.end())  # 'the share of the cloud market': a cloud market share
        if describing:
            described.setdefault(stems[0], []).append(frozenset(describing))
        run.append(stems[0])
    return described


def _plain_stems(token: str) -> list[str]:
    plain = token[0].islower() or (token.isupper() and len(token) > 1)  # 'cloud', 'AI'
    return tokenize(token) if plain and token.lower() not in FUNCTION_WORDS else []


_OF_PHRASE = re.compile(r"\s+of\s+(?:the\s+|a\s+|an\s+)?((?:[a-z][\w-]*|[A-Z]{2,5})(?:\s+(?:[a-z][\w-]*|[A-Z]{2,5}))*)")


def _of_phrase(text: str, end: int) -> set[str]:
    """The plain words of an 'of' phrase right after a noun ('share of the cloud market' -> cloud, market): what
    it is of describes it as the words before it do ('cloud market share')."""
    match = _OF_PHRASE.match(text, end)
    words: set[str] = set()
    for word in match.group(1).split() if match else ():
        stems = _plain_stems(word)
        if len(stems) != 1:
            break
        words.add(stems[0])
    return words


def another_version(found: str, asked: str) -> bool:
    """Does a source name another version of what is asked about: the same name with a number the question lacks
    ('Spider-Man 2', 'Helix 5' when 'Spider-Man' or 'Helix 5a' is asked about)?"""
    extra = _model_numbers(found) - _model_numbers(asked)
    bare = " ".join(w for w in re.findall(r"[\w&.'’-]+", found) if w not in extra)
    return bool(extra) and bool(bare) and refers_to(bare, asked)


def _model_numbers(name: str) -> set[str]:
    """'Helix 5a' -> {'5a'}; '5G' and '3M' are words, not numbers of a version."""
    return {w for w in re.findall(r"[\w&.-]+", name) if _MODEL_NUMBER.fullmatch(w)}


@functools.lru_cache(maxsize=8192)  # corroboration compares every candidate with every other
def name_parts(name: str) -> frozenset[str]:
    """The words of a name, lower case, a possessive's 's dropped ('Assassin's Creed' -> assassin, s, creed)."""
    return frozenset(w.lower().rstrip("'’s") if w.endswith(("'s", "’s")) else w.lower()
                     for w in re.findall(r"[\w&.-]+", name))


# Words that make a statement world-wide: a figure for one place ('within China') does not answer it.
WORLDWIDE = re.compile(r"\b(global|globally|worldwide|world-wide|world's|around the world|across the world)\b",
                       re.IGNORECASE)


def worldwide(text: str) -> bool:
    return bool(WORLDWIDE.search(text))


def places(text: str) -> list[str]:
    """The place qualifiers of a text: its qualifiers that are not periods or years."""
    return [q for q in qualifiers(text) if not is_period(q)]  # is_period covers a bare year


def qualifiers(text: str, skip_first_word: bool = False) -> list[str]:
    """Where and when the text holds: names after a place/time preposition ('within China') and periods
    ('Q1 2025', 'FY2018', a year)."""
    found = [r.text for r in name_runs(text, skip_first_word)
             if previous_word(text, r.start) in PLACE_TIME_PREPOSITIONS or is_period(r.text)]
    found += [f.text for f in find_figures(text) if f.kind == "year" and not any(f.text in q for q in found)]
    return list(dict.fromkeys(found))


def name_words(text: str) -> set[str]:
    """The words of a text in the forms names are matched in: lower case, stemmed and plain, dots of acronyms gone."""
    text = canonical_periods(_undot(text))
    return set(tokenize(text)) | {w.lower() for w in re.findall(r"[\w&]+", text)}


def _undot(text: str) -> str:
    """'U.S.' -> 'US', so an acronym matches with or without its dots."""
    return re.sub(r"\b([A-Za-z])\.(?=[A-Za-z]\.?)", r"\1", text).replace("U.S", "US")


# Legal-form words a company's name may carry or drop ('Alibaba Group' is 'Alibaba'): optional when matching.
LEGAL_FORMS = frozenset("group inc incorporated corp corporation co company ltd limited plc llc holdings sa ag nv".split())


def mentions(name: str, words: set[str]) -> bool:
    """Is the name among `words` (from name_words)? Most words of the name (two of three, one of one), in some
    form (China ~ Chinese), are among `words`; a legal-form word ('Group', 'Inc') is optional."""
    parts = [p for p in re.findall(r"[\w&]+", _undot(name).lower()) if p]
    parts = [p for p in parts if p not in LEGAL_FORMS] or parts
    found = sum(_word_in(p, words) for p in parts)
    return bool(parts) and found >= math.ceil(len(parts) * 2 / 3)


def _word_in(word: str, words: set[str]) -> bool:
    stems = tokenize(word)  # 'q2' is two tokens, 'q' and '2': only a one-token word is matched by its stem
    # ... and only by a stem of four letters or more: 'Sally' and 'sales' share the stem 'sal', not a word
    if word in words or (len(stems) == 1 and len(stems[0]) >= 4 and stems[0] in words and
                         not any(ch.isdigit() for ch in word)):
        return True
    year = re.fullmatch(r"(?:fy|q[1-4]|h[12])?(\d{2,4})", word)
    if year and (year.group(1) in words or ("20" + year.group(1)) in words):
        return True
    return len(word) >= 4 and any(_same_stem(word, w) for w in words)


def _same_stem(a: str, b: str) -> bool:
    """China ~ Chinese, Europe ~ European: a shared start of 4+ letters covering most of the shorter word."""
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 4 and shared >= 0.66 * min(len(a), len(b)) and abs(len(a) - len(b)) <= 3


_ABBREVIATION = re.compile(r"[A-Za-z&]{2,6}")
_JOINING_WORDS = frozenset({"&", "and", "of", "the"})


@functools.lru_cache(maxsize=8192)  # the same title is asked about once per sentence of its document
def abbreviates(short: str, text: str) -> bool:
    """Is `short` an abbreviation ('JnJ', 'JPM', 'BMS') of a run of words in `text` ('Johnson & Johnson',
    'JPMorgan', 'Bristol-Myers Squibb')? Schwartz & Hearst's rule (2003), stricter: the short form's letters are
    found in order in the long form, the first at its start; a capital letter only where the long form has a
    capital (a word's start, 'JPMorgan'), a small one anywhere ('JnJ', '&' read as 'and'); every word but
    joining words ('&', 'of') gives a letter. Only a token with two capitals or more is taken for an abbreviation."""
    if not _is_abbreviation(short):
        return False
    letters = [ch for ch in short if ch.isalpha()]
    words = _long_form_words(text)
    for first in range(len(words)):
        for last in range(first, min(first + 2 * len(letters), len(words))):
            phrase = words[first:last + 1]
            if not {phrase[0].lower(), phrase[-1].lower()} & _JOINING_WORDS and _spells(letters, phrase):
                return True
    return False


@functools.lru_cache(maxsize=8192)  # asked of every sentence of the evidence, titles again and again
def abbreviation_of(name: str, text: str) -> bool:
    """Does the text use an abbreviation of the whole name: 'AWS' for the 'Amazon Web Services' asked about (the
    other way round from `abbreviates`)?"""
    words = _long_form_words(name)
    return len(words) >= 2 and any(_is_abbreviation(short) and _spells([ch for ch in short if ch.isalpha()], words)
                                   for short in set(re.findall(r"\b[A-Za-z&]{2,6}\b", text)))


def _long_form_words(text: str) -> list[str]:
    """The words an abbreviation's letters are read from, '&' as 'and'."""
    return ["and" if w == "&" else w for w in re.findall(r"[A-Za-z&][\w&'’.-]*", text)]


def _is_abbreviation(token: str) -> bool:
    return bool(_ABBREVIATION.fullmatch(token)) and sum(ch.isupper() for ch in token) >= 2


def _spells(letters: list[str], words: list[str]) -> bool:
    """Can the letters be read in order from the words, each word but joining words giving at least one, the
    first letter the first word's first?"""

    def fits(letter: str, ch: str) -> bool:
        return ch == letter if letter.isupper() else ch.lower() == letter

    def read(i: int, w: int, pos: int, gave: bool) -> bool:
        if i == len(letters):
            return w == len(words) - 1 and gave
        word = words[w]
        for at in range(pos, len(word)):  # the next letter later in this word
            if fits(letters[i], word[at]) and read(i + 1, w, at + 1, True):
                return True
        if w + 1 == len(words) or not (gave or word.lower() in _JOINING_WORDS):
            return False
        following = words[w + 1]
        return (fits(letters[i], following[0]) and read(i + 1, w + 1, 1, True)) or \
            (following.lower() in _JOINING_WORDS and read(i, w + 1, 0, False))

    return fits(letters[0], words[0][0]) and words[0][0].isupper() and read(1, 0, 1, True)


# A lower-case word after a name, then what ends a noun phrase: punctuation, a preposition, 'and'/'or', the end.
_WORD_ENDING_PHRASE = re.compile(rf"\s+([a-z]+)(?=\s*(?:[.,;:)!?]|$)|\s+(?:{'|'.join(sorted(PREPOSITIONS))}|and|or)\b)")


def described_noun(text: str, start: int, end: int) -> str:
    """The noun the name is said only to describe ('boom' of 'of the AI boom.', 'platform' of 'its Model Studio
    platform and ...'): after a determiner, one lower-case word that ends the phrase and cannot be a verb the name
    does ('the Fed raised', 'the Warriors won in overtime'): a noun, no inflected verb, and the name not a plural
    ('the Warriors beat ...'). '' when there is none. Such a name is not what the phrase is: it names the noun's
    kind of thing, not who did anything."""
    before = re.findall(r"[A-Za-z]+", text[:start])
    after = _WORD_ENDING_PHRASE.match(text, end)
    if not before or before[-1].lower() not in _DETERMINERS or not after or text[start:end].endswith("s"):
        return ""
    word = after.group(1)
    inflected_verb = word in irregular_verbs() or any(base != word for base in base_forms_as(word, "v"))
    return word if base_forms_as(word, "n") and not inflected_verb else ""
