"""A BM25 index over the chunks, stored as plain arrays (no pickle), for hybrid retrieval."""

from __future__ import annotations

import functools
import re
from array import array
from collections import Counter
from pathlib import Path

import numpy as np

TOKENIZER_VERSION = 19  # bump when tokenize() or what BM25 reads changes (6: title and heading; 7: wrapped lines
# joined at cleaning; 8: period-end dates head table columns; 9: a final silent e dropped; 10: 'first quarter' reads
# as 'Q1'; 11: a table's rows are headed by its caption, not its column labels; 12: codes such as '10-K' hold no
# figure; 13: a date's day is no figure; 14: column heads on one line, '26,268 $' cells;
# 15: 'Note 5', 'page 20' hold no figure; 16: a heading may end in a quoted name; 17: British spellings read as
# American; 18: a final double l is one, 'controlled' meets 'control'; 19: WordNet's irregular verbs): older indexes
# are stale

STOPWORDS = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been being it its this that these "
    "those there their they them he she his her we our you your i me my do does did done have has had what which who "
    "whom whose when where why how than then so such not no nor can could would should will shall may might must "
    "into over under about above after before between through during per vs via also just only more most much many "
    "any some each other own same very next last upon within without among across since until while whether "
    "yet still already".split()
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|%|[^\W\d_]+", re.UNICODE)


_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "ly", "s")
_POSSESSIVE = re.compile(r"['’]s\b")


_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")


# British spellings read as American ones, so 'data centres' meets 'data centers': -tre, -our, -ise/-isation,
# -yse, -mme. Enough letters must come first that 'tour', 'four', 'rise' and 'acre' stay as they are; a word
# changed on both sides alike ('enterprise' -> 'enterprize') still meets itself.
_BRITISH = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"(?<=[a-z]{2})tre(s|d)?$", r"ter\1"),  # centre, metres
    (r"(?<=[a-z]{3})our(s|ed|ing|ite|ites|able)?$", r"or\1"),  # colour, favourite
    (r"(?<=[a-z]{4})is(e|es|ed|ing|ation|ations)$", r"iz\1"),  # organisation, realised
    (r"(?<=[a-z]{3})ys(e|es|ed|ing)$", r"yz\1"),  # analyse
    (r"(?<=[a-z]{4})mme(s)?$", r"m\1")))  # programme


def american(word: str) -> str:
    """'centres' -> 'centers', 'colour' -> 'color', 'organisation' -> 'organization', 'analyse' -> 'analyze',
    'programme' -> 'program'."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


def stem(word: str) -> str:
    """A light suffix stripper: invest, investing, invested, investment and investments meet; won meets win and
    driven drive (WordNet's irregular verbs); a final silent e goes, so release, released and releasing meet too;
    a final double l is one, so control and controlled meet as call and called do."""
    return _single_final_l(_without_final_e(_irregular_verbs().get(word) or _strip_suffix(word)))


@functools.lru_cache(maxsize=1)
def _irregular_verbs() -> dict[str, str]:
    """Inflections no suffix rule undoes, with their base forms ('won' -> 'win', 'driven' -> 'drive'): WordNet's."""
    from .thesaurus import irregular_verbs  # the thesaurus reads tokenize: imported when first needed
    return irregular_verbs()


def _single_final_l(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("ll") else word


def _strip_suffix(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                return base[:-1]  # committing -> commit, planned -> plan
            return base
    return word


def _without_final_e(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("e") and not word.endswith("ee") else word


_ORDINALS = {"first": "1", "1st": "1", "second": "2", "2nd": "2", "third": "3", "3rd": "3", "fourth": "4", "4th": "4"}
_SPELLED_PERIOD = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th)[\s-]+(quarter|half)\b"
                             r"(?:\s+of\s+((?:19|20)\d\d)\b)?", re.IGNORECASE)


def canonical_periods(text: str) -> str:
    """Periods spelled out in words, written as filings abbreviate them: 'the first quarter of 2026' -> 'the Q1
    2026', 'second half' -> 'H2' (so either wording meets the other in search, coverage and name checks: 'Q1 2026'
    is one period, as a source writes it)."""
    def abbreviate(match: re.Match) -> str:
        number = _ORDINALS[match.group(1).lower()]
        quarter = match.group(2).lower() == "quarter"
        if not quarter and number not in "12":
            return match.group()
        return f"{'Q' if quarter else 'H'}{number}" + (f" {match.group(3)}" if match.group(3) else "")

    return _SPELLED_PERIOD.sub(abbreviate, text)


def tokenize(text: str) -> list[str]:
    """Lower-case stemmed word and number tokens, stop words dropped; % reads as 'percent'; periods spelled out
    in words read as their abbreviations ('first quarter' as 'Q1')."""
    tokens = []
    text = canonical_periods(_ACRONYM.sub(lambda m: m.group().replace(".", ""), text))  # U.S. -> US
    for token in _TOKEN.findall(_POSSESSIVE.sub("", text.lower())):
        if token == "%":
            token = "percent"
        elif token in STOPWORDS:
            continue
        elif token.isalpha():
            token = stem(american(token))
        tokens.append(token.replace(",", ""))
    return tokens


def holds_phrase(tokens: list[str] | tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Do the tokens hold the phrase's tokens side by side ('capital', 'expenditure')?"""
    size = len(phrase)
    return size > 0 and any(tuple(tokens[i:i + size]) == phrase for i in range(len(tokens) - size + 1))


_ACRONYM_TOKEN = re.compile(r"\b([A-Z][A-Z&]{1,7})s?\b")  # CAGR, PP&E, R&D, ETFs
_PHRASE_WORD = re.compile(r"[A-Za-z]+")
_SKIPPED_IN_ACRONYMS = frozenset({"and", "of", "the", "for"})


def acronym_terms(question: str, text: str) -> set[str]:
    """Question terms the text states in the other form: 'compound annual growth rate' where the text says
    CAGR, or 'CAGR' where it spells it out. Initials skip 'and', 'of', 'the', 'for' (PP&E, R&D, EPS)."""
    return _spelled_out(question, text, question_spells=True) | _spelled_out(text, question, question_spells=False)


def _spelled_out(long_text: str, short_text: str, question_spells: bool) -> set[str]:
    """Terms of the phrases in long_text whose initials are an acronym of short_text (the question's side of
    the match, tokenized)."""
    acronyms = {re.sub(r"[^a-z]", "", a.lower()): a for a in _ACRONYM_TOKEN.findall(short_text)}
    acronyms = {letters: a for letters, a in acronyms.items() if len(letters) >= 3}  # two letters match by chance
    found: set[str] = set()
    words = _PHRASE_WORD.findall(long_text)
    for start in range(len(words) if acronyms else 0):
        initials, phrase = "", []
        for word in words[start:start + 8]:
            phrase.append(word)
            if word.lower() in _SKIPPED_IN_ACRONYMS:
                continue
            initials += word[0].lower()
            if len(phrase) < 2:
                continue
            for letters, acronym in acronyms.items():
                if _abbreviates(letters, initials):
                    found |= set(tokenize(" ".join(phrase) if question_spells else acronym))
    return found


def _abbreviates(letters: str, initials: str) -> bool:
    """The acronym's letters are the phrase's initials, or, for three initials or more, all but one end letter
    ('annual growth rate' ~ CAGR) or all but one inner letter ('compound annual rate' ~ CAGR). Two initials match
    a three-letter acronym by chance as often as a two-letter one ('cloud employees' ~ CEO); the glossary gives
    the titles and items written both ways ('chief executive' ~ CEO)."""
    one_short = len(initials) >= 3 and len(initials) == len(letters) - 1
    inner = len(initials) >= 3 and any(letters[:i] + letters[i + 1:] == initials for i in range(1, len(letters) - 1))
    return initials == letters or (one_short and (letters.startswith(initials) or letters.endswith(initials) or inner))


K1, B = 1.2, 0.75  # Okapi BM25's term-frequency saturation and length normalisation
COMMON_TERM_POSTINGS = 10_000  # terms in more chunks are scored only where rarer ones match
INTERSECT_ABOVE_POSTINGS = 50_000  # with only common terms, the rarest one this common must pair with another
LEXICAL_PARTS = ("terms", "idf", "indptr", "rows", "weights", "doc_len")


def unseen_idf(chunks: int) -> float:
    """The idf of a term none of an index's chunks contains, log(1 + (N + 0.5) / 0.5): more than any indexed term's."""
    return float(np.log(1.0 + (chunks + 0.5) / 0.5))


class BM25Index:
    """Okapi BM25 stored column-wise: for each term, the rows (chunks) that hold it in ascending order and the
    term's precomputed BM25 weight in each, so a query adds up a few columns. The arrays are saved as plain
    .npy files and memory-mapped on load: a million-chunk index opens at once and a query reads only the
    columns of its own terms."""

    def __init__(self, terms: np.ndarray, idf: np.ndarray, indptr: np.ndarray, rows: np.ndarray,
                 weights: np.ndarray, doc_len: np.ndarray) -> None:
        self.terms, self.idf, self.doc_len = terms, idf, doc_len
        self.indptr, self.rows, self.weights = indptr, rows, weights
        self.vocab = {str(term): column for column, term in enumerate(terms)}

    @classmethod
    def build(cls, texts: list[str], k1: float = K1, b: float = B) -> "BM25Index":
        vocab: dict[str, int] = {}
        rows, cols, tf = array("i"), array("i"), array("f")
        doc_len = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            counts = Counter(tokenize(text))
            doc_len[row] = sum(counts.values())
            for term, count in counts.items():
                rows.append(row)
                cols.append(vocab.setdefault(term, len(vocab)))
                tf.append(count)
        rows_, cols_, tf_ = (np.frombuffer(a, dtype=d) for a, d in ((rows, np.int32), (cols, np.int32), (tf, np.float32)))
        n_docs = len(texts)
        df = np.bincount(cols_, minlength=len(vocab))
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = float(doc_len.mean()) if n_docs else 0.0
        norm = k1 * (1 - b + b * doc_len[rows_] / max(avg, 1e-9))
        weights = (tf_ * (k1 + 1) / (tf_ + norm) * idf[cols_]).astype(np.float32)
        by_term = np.argsort(cols_, kind="stable")  # rows stay ascending within each term
        indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        terms = np.array(list(vocab), dtype=str) if vocab else np.zeros(0, dtype="<U1")
        return cls(terms, idf, indptr, rows_[by_term].copy(), weights[by_term], doc_len)

    @property
    def unseen_idf(self) -> float:
        """The weight of a term no chunk contains: rarer than anything indexed."""
        return unseen_idf(len(self.doc_len))

    def term_idf(self, term: str, default: float | None = None) -> float:
        column = self.vocab.get(term)
        if column is None:
            return self.unseen_idf if default is None else default
        return float(self.idf[column])

    def search(self, query: str, top: int) -> list[tuple[int, float]]:
        """(row, score) of the best-scoring chunks; rows with no query term are left out.

        In a large index a term found in more than COMMON_TERM_POSTINGS chunks ('said', 'rose' over a million
        chunks) is scored only on the rows the query's rarer terms match, as Lucene's common-terms query does:
        summing its long column would dominate the time while adding little to any ranking. When every term is
        that common, the rows must hold the rarest one, and when even that one is in more than
        INTERSECT_ABOVE_POSTINGS chunks, the next rarest too (unless too few rows hold both).
        A term found in more than half of the chunks, which the original Robertson-Sparck Jones idf counts as
        no evidence, is then left out. Below that size every term is scored on every row."""
        columns = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not columns or not len(self.doc_len):
            return []
        matched, scores, common = self._candidates(columns, top)
        scores = self._add_common(matched, scores, common)
        top = min(top, len(matched))
        if top == 0:
            return []
        bar = np.partition(-scores, top - 1)[top - 1]  # the top-th best score; rows tying with it all compete
        best = np.flatnonzero(-scores <= bar)
        best = best[np.lexsort((matched[best], -scores[best]))][:top]  # equal scores: the earlier chunk first
        return [(int(matched[i]), float(scores[i])) for i in best]

    def _add_common(self, matched: np.ndarray, scores: np.ndarray, common: list[int]) -> np.ndarray:
        """Scores of the matched rows with the common terms' weights added: by a binary search per row for a
        few rows, by one pass over each term's column when the rows are many."""
        if len(matched) * 32 < len(self.doc_len):
            for column in common:
                present, weights = self._lookup(column, matched)
                scores[present] += weights
            return scores
        dense, held = np.zeros(len(self.doc_len), dtype=np.float32), np.zeros(len(self.doc_len), dtype=bool)
        dense[matched], held[matched] = scores, True
        for column in common:
            rows, weights = self._column(column)
            keep = held[rows]
            dense[rows[keep]] += weights[keep]
        return dense[matched]

    def _candidates(self, columns: list[int], top: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Rows worth scoring with their scores so far, and the common terms still to add on those rows."""
        postings = {c: int(self.indptr[c + 1] - self.indptr[c]) for c in columns}
        rare = [c for c in columns if postings[c] <= COMMON_TERM_POSTINGS]
        common = sorted((c for c in columns if c not in rare and postings[c] <= len(self.doc_len) // 2), key=postings.get)
        if rare:
            return *self._add_columns(rare), common
        driver = min(columns, key=postings.get)
        common = [c for c in common if c != driver]
        matched, scores = self._add_columns([driver])
        if common and postings[driver] > INTERSECT_ABOVE_POSTINGS:
            both, weights = self._lookup(common[0], matched)
            if both.sum() >= top:
                return matched[both], scores[both] + weights, common[1:]
        return matched, scores, common

    def _add_columns(self, columns: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding any of the terms (ascending) and their summed weights. Few postings are merged
        sparsely; many are added into a dense score array (sorting them would cost more)."""
        parts = [self._column(column) for column in columns]
        if len(parts) == 1:
            return np.asarray(parts[0][0]), np.array(parts[0][1], dtype=np.float32)
        postings = sum(len(rows) for rows, _ in parts)
        if postings * 8 < len(self.doc_len):
            rows = np.concatenate([rows for rows, _ in parts])
            matched, slot = np.unique(rows, return_inverse=True)
            weights = np.concatenate([weights for _, weights in parts])
            return matched, np.bincount(slot, weights=weights, minlength=len(matched)).astype(np.float32)
        dense = np.zeros(len(self.doc_len), dtype=np.float32)
        for rows, weights in parts:
            dense[rows] += weights
        matched = np.flatnonzero(dense)
        return matched, dense[matched]

    def _lookup(self, column: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of the (ascending) rows hold the term, and the term's weight in each of those: by binary search
        for a few rows, through a dense array of the term's weights for many (every BM25 weight is > 0)."""
        held, weights = self._column(column)
        if len(rows) * 32 >= len(self.doc_len):
            dense = np.zeros(len(self.doc_len), dtype=np.float32)
            dense[held] = weights
            found = dense[rows]
            present = found > 0
            return present, found[present]
        where = np.minimum(np.searchsorted(held, rows), len(held) - 1)
        present = held[where] == rows
        return present, weights[where[present]]

    def _column(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding the term (ascending) and its BM25 weight in each."""
        start, stop = int(self.indptr[column]), int(self.indptr[column + 1])
        return self.rows[start:stop], self.weights[start:stop]

    def save(self, folder: Path) -> list[str]:
        """Write one .npy file per array into folder; return their names."""
        arrays = {"terms": self.terms, "idf": self.idf, "indptr": self.indptr, "rows": self.rows,
                  "weights": self.weights, "doc_len": self.doc_len}
        for part in LEXICAL_PARTS:
            with open(Path(folder) / f"lexical.{part}.npy", "wb") as handle:
                np.save(handle, np.asarray(arrays[part]), allow_pickle=False)
        return [f"lexical.{part}.npy" for part in LEXICAL_PARTS]

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        """Open the arrays memory-mapped (the large ones are read only where a query looks)."""
        parts = {part: np.load(Path(folder) / f"lexical.{part}.npy", mmap_mode="r", allow_pickle=False)
                 for part in LEXICAL_PARTS}
        if not (len(parts["terms"]) == len(parts["idf"]) == len(parts["indptr"]) - 1
                and len(parts["rows"]) == len(parts["weights"]) == int(parts["indptr"][-1])):
            raise ValueError("lexical arrays disagree")
        return cls(np.asarray(parts["terms"]), np.asarray(parts["idf"]), parts["indptr"], parts["rows"],
                   parts["weights"], np.asarray(parts["doc_len"]))
