"""A shorter wording keeps the source's meaning: figures, whose they are, and where and when they hold."""

from rag.faithful import meaning_lost
from rag.summarize import checked_shortening
from rag.structure import qualifiers

SOURCE = ("However, within Canada, Orbital dominates with a 36% share of the freight market, outpacing "
          "Nordline (10%) and Maersk (8%).")


def test_dropping_the_place_is_caught():
    assert meaning_lost(SOURCE, "However, Orbital dominates with a 36% share of the freight market.") == \
        ["'Canada' is dropped"]


def test_a_faithful_shortening_passes():
    assert meaning_lost(SOURCE, "Within Canada, Orbital holds a 36% share, ahead of Nordline (10%).") == []


def test_a_figure_given_to_another_owner_is_caught():
    assert meaning_lost(SOURCE, "Within Canada, Nordline holds 36% of the freight market.") == \
        ["36% belongs to Orbital, not to Nordline"]


def test_an_invented_figure_is_caught():
    assert meaning_lost(SOURCE, "In Canada, Orbital holds 41%.") == ["41% is not in the source"]


def test_periods_are_qualifiers_too():
    source = "Globally, Orbital held a 4% share in Q1 2025, trailing Maersk (30%)."
    assert "Q1 2025" in qualifiers(source)
    assert meaning_lost(source, "Orbital held a 4% share, trailing Maersk.") == ["'Q1 2025' is dropped"]
    assert meaning_lost(source, "Orbital's Q1 2025 share was 4%, trailing Maersk.") == []


def test_a_compound_adjective_is_not_an_owner():
    source = "AI-related revenue now accounts for 20% of Orbital's total income, driven by logistics."
    assert meaning_lost(source, "AI revenue is 20% of Orbital's total income.") == []


def test_checked_shortening_keeps_the_quote_when_the_place_is_lost():
    assert checked_shortening(SOURCE, "Orbital dominates with a 36% share of the freight market.") == SOURCE
    shorter = "Within Canada, Orbital holds a 36% share of freight, outpacing Nordline (10%)"
    assert checked_shortening(SOURCE, shorter) == shorter + "."


def test_every_shipped_sentence_keeps_its_own_meaning():
    from conftest import SHIPPED_CORPUS
    from rag.chunk import split_sentences
    from rag.ingest import ingest_corpus

    for document in ingest_corpus(SHIPPED_CORPUS).documents:
        for span in split_sentences(document.text):
            sentence = document.text[span.start:span.end]
            assert meaning_lost(sentence, sentence) == [], sentence


def test_a_figure_given_twice_matches_either_occurrence():
    source = "Sales rose 8 percent in 2023, after 8 percent in 2022, the company said on April 25, 2023."
    assert meaning_lost(source, source) == []
