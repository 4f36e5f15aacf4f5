"""A question typed without capitals is read with the corpus's own casing of its names."""

from rag.casing import corpus_form, truecase, uncased
from rag.settings import AnswerSettings

SHARE = AnswerSettings().casing_share

TEXTS = {
    "nordline": ["Shipping rivals trail Nordline by far. Analysts expect Nordline to grow.", "Last year Nordline won."],
    "freight": ["Kestrel Freight leads, and freight volumes rose; freight rates fell.", "Ocean freight grew."],
    "ai": ["Spending on AI rose. The AI unit grew.", "Both bet on AI tools."],
    "lumen": ["Lumen led in 2021."],  # capitalised only where a sentence starts: nothing to learn
    "big": ["Rivals of the Big Three grew.", "Orbital trails the Big Three."],  # a dictionary word inside a name
}


def texts_with(word):
    return TEXTS.get(word.lower(), [])


def test_a_word_the_corpus_always_capitalises_mid_sentence_is_written_so():
    assert corpus_form("nordline", TEXTS["nordline"], SHARE) == "Nordline"
    assert corpus_form("ai", TEXTS["ai"], SHARE) == "AI"


def test_a_common_word_or_one_seen_only_where_sentences_start_keeps_its_case():
    assert corpus_form("freight", TEXTS["freight"], SHARE) is None  # 'Kestrel Freight' beside plain 'freight'
    assert corpus_form("lumen", TEXTS["lumen"], SHARE) is None
    assert corpus_form("unknown", [], SHARE) is None


def test_an_uncased_question_is_recased_and_a_cased_one_left_alone():
    assert truecase("what is nordline's freight share in ai?", texts_with, SHARE) == \
        "what is Nordline's freight share in AI?"
    assert truecase("What is nordline's share?", texts_with, SHARE) == "What is Nordline's share?"  # a capital only first
    cased = "What is nordline's share of Kestrel Freight?"  # capitals already say which words are names
    assert truecase(cased, texts_with, SHARE) == cased
    assert uncased("how big is it") and not uncased("how big is Orbital")
    assert truecase("how big is nordline?", texts_with, SHARE) == "how big is Nordline?"  # 'big' is a word, not a name
