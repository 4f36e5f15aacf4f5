"""How a source sentence is scored against the question."""

from rag.evidence import EvidenceFinder, titled_subjects
from rag.indexer import build_index
from rag.lexical import tokenize
from rag.query import parse_query
from rag.retrieve import Retriever
from rag.store import load_index


def test_a_subject_its_document_title_names_is_covered_in_every_sentence_of_it():
    """Every row of 'Orbital 2022 10-K, page 30' is Orbital's: a row that repeats the name ('Total Orbital
    stockholders equity') must not outweigh the asked 'Total revenue' for it."""
    query = parse_query("What was Orbital Corporation's total revenue in FY2022?")
    assert titled_subjects(query.subjects, "Orbital Corporation 2022 10-K, page 30") == set(tokenize("Orbital Corporation"))
    assert titled_subjects(query.subjects, "Nordline 2022 10-K, page 30") == set()
    # an abbreviation of the title's name is the same company ('JnJ' of 'Johnson & Johnson')
    assert titled_subjects(("VdK",), "Van der Kestrel 2022 10-K, page 28") == set(tokenize("VdK"))


def test_a_sentence_naming_no_subject_is_read_under_the_sentence_it_follows(settings, embedder):
    """'This represents increases of 3.0% in 2022' says what grew only in the sentence before it: the question's
    words that sentence says count (as a heading's do) towards its coverage."""
    (settings.corpus_dir / "sales.txt").write_text(
        "Helix Annual Report\n\nIn 2022, sales by domestic companies were $48.6 billion. This represents increases "
        "of 3.0% in 2022.\nIn 2022, port fees paid by the group were $2.1 billion. This represents increases of 4.0% "
        "in 2022.\n", encoding="utf-8")
    build_index(settings, embedder)
    index = load_index(settings.index_dir)
    query = parse_query("What was Helix's domestic sales increase in 2022?")
    hits = Retriever(index, embedder, settings.retrieval).search(query.ask)
    found = EvidenceFinder(index, embedder).find(query, hits)
    [after_sales] = [e for e in found if e.text.startswith("This represents increases of 3.0%")]
    [after_fees] = [e for e in found if e.text.startswith("This represents increases of 4.0%")]
    assert after_sales.coverage > after_fees.coverage  # 'domestic' and 'sales' are said before it
