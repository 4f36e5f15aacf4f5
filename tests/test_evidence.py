"""How a source sentence is scored against the question."""

from rag.evidence import titled_subjects
from rag.lexical import tokenize
from rag.query import parse_query


def test_a_subject_its_document_title_names_is_covered_in_every_sentence_of_it():
    """Every row of 'Orbital 2022 10-K, page 30' is Orbital's: a row that repeats the name ('Total Orbital
    stockholders equity') must not outweigh the asked 'Total revenue' for it."""
    query = parse_query("What was Orbital Corporation's total revenue in FY2022?")
    assert titled_subjects(query.subjects, "Orbital Corporation 2022 10-K, page 30") == set(tokenize("Orbital Corporation"))
    assert titled_subjects(query.subjects, "Nordline 2022 10-K, page 30") == set()
