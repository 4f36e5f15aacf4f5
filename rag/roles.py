"""Roles people hold, read from the question and from sentences: 'Who is the CEO of Google?' asks for the holder of
the role 'CEO' at Google; 'Eric Schmidt, former CEO of Google' and 'Anne-Birgitte Albrectsen is the CEO of The LEGO
Foundation' name holders of another role: one held before now, or at another (narrower) organisation.

A role is its head noun, the plain words said before it and the name it is held at ('of'/'at' and a name). Only a
closed class of words is listed: those that put a role out of the present ('former', 'late', 'outgoing')."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from .glossary import wordings_of
from .lexical import holds_phrase, tokenize
from .structure import FUNCTION_WORDS, LEGAL_FORMS, clause_at, mentions, name_parts, name_runs, name_words
from .thesaurus import base_forms, compound_noun, derived_words, synonyms

# Words that say a role is not held now: it was ('former CEO', 'the late president', 'ex-chairman') or will be.
NOT_NOW = frozenset("former ex late previous past outgoing erstwhile onetime one-time then incoming future".split())

_ASKED = re.compile(r"(?i:who)\s+(?P<verb>(?i:is|was|are|were|will be|has been|had been))\s+(?:(?i:the)\s+)?"
                    r"(?P<rest>.+?)[\s?.!]*$")
_PLAIN_WORD = re.compile(r"[a-z][a-z-]*|[A-Z]{2,5}")  # 'creative', 'director', 'CEO'
_HELD_AT = re.compile(r"\s+(?:of|at)\s+(?:the\s+)?", re.IGNORECASE)
_QUALIFIER_START = re.compile(r"\s+(?:in|during|since|as of|for|on)\s+", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
# What stands between a holder and the role said of them: 'Sepp Blatter, the', 'X is the', 'A and B - the'.
_BEFORE_HOLDER = re.compile(r"(?:(?:\s*[,–—]|\s+-)\s*|\s+(?:is|was|became|becomes|as)\s+)(?:(?:the|a|an)\s+)?",
                            re.IGNORECASE)
_POSSESSIVE_BEFORE = re.compile(r"(?:\b(?:its|their|his|her|our)|['’]s)\s*$", re.IGNORECASE)
_LEADING_WORDS = 3  # at most this many plain words before the role noun are read as describing it


@dataclass(frozen=True)
class Role:
    """A role: its head noun (lower case; an acronym as written), the plain words said before it, and the name it
    is held at."""

    noun: str
    describing: frozenset[str] = frozenset()
    held_at: str = ""
    now: bool = True  # asked who holds it now ('Who is ...?'), not who held it ('Who was ...?')
    said_as: tuple[str, ...] = field(default=(), compare=False)  # the glossary's wordings of a title: CEO, ...
    clause: str = field(default="", compare=False)  # a held role: the clause of the sentence it is said in

    @property
    def wordings(self) -> tuple[str, ...]:
        """What sentences call the role: the glossary's wordings of its title ('chief executive', 'CEO'), or its
        noun."""
        return self.said_as or (self.noun,)


def asked_role(ask: str) -> Role | None:
    """The role a who-question asks the holder of: 'Who is the CEO of Google in 2021?' -> CEO at Google;
    'Who is Google's CEO?' likewise. None for other questions ('Who is Elon Musk?', 'Who won ...?')."""
    match = _ASKED.fullmatch(ask.strip())
    if not match:
        return None
    rest = match.group("rest")
    at = _HELD_AT.search(rest)
    possessive = re.fullmatch(r"(?P<at>.+?)['’]s\s+(?P<phrase>.+)", rest)
    if at:
        phrase, held_at = rest[:at.start()], rest[at.end():]
    elif possessive:
        phrase, held_at = possessive.group("phrase"), possessive.group("at")
    else:
        phrase, held_at = rest, ""
    words = phrase.split()
    if not words or len(words) > _LEADING_WORDS + 1 or not all(_role_word(w) for w in words):
        return None
    held_at = _QUALIFIER_START.split(held_at, maxsplit=1)[0].strip(" \"'“”‘’")
    now = match.group("verb").lower() in ("is", "are", "has been")
    title_start, said_as = _title(words)
    return Role(_noun(words[-1]), frozenset(w.lower() for w in words[:title_start]), _ARTICLE.sub("", held_at), now,
                said_as)


def _title(words: list[str]) -> tuple[int, tuple[str, ...]]:
    """Where the title a role's phrase ends with starts, and its wordings: the longest tail of the phrase the
    glossary lists ('new CEO': CEO, described as new); else the last word, with no other wordings."""
    for start in range(len(words)):
        if wordings := wordings_of(" ".join(words[start:])):
            return start, wordings
    return len(words) - 1, ()


@functools.lru_cache(maxsize=4096)  # read for the sentence's every candidate
def held_roles(text: str, wordings: tuple[str, ...]) -> tuple[tuple[str, Role], ...]:
    """Who holds the role the sentence calls by one of its `wordings` ('CEO', 'chief executive'), as (name, role):
    'Sepp Blatter, the former president of FIFA', 'X is the CEO of Y', 'video director Bruce Gowers', 'Google CEO
    Sundar Pichai'."""
    found = []
    runs = name_runs(text)
    for match in _said(text, wordings):
        describing, start = _describing(text, match.start())
        describing |= {"ex"} if match.group(1) else set()
        held_at, end = _held_at(text, match.end())
        describing |= _kind_held_over(text, match.end())
        holders = _holders_before(text, start, runs, plural=bool(match.group(3))) or _holder_after(text, end, runs)
        # 'according to its own director James Cameron': 'its' refers back past the clause, to the whole sentence
        refers_back = _POSSESSIVE_BEFORE.search(text[:start])
        clause = text if refers_back else text[slice(*clause_at(text, match.start()))]
        found += [(holder, Role(wordings[0], frozenset(describing), held_at, clause=clause)) for holder in holders]
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def says_role(text: str, role: Role, senses: int) -> bool:
    """Does the sentence say the role in any words: one of its wordings ('CEO', 'chief executive'), or its noun as
    another part of speech or in a synonym, in its `senses` commonest senses ('founded', 'directed by', 'chair')?
    One that does not ('By collaborating with firms like Dify, Squirro, and Nvidia, ...', asked who founded Dify)
    says nobody holds it."""
    stated = tokenize(text)
    plain = re.findall(r"[a-z]+", text.lower())
    bases = set(plain) | {form for word in plain for form, _ in base_forms(word)}  # 'founded': found
    words = {*role.wordings, role.noun, *derived_words(role.noun, senses), *synonyms(role.noun, senses)}
    return any(word.lower() in bases or holds_phrase(stated, tuple(tokenize(word))) for word in words)


def held_at_names(text: str, wordings: tuple[str, ...]) -> tuple[str, ...]:
    """The names the sentence says the role is held at, each of a list: 'CEO of Google and Alphabet' -> Google,
    Alphabet. They hold no role: they are where it is held."""
    found: list[str] = []
    for match in _said(text, wordings):
        at = _HELD_AT.match(text, match.end())
        listed = _HELD_AT_LIST.match(text, at.end()) if at else None
        found += [name.rstrip(".,") for name in _LIST_JOIN.split(listed.group())] if listed else []
    return tuple(found)


def _said(text: str, wordings: tuple[str, ...]):
    """Where the sentence calls the role by one of its wordings (longest first), an 'ex-' or plural 's' aside."""
    said = "|".join(re.escape(w) for w in sorted(wordings, key=len, reverse=True))
    return re.finditer(r"\b(?:(ex)-)?(" + said + r")(s?)\b", text, re.IGNORECASE)


def other_role(asked: Role, held: Role, asked_terms: Collection[str] = ()) -> bool:
    """Is a held role another than the one asked about: said to be held before or after now ('former') where the
    question asks who holds it now and does not say so, or not said to be so where the question does ('Who was
    the former CEO?' is not answered by 'CEO Eddie Wu'), or held at a name built on the asked one ('CEO of The
    LEGO Foundation' asked about Lego; 'creative director of Assassin's Creed Syndicate' asked about the film), or
    said without where it is held in a clause that does not name the asked organisation, or named by a compound
    the question does not say (`_compound`)? `asked_terms`: the question's terms."""
    not_now = (held.describing & NOT_NOW) - asked.describing if asked.now else set()
    not_then = (asked.describing & NOT_NOW) - held.describing
    built_on = bool(asked.held_at and held.held_at and _extends(held.held_at, asked.held_at))
    return bool(not_now) or bool(not_then) or built_on or _held_elsewhere(asked, held) or \
        _compound(asked, held, asked_terms)


def _compound(asked: Role, held: Role, asked_terms: Collection[str]) -> bool:
    """Is the held role another made with a noun before its own ('video director', 'art director', 'deputy CEO':
    a noun WordNet never lists as an adjective), which neither the asked role nor the question says ('the director
    of the Avatar movie' is answered by 'Avatar movie director James Cameron')?"""
    return any(compound_noun(word) and not set(tokenize(word)) & set(asked_terms)
               for word in held.describing - asked.describing)


def _held_elsewhere(asked: Role, held: Role) -> bool:
    """A role said without where it is held ('described by CEO Eddie Wu as ..., positions Alibaba ...') is held
    at what its clause is about: not at the asked organisation when the clause does not name it (the sentence
    names Microsoft only in a later clause, as a rival)."""
    return bool(asked.held_at and not held.held_at and held.clause
                and not mentions(asked.held_at, name_words(held.clause)))


def _extends(found: str, asked: str) -> bool:
    """Is a name another one built on the asked one: some of its words and more ('LEGO Foundation' for Lego,
    'Assassin's Creed Syndicate' for the Assassin's Creed film; articles and legal forms aside: 'LEGO Group' is
    Lego)? A name sharing no word may start a longer phrase ('director of Queen and Freddie Mercury biopic
    Bohemian Rhapsody') and says nothing."""
    found_words, asked_words = name_parts(found) - LEGAL_FORMS - {"the"}, name_parts(asked)
    return bool(found_words & asked_words) and bool(found_words - asked_words)


_TITLE_WORD = re.compile(r"[A-Z]{2,5}|[A-Z][a-z]+|[a-z][a-z-]+")  # 'CEO', 'Chief', 'executive'
_TITLE_WORDS = 4  # at most this many words of a title before a name
_TITLE_PHRASE = r"(?:[a-z][\w-]*|[A-Z]{2,5})(?:\s+[\w&'’.-]+){0,5}?"  # 'chief executive of Alibaba', 'CFO of Kappa'
# A title set off after a name ('X, chief executive of Y,') or stated of it ('X is the CFO of Y').
_SET_OFF_TITLE = re.compile(rf",\s+(?:the\s+|its\s+|a\s+|an\s+)?(?P<title>{_TITLE_PHRASE})(?=\s*[,.;)]|$)|"
                            r"\s+(?:is|was|became|serves as|served as)\s+(?:the\s+|its\s+|a\s+|an\s+)"
                            rf"(?P<stated>{_TITLE_PHRASE})(?=\s*[,.;]|$)")


def titles_of(text: str, holders: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """The jobs a sentence gives the named people, with where each is said: before the name ('described by CEO
    Eddie Wu', 'chief executive Eddie Wu') or set off after it ('Eddie Wu, chief executive of Alibaba, said',
    'Eddie Wu is the CEO of Alibaba')."""
    found = []
    for holder in holders:
        for mention in re.finditer(re.escape(holder), text):
            before = _title_before(text, mention.start())
            if before:
                found.append(before)
            after = _SET_OFF_TITLE.match(text, mention.end())
            group = after and ("title" if after.group("title") else "stated")
            if after and after.group(group).split()[0].lower() not in _NOT_TITLE:  # not 'who runs Alibaba'
                title = after.group(group).rstrip(".")
                found.append((title, after.start(group), after.start(group) + len(title)))
    return found


def _title_before(text: str, name_start: int) -> tuple[str, int, int] | None:
    """The words right before a name that can only be its title: acronyms, capitalised or plain words, up to
    `_TITLE_WORDS`, not a function word or a verb's -ed or -ing form ('described by CEO' -> 'CEO')."""
    words = list(re.finditer(r"\S+", text[:name_start]))
    taken = []
    for word in reversed(words[-_TITLE_WORDS:]):
        if (not _TITLE_WORD.fullmatch(word.group()) or word.group().lower() in _NOT_TITLE or
                word.group().endswith(("ed", "ing"))):
            break
        taken.append(word)
    if not taken:
        return None
    return text[taken[-1].start():taken[0].end()], taken[-1].start(), taken[0].end()


_NOT_TITLE = FUNCTION_WORDS | {"said", "says", "who", "which", "that"}


def _role_word(word: str) -> bool:
    """A word of a role's phrase: plain ('chief', 'executive') or an acronym ('CEO'); not an article or a verb's
    -ing form ('playing the role of ...' is not a role held)."""
    return bool(_PLAIN_WORD.fullmatch(word)) and word not in ("the", "a", "an") and not word.endswith("ing")


def _noun(word: str) -> str:
    return word if word.isupper() else word.lower()


def _describing(text: str, noun_start: int) -> tuple[set[str], int]:
    """The plain lower-case words right before a role noun, up to `_LEADING_WORDS` of them, and where they start
    ('the former president' -> {former}; 'the current and former presidents' -> {current, former})."""
    words = list(re.finditer(r"[\w'’-]+|[^\w\s]", text[:noun_start]))
    described, start = [], noun_start
    for number in range(len(words) - 1, -1, -1):
        word = words[number].group()
        joining = word in ("and", "or") and described and number and _plain(words[number - 1].group())
        if len(described) == _LEADING_WORDS or not (_plain(word) or joining):
            break
        described += [] if joining else [word]
        start = words[number].start()
    return set(described), start


def _plain(word: str) -> bool:
    return bool(re.fullmatch(r"[a-z][a-z-]*", word)) and word not in _NOT_DESCRIBING


_NOT_DESCRIBING = frozenset("the a an and or of is was are were has have had its their his her".split())


_CAPITALISED_RUN = re.compile(r"[A-Z0-9][\w&.'’-]*(?: [A-Z0-9][\w&.'’-]*)*")
_LIST_JOIN = re.compile(r"\s+and\s+|\s*&\s*")  # not a comma: 'the CEO of Nordline, Orla Venn, said' names its holder
_HELD_AT_LIST = re.compile(rf"{_CAPITALISED_RUN.pattern}(?:(?:{_LIST_JOIN.pattern}){_CAPITALISED_RUN.pattern})*")


_OVER_KIND = re.compile(r"\s+of\s+((?:[a-z][a-z-]*\s+)?[a-z][a-z-]*)\b")  # 'director of music videos', no article


def _kind_held_over(text: str, noun_end: int) -> set[str]:
    """The plain words of what the role is held over, when 'of' is followed by a kind of thing and not by a name
    or an article ('a director of music videos', 'director of photography'): they make another role, as 'video
    director' does (`_compound`)."""
    over = _OVER_KIND.match(text, noun_end)
    words = over.group(1).split() if over else []
    return set() if not words or words[0] in _NOT_DESCRIBING else set(words)


def _held_at(text: str, noun_end: int) -> tuple[str, int]:
    """The name right after 'of'/'at' (and an article) following the role noun, and where it ends: 'president of
    FIFA', 'creative director of Assassin's Creed Syndicate'."""
    at = _HELD_AT.match(text, noun_end)
    name = _CAPITALISED_RUN.match(text, at.end()) if at else None
    return (name.group().rstrip(".,"), name.end()) if name else ("", noun_end)


def _holders_before(text: str, phrase_start: int, runs, plural: bool) -> list[str]:
    """The names the role phrase is said of, before it: 'Sepp Blatter, the former president', 'X is the CEO'; for
    a plural role, the names listed ('Jeffrey Webb and Jack Warner - the current and former presidents')."""
    before = [run for run in runs if run.end <= phrase_start]
    if not before or not _BEFORE_HOLDER.fullmatch(text, before[-1].end, phrase_start):
        return []
    holders = [before.pop()]
    while plural and before and re.fullmatch(r"\s*(?:,|and|,\s*and)\s*", text[before[-1].end:holders[-1].start]):
        holders.append(before.pop())
    return [run.text for run in reversed(holders)]


def _holder_after(text: str, noun_end: int, runs) -> list[str]:
    """The name right after the role noun: 'video director Bruce Gowers', 'Google CEO Sundar Pichai'."""
    for run in runs:
        if run.start <= noun_end - 1 < run.end and run.end > noun_end + 1:  # the role word inside a name run
            return [text[noun_end:run.end].strip()]
        if run.start >= noun_end:
            return [run.text] if re.fullmatch(r",?\s*", text[noun_end:run.start]) else []
    return []
