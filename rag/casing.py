"""A question typed without capitals ('what's google's cut of the cloud market') names things the corpus writes
with them: the corpus's own casing restores the names, so the question is read as if typed with care.

Only a question with no capital past its first letter is recased: a question with capitals already says which
words are names, and the corpus's title-cased table rows ('Total Net Revenue') must not turn its words into names.
Nor is a dictionary word that is never a name (WordNet writes it in lower case in every sense): 'big' stays 'big'
though the corpus writes it only in 'the Big Three'."""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Iterable

from .structure import FUNCTION_WORDS
from .thesaurus import common_word

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&-]*")
# What a capital after these marks says nothing: a sentence, a heading or a list item starts there.
_STARTS = ".!?:;|•·-–—\n"
_OPENERS = " \t\"'“‘(["


def uncased(question: str) -> bool:
    """No capital letter past the first: typed in lower case, as into a search box."""
    return not any(ch.isupper() for ch in question[1:])


def corpus_form(word: str, texts: Iterable[str], share: float, least: int = 2) -> str | None:
    """How the corpus writes `word` inside a sentence, when it is written with a capital nearly always
    ('google' -> 'Google', 'ai' -> 'AI'); None when it is a common word or seen too rarely to tell."""
    pattern = re.compile(rf"(?<![\w&-]){re.escape(word)}(?![\w&-])", re.IGNORECASE)
    forms: Counter[str] = Counter()
    for text in texts:
        for match in pattern.finditer(text):
            before = text[:match.start()].rstrip(_OPENERS)
            if before and before[-1] not in _STARTS:  # mid-sentence: its capital, if any, is its own
                forms[match.group()] += 1
    total = sum(forms.values())
    if total < least:
        return None
    form, count = forms.most_common(1)[0]
    return form if form[:1].isupper() and count >= share * total else None


def truecase(question: str, texts_with: Callable[[str], Iterable[str]], share: float) -> str:
    """The question with each word the corpus capitalises in at least `share` of its mid-sentence uses
    (`Settings.answer.casing_share`) written as the corpus writes it; a question typed with capitals is returned
    as it is."""
    if not uncased(question):
        return question

    def restore(match: re.Match[str]) -> str:
        word = match.group()
        if word.lower() in FUNCTION_WORDS or len(word) < 2 or common_word(word):
            return word  # a dictionary word never used as a name ('big' of 'the Big Three') stays as typed
        return corpus_form(word, texts_with(word), share) or word

    return _WORD.sub(restore, question)
