"""A question word no article uses is matched by a sentence that says it in another word of the same sense."""

from pathlib import Path

from rag.evidence import EvidenceFinder
from rag.indexer import build_index
from rag.lexical import tokenize
from rag.retrieve import Retriever
from rag.settings import Settings
from rag.store import load_index
from rag.thesaurus import (base_forms, common_word, derived_words, only_a_verb, rewordings, said_alike_terms,
                           synonyms, verb_of_saying)


def test_a_word_has_the_words_of_its_commonest_senses_and_those_derived_from_it():
    assert "global" in synonyms("worldwide", 2)
    assert {"dominate", "dominant"} <= synonyms("dominates", 2)  # its base form, and the adjective derived from it
    assert "direct" in synonyms("director", 2)
    assert "worldwide" not in synonyms("worldwide", 2)
    assert synonyms("worldwide", 0) == frozenset()
    assert base_forms("heads") == [("head", "n"), ("head", "v")]
    assert base_forms("qzxv") == []


def test_a_common_word_is_one_wordnet_never_writes_as_a_name():
    assert common_word("big") and common_word("cloud")
    assert not common_word("china")  # also 'China'
    assert not common_word("nordline")  # not listed


def test_only_the_terms_asked_about_are_matched_by_a_synonym():
    question = "What share of the worldwide freight market does Orbital command?"
    sentence = "Orbital holds 30% of the global freight market."
    worldwide = rewordings(question, set(tokenize("worldwide")), 2)
    assert said_alike_terms(worldwide, sentence) == set(tokenize("worldwide"))
    assert said_alike_terms(rewordings(question, set(), 2), sentence) == set()  # no term left to bridge
    assert said_alike_terms(worldwide, "Orbital holds 30% of the regional freight market.") == set()


def _finder(tmp_path: Path, articles: dict[str, str], embedder, senses: int):
    corpus = tmp_path / f"corpus{senses}{len(articles)}"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / f"index{senses}{len(articles)}",
                        cache_dir=tmp_path / "cache")
    build_index(settings, embedder)
    index = load_index(settings.index_dir)
    return EvidenceFinder(index, embedder, senses), Retriever(index, embedder, settings.retrieval)


def _coverage(finder, retriever, question: str, sentence: str) -> float:
    found = finder.find(question, retriever.search(question, k=8))
    return next(e.coverage for e in found if e.text == sentence)


ARTICLE = ("Orbital Freight in numbers\n\nOrbital Freight holds 30% of the global container shipping market. "
           "Nordline carries most of the coastal trade.\n")
QUESTION = "What share of the worldwide container shipping market does Orbital Freight hold?"
SENTENCE = "Orbital Freight holds 30% of the global container shipping market."


def test_a_sentence_saying_a_synonym_of_an_unused_question_word_covers_it(tmp_path, embedder):
    with_synonyms = _coverage(*_finder(tmp_path, {"orbital.txt": ARTICLE}, embedder, 2), QUESTION, SENTENCE)
    without = _coverage(*_finder(tmp_path, {"orbital.txt": ARTICLE}, embedder, 0), QUESTION, SENTENCE)
    assert with_synonyms == 1.0 and without < 0.7  # 'worldwide', used nowhere, weighed the most and was missing


def test_a_question_word_the_corpus_uses_elsewhere_is_not_read_as_its_synonym(tmp_path, embedder):
    """Where an article says 'worldwide', the reader's word is the corpus's own: a sentence saying 'global'
    instead is about something else as far as the words go."""
    articles = {"orbital.txt": ARTICLE, "nordline.txt": "Nordline\n\nNordline runs worldwide ferry routes.\n"}
    with_synonyms = _coverage(*_finder(tmp_path, articles, embedder, 2), QUESTION, SENTENCE)
    without = _coverage(*_finder(tmp_path, articles, embedder, 0), QUESTION, SENTENCE)
    assert with_synonyms == without < 1.0


def test_a_word_in_another_part_of_speech_is_the_same_word():
    assert {"france"} <= derived_words("French", 2) and "president" in derived_words("presidential", 2)
    assert "direct" in derived_words("director", 2)
    assert "global" not in derived_words("worldwide", 2)  # a synonym is not the same word
    question = "Who won the French presidential election?"
    sentence = "Voters in France chose Emmanuel Macron to be their next president."
    reworded = rewordings(question, set(tokenize("French presidential won")), 2, derived_only=True)
    assert said_alike_terms(reworded, sentence) == set(tokenize("French presidential"))


def test_a_question_word_the_corpus_uses_counts_where_a_sentence_says_it_as_another_part_of_speech(tmp_path, embedder):
    articles = {"vote.txt": "The vote\n\nVoters in France chose Emmanuel Macron to be their next president.\n",
                "other.txt": "Campaign\n\nThe French presidential campaign began in spring.\n"}
    question = "Who won the French presidential election?"
    sentence = "Voters in France chose Emmanuel Macron to be their next president."
    with_forms = _coverage(*_finder(tmp_path, articles, embedder, 2), question, sentence)
    without = _coverage(*_finder(tmp_path, articles, embedder, 0), question, sentence)
    assert without == 0.0 < with_forms


def test_without_wordnet_questions_are_matched_in_their_own_words_only(monkeypatch):
    import rag.thesaurus as thesaurus

    monkeypatch.setattr(thesaurus, "_folder", lambda: None)
    assert thesaurus._related("worldwide", 2, same_sense=True) == frozenset()
    assert thesaurus.base_forms("heads") == []


def test_a_word_wordnet_lists_only_as_a_verb_is_only_a_verb():
    assert only_a_verb("grow") and only_a_verb("grew") and only_a_verb("exceeds")  # irregular forms too
    assert not only_a_verb("rise") and not only_a_verb("market") and not only_a_verb("global")  # 'a rise'


def test_a_verb_of_saying_is_one_whose_commonest_sense_is_saying():
    assert all(map(verb_of_saying, ["report", "reported", "disclosed", "mentions", "said", "forecast"]))
    assert not any(map(verb_of_saying, ["give", "grew", "held", "won", "out", "revenue"]))
