from hypothesis import given, settings as hsettings, strategies as st

from rag.chunk import chunk_document, split_sentences
from rag.ingest import ingest_corpus
from rag.schema import Document
from rag.settings import ChunkSettings


def sentences(text):
    return [text[s.start:s.end] for s in split_sentences(text)]


def test_figures_and_model_names_do_not_split_sentences():
    text = "Revenue rose to $4.7 billion. Qwen2.5-Max beat rivals. U.S. export rules bite. Growth was 140–160% a year."
    assert sentences(text) == ["Revenue rose to $4.7 billion.", "Qwen2.5-Max beat rivals.", "U.S. export rules bite.",
                               "Growth was 140–160% a year."]


def test_abbreviations_and_list_numbers_do_not_end_sentences():
    text = "Models (e.g. Qwen) help. Mr. Wu spoke at 9 a.m. today.\n1. First point here."
    assert sentences(text) == ["Models (e.g. Qwen) help.", "Mr. Wu spoke at 9 a.m. today.", "1. First point here."]


def _document(text):
    return Document(doc_id="d", title="t", path="d.txt", content_hash="h", text=text)


def test_chunk_offsets_slice_the_text_to_the_chunk(shipped_corpus):
    for document in ingest_corpus(shipped_corpus).documents:
        chunks = chunk_document(document, ChunkSettings())
        assert chunks
        for chunk in chunks:
            assert document.text[chunk.start:chunk.end] == chunk.text
            assert len(chunk.sentences) <= 2
            for span in chunk.sentences:
                assert chunk.start <= span.start < span.end <= chunk.end


def test_chunks_respect_size_but_never_split_a_sentence():
    long_sentence = "word " * 200 + "end."
    document = _document("Short one. Short two. Short three.\n" + long_sentence)
    chunks = chunk_document(document, ChunkSettings(max_sentences=2, max_chars=400))
    assert [c.text for c in chunks][:2] == ["Short one. Short two.", "Short three."]
    assert chunks[-1].text == long_sentence.strip()


WORDS = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=8)
SENTENCE = st.builds(lambda ws, end: " ".join(ws) + end, st.lists(WORDS, min_size=1, max_size=8),
                     st.sampled_from([".", "!", "?", ""]))


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.lists(SENTENCE, min_size=1, max_size=5), min_size=1, max_size=6),
       st.integers(1, 4), st.integers(20, 300))
def test_property_chunk_offsets_always_slice_to_the_chunk(paragraphs, max_sentences, max_chars):
    text = "\n".join(" ".join(p) for p in paragraphs)
    document = _document(text)
    for chunk in chunk_document(document, ChunkSettings(max_sentences=max_sentences, max_chars=max_chars)):
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text


def test_table_rows_are_headed_by_the_caption_not_by_their_column_labels():
    text = ("Harbor 2024 10-Q, page 7\nStore Data\nSales fell 2% in the quarter.\n"
            "Depots open at the end of the second quarters of fiscal 2024 and fiscal 2023 were as follows:\n"
            "Fiscal 2024\nFiscal 2023\nTotal Depots at\nQuarter\n"
            "Harbor | 908 | 907\nTotal | 966 | 969\nWe review depots each year.\n"
            "Balance Sheet\nFiscal 2024\nTotal assets | 2024: 12 | 2023: 11")
    document = Document(doc_id="d", title="Harbor 2024 10-Q, page 7", path="d.txt", content_hash="h", text=text)
    chunks = chunk_document(document, ChunkSettings())
    by_text = {c.text.split("\n")[0]: c for c in chunks}
    assert by_text["Harbor | 908 | 907"].section.startswith("Depots open at the end")
    assert not any(c.text in ("Fiscal 2023", "Total Depots at", "Quarter") for c in chunks)  # labels are no chunks
    assert by_text["We review depots each year."].section == "Store Data"
    assert by_text["Total assets | 2024: 12 | 2023: 11"].section == "Balance Sheet"  # no caption: the table's title


def test_a_heading_may_end_in_a_quoted_name():
    from rag.chunk import is_heading

    assert is_heading('Competitive Positioning: Navigating the "Big Three"')
    assert not is_heading('The chief executive said "we will grow."')
    assert not is_heading("Sales rose.")
