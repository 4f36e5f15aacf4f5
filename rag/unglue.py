"""Words a PDF's text extraction glued together ('Totalcurrentassets', 'Netcashprovidedby'), split apart again.

Some filings' pages come out of PDF extraction with the spaces between words lost, often on a whole table: the
row 'Totalcurrentassets | 2019: 13,047' then shares no word with a question about total current assets, and no
model or lexical match can find it. A glued run is split where English word frequencies (`wordsegment`: unigram
and bigram counts of a trillion-word web corpus) make the split far likelier than the run as one word. Only a
page that plainly shows the fault is touched (several runs of 15 letters or more that split into three words or
more, none of them a word in the lists), so a rare word or a brand name in ordinary prose ('Therachon',
'encorafenib') is not cut; a bound prefix
stays on its word ('noncontrolling', not 'non controlling')."""

from __future__ import annotations

import functools
import re

# A capitalised or lower-case run of letters long enough to hold two words.
_RUN = re.compile(r"(?<![A-Za-z])[A-Z]?[a-z]{7,}(?![a-z])")  # 'Issuedandoutstanding' of '...;Issuedandoutstanding265'

# Runs this long are rare in English ('responsibilities' is one): two of them make a page worth a closer look.
_LONG_RUN = re.compile(r"(?<![A-Za-z])[A-Z]?[a-z]{15,}(?![a-z])")
# Prefixes written joined to their word in accounts ('noncontrolling', 'postretirement', 'reinsurance').
_BOUND_PREFIXES = frozenset("non pre post sub re de un multi inter intra anti semi".split())
MIN_GLUED_RUNS = 2  # distinct long runs of 3+ words a page must show before any run on it is split
# Each word of a split must be this common in the web counts (of a trillion words): a drug's name 'Braftovi' is not
# 'braf to vi' ('braf': 24 thousand), while 'extinguishment' (120 thousand) and every accounting word pass.
MIN_WORD_COUNT = 50_000


@functools.lru_cache(maxsize=1)
def _segmenter():
    from wordsegment import Segmenter

    segmenter = Segmenter()
    segmenter.load()  # about 0.5 s, once per process, and only for a page that shows glued runs
    return segmenter


def unglue(text: str) -> str:
    """The text with glued runs split into words, when it shows the fault; otherwise the text as it is."""
    long_runs = set(_LONG_RUN.findall(text))  # checked before the word lists are loaded: most pages stop here
    if len(long_runs) < MIN_GLUED_RUNS or sum(len(_split(run)) >= 3 for run in long_runs) < MIN_GLUED_RUNS:
        return text
    splits = {run: words for run in set(_RUN.findall(text)) if len(words := _split(run)) > 1}
    return _RUN.sub(lambda m: _written(m.group(), splits[m.group()]) if m.group() in splits else m.group(), text)


def _split(run: str) -> list[str]:
    """The words (lower case) of a run that is no word itself, each a common word; one word when it stays whole."""
    return _split_lowered(run.lower())


@functools.lru_cache(maxsize=4096)
def _split_lowered(lowered: str) -> list[str]:
    segmenter = _segmenter()
    if lowered in segmenter.unigrams:
        return [lowered]
    words = segmenter.segment(lowered)
    if not all(segmenter.unigrams.get(w, 0) >= MIN_WORD_COUNT and (len(w) > 1 or w == "a") for w in words):
        return [lowered]
    return _join_prefixes(words)


def _join_prefixes(words: list[str]) -> list[str]:
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] in _BOUND_PREFIXES:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _written(run: str, words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:] if run[:1].isupper() else text
