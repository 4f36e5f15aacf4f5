"""BM25 stored column-wise: exact scores on small indexes, the common-terms shortcut on large ones."""

import numpy as np
import pytest

from rag import lexical
from rag.lexical import BM25Index, tokenize

TEXTS = [
    "Orbital said cloud revenue rose 12% in 2023.",
    "Nordline said chip sales rose 4% in 2021.",
    "Orbital said chip sales fell in 2023.",
    "Helix said fleet size rose.",
    "Orbital opened a plant in Ohio.",
] * 8


def brute_force_scores(index: BM25Index, query: str, max_postings: int | None = None) -> np.ndarray:
    """BM25 of every row, summing the full column of every query term (held by at most max_postings rows)."""
    scores = np.zeros(len(index.doc_len), dtype=np.float32)
    for column in {index.vocab[t] for t in tokenize(query) if t in index.vocab}:
        start, stop = index.indptr[column], index.indptr[column + 1]
        if max_postings is None or stop - start <= max_postings:
            scores[index.rows[start:stop]] += index.weights[start:stop]
    return scores


def test_small_index_scores_every_term_on_every_row():
    index = BM25Index.build(TEXTS)
    query = "Which Orbital chip sales rose in 2023?"
    expected = brute_force_scores(index, query)
    found = index.search(query, 10)
    assert [round(s, 5) for _, s in found] == [round(float(s), 5) for s in sorted(expected, reverse=True)[:10]]
    assert all(abs(expected[row] - score) < 1e-5 for row, score in found)


def test_saved_index_opens_memory_mapped_and_answers_the_same(tmp_path):
    index = BM25Index.build(TEXTS)
    index.save(tmp_path)
    opened = BM25Index.load(tmp_path)
    assert isinstance(opened.weights, np.memmap)
    assert opened.search("Ohio plant", 3) == index.search("Ohio plant", 3)
    assert opened.term_idf("ohio") == index.term_idf("ohio")


def test_common_terms_are_scored_only_where_rarer_terms_match(monkeypatch):
    index = BM25Index.build(TEXTS)
    monkeypatch.setattr(lexical, "COMMON_TERM_POSTINGS", 10)  # 'said', 'orbital', 'rise', 2023 are common here
    query = "Did Orbital say its cloud revenue rose in 2023?"
    expected = brute_force_scores(index, query, max_postings=len(TEXTS) // 2)  # 'said', 'orbital', 'rise' carry none
    found = index.search(query, 5)
    cloud_rows = {row for row, text in enumerate(TEXTS) if "cloud" in text}
    assert {row for row, _ in found} <= cloud_rows  # only rows holding the rare terms
    assert all(abs(expected[row] - score) < 1e-5 for row, score in found)  # with their full scores


@pytest.mark.parametrize("filler", [0, 400])  # few candidates among many rows: binary search; else one pass
def test_common_terms_add_the_same_weights_either_way(monkeypatch, filler):
    texts = TEXTS + ["Quanta said nothing new."] * filler
    index = BM25Index.build(texts)
    monkeypatch.setattr(lexical, "COMMON_TERM_POSTINGS", 10)
    query = "Did Orbital say its cloud revenue rose in 2023?"
    expected = brute_force_scores(index, query, max_postings=len(texts) // 2)
    found = index.search(query, 8)
    assert len(found) == 8 and all(abs(expected[row] - score) < 1e-5 for row, score in found)


PAIRS = ["alpha beta"] * 3 + ["alpha gamma"] * 3 + ["beta gamma"] * 4 + ["delta"] * 10  # alpha: 6 rows, beta: 7


def test_when_every_term_is_common_rows_must_hold_the_rarest(monkeypatch):
    index = BM25Index.build(PAIRS)
    monkeypatch.setattr(lexical, "COMMON_TERM_POSTINGS", 2)
    found = index.search("alpha beta", 3)
    assert len(found) == 3 and all("alpha" in PAIRS[row] for row, _ in found)
    assert sorted(PAIRS[row] for row, _ in index.search("alpha beta", 10)).count("alpha gamma") == 3


@pytest.mark.parametrize("filler", [0, 400])  # the second term looked up through a dense array, or by binary search
def test_when_even_the_rarest_term_is_very_common_rows_must_hold_the_two_rarest(monkeypatch, filler):
    texts = PAIRS + ["delta"] * filler
    index = BM25Index.build(texts)
    monkeypatch.setattr(lexical, "COMMON_TERM_POSTINGS", 2)
    monkeypatch.setattr(lexical, "INTERSECT_ABOVE_POSTINGS", 5)
    found = index.search("alpha beta", 3)
    assert {texts[row] for row, _ in found} == {"alpha beta"}
    expected = brute_force_scores(index, "alpha beta")
    assert all(abs(expected[row] - score) < 1e-5 for row, score in found)
    fewer = {texts[row] for row, _ in index.search("alpha beta", 4)}  # too few rows hold both: the rarest term's rows
    assert fewer == {"alpha beta", "alpha gamma"}


@pytest.mark.parametrize("query", ["", "the of and", "zebra"])
def test_queries_without_indexed_terms_find_nothing(query):
    assert BM25Index.build(TEXTS).search(query, 5) == []


def test_word_forms_meet_in_one_stem():
    from rag.lexical import tokenize

    for forms in ("release released releases releasing", "rise rises rising rose", "invest invested investment",
                  "commit committing committed", "win won wins", "control controlled controls", "call called calls",
                  "drive driven drove", "write written wrote"):
        assert len(set(tokenize(forms))) == 1, forms
    assert len(set(tokenize("free agree"))) == 2 and tokenize("revenue") != tokenize("revenues rose")


def test_periods_spelled_out_meet_their_abbreviations():
    from rag.lexical import canonical_periods, tokenize
    from rag.query import parse_query
    from rag.structure import mentions, name_words

    assert canonical_periods("in the first quarter of 2026 and the second half") == "in the Q1 2026 and the H2"
    assert tokenize("Helix grew 9% in the third-quarter of 2025") == tokenize("Helix grew 9% in Q3 of 2025")
    asked = parse_query("How fast did Helix grow in the fourth quarter of 2025?")
    assert "Q4 2025" in asked.qualifiers and "quarter" not in asked.terms  # one period, as a source writes it
    assert mentions("Q4", name_words("Helix grew 9% in the fourth quarter.")) and not mentions("Q4", name_words("in Q3"))


def test_acronyms_match_their_spelled_out_forms_both_ways():
    from rag.lexical import acronym_terms, tokenize

    assert acronym_terms("At what compound annual growth rate will it grow?", "It grows at a 28.5% CAGR.") == \
        set(tokenize("compound annual growth rate"))
    assert acronym_terms("What CAGR is expected?", "at a compound annual growth rate of 9%") == {"cagr"}
    assert acronym_terms("What were purchases of property, plant and equipment?", "Purchases of PP&E | (1,577)") \
        >= {"property", "plant", "equip"}
    assert acronym_terms("What is the annual income?", "AI revenue rose") == set()  # two letters: chance
    assert acronym_terms("Who is the chief executive?", "said CEO Eddie Wu") == set()  # two letters of three:
    assert acronym_terms("How many cloud employees?", "said CEO Eddie Wu") == set()  # chance (the glossary has CEO)
    assert acronym_terms("What annual growth rate is expected?", "a 29.1% CAGR") == set(tokenize("annual growth rate"))
    assert acronym_terms("What is the growth rate?", "a 29.1% CAGR") == set()  # two letters of four: no
    assert acronym_terms("At what compound annual rate will it grow?", "a 29.1% CAGR") == \
        set(tokenize("compound annual rate"))  # an inner letter left out of three or more
    assert acronym_terms("What is the cost of goods?", "the COGS line") == set()  # 'cost goods': two letters
    assert acronym_terms("What share does Alibaba hold in China?", "Alibaba Cloud holds 36% in China.") == set()


def test_equal_scores_rank_the_earlier_chunk_first():
    index = BM25Index.build(["apple pie", "banana", "apple tart", "apple cake", "cherry"])
    assert [row for row, _ in index.search("apple", 2)] == [0, 2]  # three rows tie: the first two by position
    assert [row for row, _ in index.search("apple banana", 3)] == [1, 0, 2]


def test_british_spellings_meet_american_ones():
    from rag.lexical import tokenize

    assert tokenize("data centres, colour, organisation, analysed, programme") == \
        tokenize("data centers, color, organization, analyzed, program")
    assert tokenize("tour four hour rise acre") == ["tour", "four", "hour", "ris", "acr"]  # short words stay
