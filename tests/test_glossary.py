"""A line item asked for in one standard wording is found and covered where a filing prints another."""

from rag.evidence import EvidenceFinder
from rag.glossary import equivalent_terms, other_wordings
from rag.lexical import tokenize
from rag.query import parse_query


def test_a_question_searches_for_the_other_wordings_of_its_line_item():
    query = parse_query("What was Orbital's capital expenditure in FY2019?")
    assert "purchases of property, plant and equipment" in query.wordings
    assert "capital expenditure" not in query.wordings  # its own wording is already asked
    assert "purchases of property, plant and equipment" in query.search_text
    assert query.ask == "What was Orbital's capital expenditure in FY2019?"  # the ask itself is untouched
    assert parse_query("How many depots does Orbital run?").wordings == ()
    assert other_wordings("What were the net sales in 2020?")[:1] == ("revenue",)


def test_a_sentence_stating_another_wording_covers_the_question_words_for_it():
    asked = "What was Orbital's capital expenditure in FY2019?"
    row = "Purchases of property, plant and equipment | 2019: (1,204) | 2018: (1,100)"
    assert equivalent_terms(asked, row) == {"capital", "expenditur"}
    assert equivalent_terms(asked, "Orbital's capital expenditure rose.") == set()  # the same wording: words match
    assert equivalent_terms(asked, "Proceeds from the sale of equipment | 2019: 14") == set()
    assert equivalent_terms("What was Orbital's revenue in 2019?", "Net sales | 2019: 8,120") == {"revenu"}


def test_coverage_counts_the_equivalent_wording():
    class Terms:
        def term_idf(self, term: str) -> float:
            return 1.0

    finder = EvidenceFinder(Terms(), embedder=None)
    query = parse_query("What was Orbital's capital expenditure in FY2019?")
    row = "Purchases of property, plant and equipment | 2019: (1,204)"
    plain = finder.coverage(list(query.terms), row)
    credited = finder.coverage(list(query.terms), row, also=equivalent_terms(query.ask, row))
    assert credited > plain and {"capital", "expenditur"} <= set(query.terms)
    assert set(tokenize(row)).isdisjoint({"capital", "expenditur"})

