"""A BM25 index over the chunks, stored as plain arrays (no pickle), for hybrid retrieval."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

TOKENIZER_VERSION = 5  # bump when tokenize() changes: indexes built before are stale

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


_IRREGULAR = {"won": "win", "grew": "grow", "grown": "grow", "rose": "rise", "risen": "rise", "fell": "fall",
              "fallen": "fall", "paid": "pay", "sold": "sell", "bought": "buy", "made": "make", "held": "hold",
              "led": "lead", "began": "begin", "begun": "begin", "spent": "spend", "took": "take", "taken": "take",
              "gave": "give", "given": "give", "became": "become", "built": "build", "hit": "hit"}
_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")


def stem(word: str) -> str:
    """A light suffix stripper: invest, investing, invested, investment and investments meet; won meets win."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                return base[:-1]  # committing -> commit, planned -> plan
            return base
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case stemmed word and number tokens, stop words dropped; % reads as 'percent'."""
    tokens = []
    text = _ACRONYM.sub(lambda m: m.group().replace(".", ""), text)  # U.S. -> US
    for token in _TOKEN.findall(_POSSESSIVE.sub("", text.lower())):
        if token == "%":
            token = "percent"
        elif token in STOPWORDS:
            continue
        elif token.isalpha():
            token = stem(token)
        tokens.append(token.replace(",", ""))
    return tokens


class BM25Index:
    """Okapi BM25 with a sparse term-document matrix."""

    def __init__(self, vocab: dict[str, int], rows: np.ndarray, cols: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray, k1: float = 1.2, b: float = 0.75) -> None:
        self.vocab, self.k1, self.b = vocab, k1, b
        self.rows, self.cols, self.tf, self.doc_len = rows, cols, tf, doc_len
        self._prepare()

    @classmethod
    def build(cls, texts: list[str]) -> "BM25Index":
        vocab: dict[str, int] = {}
        rows, cols, tf = [], [], []
        doc_len = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            counts = Counter(tokenize(text))
            doc_len[row] = sum(counts.values())
            for term, count in counts.items():
                rows.append(row)
                cols.append(vocab.setdefault(term, len(vocab)))
                tf.append(count)
        return cls(vocab, np.array(rows, np.int64), np.array(cols, np.int64), np.array(tf, np.float32), doc_len)

    def _prepare(self) -> None:
        from scipy.sparse import csc_matrix

        n_docs = len(self.doc_len)
        avg = float(self.doc_len.mean()) if n_docs else 0.0
        df = np.bincount(self.cols, minlength=len(self.vocab)).astype(np.float32)
        self.idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.doc_len[self.rows] / max(avg, 1e-9))
        weights = self.tf * (self.k1 + 1) / (self.tf + norm) * self.idf[self.cols]
        self.matrix = csc_matrix((weights, (self.rows, self.cols)), shape=(n_docs, max(len(self.vocab), 1)))

    @property
    def unseen_idf(self) -> float:
        """The weight of a term no chunk contains: rarer than anything indexed."""
        return float(np.log(1.0 + (len(self.doc_len) + 0.5) / 0.5))

    def term_idf(self, term: str, default: float | None = None) -> float:
        column = self.vocab.get(term)
        if column is None:
            return self.unseen_idf if default is None else default
        return float(self.idf[column])

    def search(self, query: str, top: int) -> list[tuple[int, float]]:
        """(row, score) of the best-scoring chunks; rows with no query term are left out."""
        columns = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not columns or not len(self.doc_len):
            return []
        scores = np.asarray(self.matrix[:, columns].sum(axis=1)).ravel()
        top = min(top, int((scores > 0).sum()))
        if top == 0:
            return []
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.argsort(-scores[best])]
        return [(int(row), float(scores[row])) for row in best]

    def save(self, path: Path) -> None:
        terms = np.array(sorted(self.vocab, key=self.vocab.get), dtype=object).astype(str)
        with open(path, "wb") as handle:
            np.savez(handle, terms=terms, rows=self.rows, cols=self.cols, tf=self.tf, doc_len=self.doc_len)

    @classmethod
    def load(cls, path: Path) -> "BM25Index":
        with np.load(path, allow_pickle=False) as data:
            vocab = {str(term): i for i, term in enumerate(data["terms"])}
            return cls(vocab, data["rows"], data["cols"], data["tf"], data["doc_len"])
