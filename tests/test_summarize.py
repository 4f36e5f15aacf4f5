"""Summaries: cited sentences, checked figures, key figures, disagreements, long articles."""

import pytest

from rag.embed import MiniLMEmbedder
from rag.errors import InputError
from rag.figures import find_figures, same_figure
from rag.indexer import build_index
from rag.store import load_index
from rag.settings import SummarySettings
from rag.summarize import Summarizer

from conftest import FakeGenerator


SHORT = SummarySettings(target_words=8)  # the made-up articles' sentences are short: shorten those over 8 words


def summarizer_for(settings, embedder, generator=None, summary_settings=SHORT):
    build_index(settings, embedder)
    return Summarizer(load_index(settings.index_dir), embedder, generator, summary_settings)


def assert_grounded(summary, index):
    assert summary.summary
    for sentence in summary.summary:
        assert sentence.citations
        quotes = []
        for c in sentence.citations:
            assert index.documents[c.doc_id].text[c.start:c.end] == c.quote
            quotes.append(c.quote)
        for figure in find_figures(sentence.text):
            assert any(same_figure(figure, f) for q in quotes for f in find_figures(q)), sentence.text


def test_made_up_article_summary_is_cited_and_holds_its_figures(settings, embedder):
    summarizer = summarizer_for(settings, embedder)
    summary = summarizer.document("orbital")
    assert_grounded(summary, summarizer.index)
    figures = {k.figure for k in summary.key_figures}
    assert {"12%", "$1.5 billion", "17%", "23%"} <= figures
    for row in summary.key_figures:
        assert row.figure in row.citation.quote and row.measures


def test_a_shortened_sentence_with_an_invented_figure_is_replaced_by_the_quote(settings, embedder):
    liar = FakeGenerator(lambda messages: "Orbital raised rates by 45% and shipped 9 million containers.")
    summarizer = summarizer_for(settings, embedder, liar)
    summary = summarizer.document("Orbital Freight Raises")
    assert liar.prompts, "the model was asked to shorten long sentences"
    assert "45%" not in " ".join(s.text for s in summary.summary)
    assert_grounded(summary, summarizer.index)


def test_faithful_shortening_is_kept(settings, embedder):
    honest = FakeGenerator(lambda messages: "Orbital will raise container rates by 12% from March.")
    summarizer = summarizer_for(settings, embedder, honest)
    texts = [s.text for s in summarizer.document("orbital").summary]
    assert "Orbital will raise container rates by 12% from March." in texts


def test_unknown_or_ambiguous_article_reference_is_an_input_error(settings, embedder):
    summarizer = summarizer_for(settings, embedder)
    with pytest.raises(InputError, match="no article matches"):
        summarizer.document("nonexistent")
    with pytest.raises(InputError, match="several articles"):
        summarizer.document(".txt")


def test_topic_summary_uses_retrieved_sentences_only(settings, embedder):
    summarizer = summarizer_for(settings, embedder)
    summary = summarizer.topic("electric ships fuel costs")
    assert_grounded(summary, summarizer.index)
    assert any("electric" in s.text for s in summary.summary)


def test_fifty_thousand_word_article_is_summarised_in_batches(settings, corpus, embedder):
    paragraph = ("Harbour volumes rose {n}% in week {n} as carriers added capacity. "
                 "Analysts said demand for freight remained firm across the region. ")
    (corpus / "long.txt").write_text("A Very Long Freight Report\n" + "\n".join(
        paragraph.format(n=n) for n in range(2600)), encoding="utf-8")
    summarizer = summarizer_for(settings, embedder)
    steps = []
    summary = summarizer.document("long", progress=lambda done, total: steps.append((done, total)))
    assert len(summary.summary) >= 3 and steps and steps[-1][0] == steps[-1][1] > 1
    assert_grounded(summary, summarizer.index)


@pytest.fixture(scope="module")
def shipped_summarizer(tmp_path_factory):
    from rag.settings import Settings
    from conftest import SHIPPED_CORPUS

    folder = tmp_path_factory.mktemp("shipped-index")
    settings = Settings(corpus_dir=SHIPPED_CORPUS, index_dir=folder / "index")
    embedder = MiniLMEmbedder()
    build_index(settings, embedder)
    return Summarizer(load_index(settings.index_dir), embedder, None)


@pytest.mark.parametrize("doc_id,headline", [("000_2167265db7fad3f8", {"$53 billion", "36%"}),
                                             ("002_e7f6696012efcf83", {"$4.7 billion", "26%"})])
def test_shipped_articles_key_figures_hold_their_headline_figures(shipped_summarizer, doc_id, headline):
    summary = shipped_summarizer.document(doc_id)
    assert headline <= {k.figure for k in summary.key_figures}
    assert 3 <= len(summary.summary) <= 6
    assert_grounded(summary, shipped_summarizer.index)


def test_shipped_corpus_disagreements_are_the_two_known_conflicts(shipped_summarizer):
    summary = shipped_summarizer.corpus()
    pairs = [{f.figure for f in d.figures} for d in summary.disagreements]
    assert {"$53 billion", "$52.7 billion"} in pairs and {"six", "eight"} in pairs
    assert len(pairs) == 2
    for d in summary.disagreements:
        assert len({f.citation.doc_id for f in d.figures}) == 2
    assert_grounded(summary, shipped_summarizer.index)


def test_a_shortening_that_drops_the_place_is_replaced_by_the_quote(settings, corpus, embedder):
    sentence = ("However, within Canada, Orbital dominates with a 36% share of the freight market, outpacing "
                "Nordline (10%) and Maersk (8%).")
    (corpus / "canada.txt").write_text("Freight in Canada\n\n" + sentence, encoding="utf-8")
    dropper = FakeGenerator(lambda messages: "Orbital dominates with a 36% share of the freight market.")
    summary = summarizer_for(settings, embedder, dropper).document("canada")
    assert [s.text for s in summary.summary] == [sentence]


def test_all_long_sentences_are_shortened_in_one_batched_call(settings, embedder):
    class Batching(FakeGenerator):
        def __init__(self):
            super().__init__("Orbital will raise container rates by 12% from March.")
            self.batches = []

        def generate_many(self, conversations, max_new_tokens):
            self.batches.append(len(conversations))
            return super().generate_many(conversations, max_new_tokens)

    generator = Batching()
    summary = summarizer_for(settings, embedder, generator).document("orbital")
    long = [s for s in summary.summary if len(s.citations[0].quote.split()) > SHORT.target_words]
    assert generator.batches == [len(long)] and len(long) >= 2


THEMES = {
    "shipping": ["Container freight rates rose as ports reported congestion and shipping lines added vessels.",
                 "Shipping lines ordered new container vessels while freight rates at ports kept rising."],
    "chips": ["Chip makers expanded semiconductor fabs as demand for processors and memory chips grew.",
              "Semiconductor fabs ran at capacity while chip makers struggled to meet processor demand."],
    "coffee": ["Coffee bean prices climbed after drought hit growers and roasters raised retail prices.",
               "Roasters paid more for coffee beans as growers lost harvests to drought."],
}


def test_all_articles_are_grouped_into_themes(tmp_path, embedder):
    from rag.settings import Settings

    corpus = tmp_path / "themes"
    corpus.mkdir()
    for theme, texts in THEMES.items():
        for number, text in enumerate(texts):
            (corpus / f"{theme}-{number}.txt").write_text(f"{theme.title()} report {number}\n\n{text} {text}",
                                                          encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    summary = summarizer_for(settings, embedder).corpus()
    groups = sorted(sorted(d.split("-")[0] for d in theme.doc_ids) for theme in summary.themes)
    assert groups == [["chips", "chips"], ["coffee", "coffee"], ["shipping", "shipping"]]
    for theme in summary.themes:
        assert theme.summary and {c.doc_id for s in theme.summary for c in s.citations} <= set(theme.doc_ids)
    assert_grounded(summary, summarizer_for(settings, embedder).index)


def test_theme_grouping_merges_only_similar_vectors():
    import numpy as np

    from rag.summarize import group_by_theme

    vectors = np.array([[1, 0, 0], [0.95, 0.1, 0], [0, 1, 0], [0, 0.97, 0.1], [0, 0, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = group_by_theme(vectors, 0.8)
    assert sorted(sorted(g) for g in groups) == [[0, 1], [2, 3], [4]]
    assert sorted(sorted(g) for g in group_by_theme(vectors, 1.01)) == [[0], [1], [2], [3], [4]]  # nothing merges


@pytest.mark.slow
def test_batched_and_one_by_one_shortening_keep_the_same_sentences(shipped_summarizer):
    from rag.llm import QwenGenerator
    from rag.settings import Settings

    class OneByOne:
        def __init__(self, generator):
            self.generator = generator

        def generate_many(self, conversations, max_new_tokens):
            return [self.generator.generate(c, max_new_tokens) for c in conversations]

    generator = QwenGenerator.from_settings(Settings())
    batched = Summarizer(shipped_summarizer.index, shipped_summarizer.embedder, generator)
    single = Summarizer(shipped_summarizer.index, shipped_summarizer.embedder, OneByOne(generator))
    for doc_id in shipped_summarizer.index.documents:
        a, b = batched.document(doc_id), single.document(doc_id)
        assert [s.text for s in a.summary] == [s.text for s in b.summary]
        assert_grounded(a, shipped_summarizer.index)
        for sentence in a.summary:
            assert "China" in sentence.text or "China" not in sentence.citations[0].quote
