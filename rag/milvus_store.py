"""The index in Milvus: Milvus Standalone or Distributed at milvus://HOST:PORT/COLLECTION, or milvus-lite in one
file at milvus:///path/to/file.db (the same client code). Implements the ChunkStore seam of `store.py`.

Three collections share the name:
- NAME_chunks: one entity per chunk, keyed by the chunk's row (its chunk_id): the chunk record, its document id,
  the sha256 of its embedded text (so a rebuild reuses vectors), its dense vector, and its lexical tokens, from
  which Milvus's BM25 function makes a sparse vector. The tokens are the on-disk index's own
  (`lexical.tokenize`) and BM25 has the same k1 and b, so both stores rank chunks by the same terms.
- NAME_documents: each document's entry (title, path, content hash, chunk count) and its text in parts (a
  VARCHAR holds 64 KiB).
- NAME_meta: the manifest (its document table lives in NAME_documents), the next free row, and a marker set
  while a build runs.

A build is incremental: documents whose hash is unchanged are not touched; a changed or removed document's
chunks are deleted by document id and its new chunks inserted; a document's entry is written after its chunks,
so a build that dies midway leaves documents without entries, which the next build redoes. Readers refuse the
store while the build marker is set. Milvus has no transactions: unlike the on-disk index, readers cannot keep
using the previous version during a build.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import re
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .chunk import chunk_document
from .embed import Embedder
from .errors import IndexBusyError, IndexCorruptError, IndexMissingError, InputError, RagError
from .ingest import ingest_corpus
from .lexical import B, K1, TOKENIZER_VERSION, tokenize
from .schema import Chunk, Document
from .settings import EMBEDDING_MODEL_ID, Settings
from .store import FORMAT, DocumentEntry, Manifest, build_lock

SCHEME = "milvus://"
DEFAULT_COLLECTION = "rag"
VARCHAR_BYTES = 65_535
TEXT_PART_CHARS = 16_000  # a document's text per VARCHAR: 16k characters fit 64 KiB even at 4 bytes each
DOCUMENTS_PER_BATCH = 64  # documents chunked, embedded and written together
DOCUMENTS_PER_RAY_ROUND = 4_096  # documents handed to Ray workers to chunk and embed at once
INSERT_ROWS = 512  # entities per insert call
QUERY_IDS = 8_192  # ids per query: Milvus returns at most 16,384 entities at once
CACHED_CHUNKS = 65_536  # chunk records a reader keeps from its searches
CACHED_TERMS = 262_144  # document frequencies a reader keeps
FREQUENCY_CHANGES_HELD = 1_000_000  # document-frequency changes a build holds in memory before writing them
LEXICAL_SLACK = 20  # extra BM25 candidates taken from Milvus, scored again with the on-disk formula
HNSW = {"M": 16, "efConstruction": 200}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,180}")


class _Collection:
    """The name of one of a generation's collections: PREFIX_KIND_gN."""

    def __set_name__(self, owner, kind: str) -> None:
        self.kind = kind

    def __get__(self, target, owner=None) -> str:
        return f"{target.collection}_{self.kind}_g{target.generation}"


@dataclass(frozen=True)
class MilvusTarget:
    """Where the store lives: `uri` is what MilvusClient connects to (a file for milvus-lite); the collections
    of one generation of the index are named after `collection` and `generation`."""

    uri: str
    collection: str
    lite_file: Path | None = None
    generation: int = 0

    @property
    def live(self) -> str:
        """The alias naming the meta collection of the generation readers use."""
        return f"{self.collection}_live"

    chunks = _Collection()
    documents = _Collection()
    meta = _Collection()
    terms = _Collection()

    @property
    def all(self) -> tuple[str, ...]:
        return self.chunks, self.documents, self.meta, self.terms


def is_milvus(store: str) -> bool:
    return store.startswith(SCHEME)


def parse_store(store: str) -> MilvusTarget:
    """milvus:///abs/path/file.db or milvus://rel/file.db (milvus-lite), milvus://HOST:PORT[/COLLECTION]."""
    if not is_milvus(store):
        raise InputError(f"store {store!r} is not understood: use milvus:///path/to/file.db (milvus-lite) or "
                         "milvus://HOST:PORT/COLLECTION")
    rest = store[len(SCHEME):]
    if rest.endswith(".db"):
        path = Path(rest).expanduser()
        return MilvusTarget(str(path), DEFAULT_COLLECTION, path)
    host, _, name = rest.partition("/")
    name = name.strip("/") or DEFAULT_COLLECTION
    if not host or not _NAME.fullmatch(name):
        raise InputError(f"store {store!r} is not understood: use milvus://HOST:PORT/COLLECTION, the collection "
                         "name made of letters, digits and underscores (or milvus:///path/to/file.db)")
    return MilvusTarget(f"http://{host}", name)


_CLIENTS: dict[str, object] = {}


def connect(target: MilvusTarget):
    """A client for the store, one per address in a process (milvus-lite runs one server per file)."""
    if target.uri in _CLIENTS:
        return _CLIENTS[target.uri]
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # gRPC's own notes (keep-alive pings) would reach the user
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise RagError("the Milvus store needs pymilvus and milvus-lite: pip install 'rag[scale]'") from None
    for name in ("pymilvus", "milvus_lite"):  # their errors reach the user as one line, from us
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if target.lite_file is not None:
        target.lite_file.parent.mkdir(parents=True, exist_ok=True)
    with milvus_errors(target):
        try:
            _CLIENTS[target.uri] = MilvusClient(target.uri)
        except Exception:
            if target.lite_file is not None and _locked_by_another_process(target.lite_file):
                raise IndexBusyError(f"{target.lite_file} is open in another process (a running `rag serve`, build or "
                                     "ask): milvus-lite serves one process at a time; stop it, or use a Milvus "
                                     "server (milvus://HOST:PORT/COLLECTION) for several") from None
            raise
    return _CLIENTS[target.uri]


def _locked_by_another_process(path: Path) -> bool:
    """milvus-lite locks its folder's LOCK file while a process has it open."""
    lock = path / "LOCK"
    if not lock.is_file():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def disconnect(store: str) -> None:
    """Close the store's client; for milvus-lite also its in-process server, which holds the file's lock."""
    target = parse_store(store)
    client = _CLIENTS.pop(target.uri, None)
    if client is not None:
        client.close()
    if target.lite_file is not None:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(str(target.lite_file))


@contextlib.contextmanager
def milvus_errors(target: MilvusTarget):
    """Milvus's own exceptions as one line that names the store."""
    try:
        yield
    except RagError:
        raise
    except Exception as error:  # noqa: BLE001 - pymilvus raises MilvusException, grpc errors and plain ones
        if not _from_milvus(error):
            raise
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        raise RagError(f"Milvus at {target.uri} failed ({first}): check that it runs and that the store is the "
                       "one you meant") from None


def _from_milvus(error: Exception) -> bool:
    """Was it raised by the Milvus client, milvus-lite or gRPC (not a bug of ours)?"""
    return type(error).__module__.split(".")[0] in ("pymilvus", "grpc", "milvus_lite")


# ---- what goes into a field -------------------------------------------------------------------------------------
def lexical_terms(text: str) -> list[str]:
    """The text's BM25 tokens written so Milvus's standard tokenizer keeps each one whole: '3.5' -> '3_5';
    a non-ASCII word as x_ and its UTF-8 in hex (the tokenizer would split CJK into characters)."""
    return [encode_term(token) for token in tokenize(text)]


def encode_term(token: str) -> str:
    """One token as it is written into the terms field."""
    return token.replace(".", "_") if token.isascii() else "x_" + token.encode("utf-8").hex()


def _fit_terms(terms: list[str]) -> str:
    """The tokens joined, cut to what a VARCHAR holds (a chunk this long is one over-long sentence)."""
    joined = " ".join(terms)
    if len(joined) > VARCHAR_BYTES:
        joined = joined[:VARCHAR_BYTES].rsplit(" ", 1)[0]
    return joined


def _pack(record) -> str:
    """A record as compressed JSON (a chunk's sentences and text stay far below the VARCHAR limit)."""
    return base64.b64encode(zlib.compress(record.model_dump_json().encode("utf-8"))).decode("ascii")


def _unpack(packed: str, model):
    return model.model_validate_json(zlib.decompress(base64.b64decode(packed)))


def _quoted(values) -> str:
    return json.dumps(list(values), ensure_ascii=False)


# ---- collections -------------------------------------------------------------------------------------------
def _create_collections(client, target: MilvusTarget, dim: int, dense_plan: dict) -> None:
    from pymilvus import DataType, Function, FunctionType

    chunks = client.create_schema(auto_id=False)
    chunks.add_field("row", DataType.INT64, is_primary=True)
    chunks.add_field("doc_id", DataType.VARCHAR, max_length=VARCHAR_BYTES)
    chunks.add_field("record", DataType.VARCHAR, max_length=VARCHAR_BYTES)
    chunks.add_field("text_key", DataType.VARCHAR, max_length=64)
    chunks.add_field("terms", DataType.VARCHAR, max_length=VARCHAR_BYTES, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    chunks.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    chunks.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    indexes = client.prepare_index_params()
    if dense_plan["type"] == "hnsw":
        indexes.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW)
    else:
        indexes.add_index("dense", index_type="FLAT", metric_type="IP")
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                      params={"bm25_k1": K1, "bm25_b": B})
    client.create_collection(target.chunks, schema=chunks, index_params=indexes)
    side_collections = ((target.documents, ("doc_id", "entry", "text")), (target.meta, ("value",)), (target.terms, ()))
    for name, fields in side_collections:
        schema = client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, max_length=VARCHAR_BYTES, is_primary=True)
        if name == target.documents:
            schema.add_field("part", DataType.INT64)
        if name == target.terms:
            schema.add_field("df", DataType.INT64)  # chunks holding the term
        for field in fields:
            schema.add_field(field, DataType.VARCHAR, max_length=VARCHAR_BYTES)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        indexes = client.prepare_index_params()
        indexes.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_collection(name, schema=schema, index_params=indexes)


def _drop_collections(client, target: MilvusTarget) -> None:
    for name in target.all:
        if client.has_collection(name):
            client.drop_collection(name)


def _meta_get(client, target: MilvusTarget, key: str) -> str | None:
    rows = client.query(target.meta, ids=[key], output_fields=["value"])
    return rows[0]["value"] if rows else None


def _meta_put(client, target: MilvusTarget, key: str, value: str) -> None:
    client.upsert(target.meta, [{"key": key, "value": value, "unused": [0.0, 0.0]}])


def _meta_delete(client, target: MilvusTarget, key: str) -> None:
    client.delete(target.meta, ids=[key])


def _meta_int(client, target: MilvusTarget, key: str) -> int:
    stored = _meta_get(client, target, key)
    return int(stored) if stored else 0


def _count(client, name: str, where: str = "") -> int:
    rows = client.query(name, filter=where, output_fields=["count(*)"])
    return int(rows[0]["count(*)"]) if rows else 0


def live_target(client, target: MilvusTarget) -> MilvusTarget | None:
    """The target bound to the generation readers use, or None when no build has completed."""
    try:
        name = client.describe_alias(target.live)["collection_name"]
    except Exception as error:  # noqa: BLE001 - pymilvus raises its own exception for a missing alias
        if not _from_milvus(error):
            raise
        return None
    return replace(target, generation=int(name.rsplit("_g", 1)[1]))


def _switch_live(client, target: MilvusTarget, new: MilvusTarget, old: MilvusTarget | None) -> None:
    """Point readers at the new generation in one alias change, then drop the old generation's collections."""
    if old is None:
        client.create_alias(new.meta, target.live)
        return
    client.alter_alias(new.meta, target.live)
    _drop_collections(client, old)


def read_manifest(client, target: MilvusTarget) -> Manifest | None:
    """The manifest with its document table, or None when nothing was built into this store."""
    if not all(client.has_collection(name) for name in target.all):
        return None
    for name in target.all:  # a server (or a milvus-lite file opened again) holds collections released until loaded
        client.load_collection(name)
    stored = _meta_get(client, target, "manifest")
    if stored is None:
        return None
    try:
        manifest = Manifest.model_validate_json(stored)
    except ValueError:
        raise IndexCorruptError(f"the manifest in Milvus collection {target.meta} is not valid: run "
                                "`rag index build --force` to rebuild it") from None
    if manifest.format != FORMAT:
        raise IndexCorruptError(f"the index in {target.collection} was written in format {manifest.format!r}, this "
                                f"version of rag reads {FORMAT!r}: run `rag index build` to rebuild it")
    entries = {}
    for row in _iterate(client, target.documents, "part == 0", ["doc_id", "entry"]):
        entries[row["doc_id"]] = DocumentEntry.model_validate_json(row["entry"])
    manifest.documents = entries
    return manifest


def _iterate(client, name: str, where: str, fields: list[str], batch: int = 1000) -> Iterator[dict]:
    iterator = client.query_iterator(name, batch_size=batch, filter=where, output_fields=fields)
    try:
        while rows := iterator.next():
            yield from rows
    finally:
        iterator.close()


# ---- build ------------------------------------------------------------------------------------------------------
def build_milvus(settings: Settings, embedder: Embedder | None = None, force: bool = False,
                 wait_seconds: float = 30.0):
    """Ingest the corpus and bring the Milvus store up to date: only new and changed documents are written."""
    from .indexer import BuildReport, plan_build

    started = time.perf_counter()
    target = parse_store(settings.store)
    with _build_guard(target, wait_seconds), milvus_errors(target):
        ingested = ingest_corpus(settings.corpus_dir, settings.ingest)
        if not ingested.documents:
            raise RagError(f"no readable article in {settings.corpus_dir}: add .txt, .md or .html files")
        client = connect(target)
        model_id = embedder.model_id if embedder else EMBEDDING_MODEL_ID
        live = live_target(client, target)
        previous = read_manifest(client, live) if live else None
        interrupted = previous is not None and _meta_get(client, live, "building") is not None
        plan = plan_build(settings, ingested.documents, previous, model_id)
        plan.warnings = ingested.warnings
        if previous and plan.up_to_date and not force and not interrupted:
            counts = previous.counts
            return BuildReport(plan=plan, documents=counts["documents"], chunks=counts["chunks"], embedded=0,
                               reused=counts["chunks"], seconds=time.perf_counter() - started, wrote=False)
        embedder = embedder or _default_embedder()
        created = previous is None or bool(plan.stale_reasons) or previous.dimension != embedder.dim
        if created:  # a new generation beside the live one, every document added; readers switch when it is done
            work = replace(target, generation=live.generation + 1 if live else 1)
            dense_plan = _recreate_collections(client, work, ingested.documents, settings, embedder.dim)
            plan = plan_build(settings, ingested.documents, None, model_id)
            plan.warnings = ingested.warnings
        else:  # changes in place, under the build marker
            work, dense_plan = live, previous.dense_index
        _meta_put(client, work, "building", json.dumps({"pid": os.getpid(), "started": time.time()}))
        writer = _Writer(client, work, settings, embedder, empty=created)
        writer.remove(plan.removed)
        documents = {d.doc_id: d for d in ingested.documents}
        writer.write([documents[doc_id] for doc_id in plan.added + plan.changed + (plan.unchanged if force else [])])
        if interrupted:
            writer.repair(set(documents))
        writer.save_frequencies()
        chunks = _finish(client, work, Manifest(
            embedding_model=model_id, dimension=embedder.dim, chunking=settings.chunking.model_dump(),
            tokenizer_version=TOKENIZER_VERSION, dense_index=dense_plan, documents={},
            counts={"documents": len(documents), "tokens": writer.tokens}, files={}, built_at=time.time(),
            build_seconds=time.perf_counter() - started))
        if work != live:
            _switch_live(client, target, work, live)
    return BuildReport(plan=plan, documents=len(documents), chunks=chunks, embedded=writer.embedded,
                       reused=chunks - writer.embedded, seconds=time.perf_counter() - started, wrote=True)


def _recreate_collections(client, target: MilvusTarget, documents: list[Document], settings: Settings,
                          dim: int) -> dict:
    """The generation's collections, new (left-overs of a build that died are dropped), for `dim`-sized vectors;
    return the dense plan."""
    _drop_collections(client, target)
    dense_plan = dense_plan_for(_count_chunks(documents, settings), settings)
    _create_collections(client, target, dim, dense_plan)
    return dense_plan


def _finish(client, target: MilvusTarget, manifest: Manifest) -> int:
    """Flush the writes, record the manifest with the chunk count Milvus holds, lift the build marker."""
    for name in target.all:
        client.flush(name)
    manifest.counts["chunks"] = _count(client, target.chunks)
    _meta_put(client, target, "manifest", manifest.model_dump_json())
    _meta_delete(client, target, "building")
    client.flush(target.meta)
    return manifest.counts["chunks"]


def _default_embedder() -> Embedder:
    from .embed import MiniLMEmbedder

    return MiniLMEmbedder()


@contextlib.contextmanager
def _build_guard(target: MilvusTarget, wait_seconds: float):
    """One build at a time: a file lock beside a milvus-lite file. A server store has no lock of its own: run
    one builder per collection (its build marker makes readers wait)."""
    if target.lite_file is None:
        yield
        return
    with build_lock(target.lite_file.with_name(target.lite_file.name + ".build"), wait_seconds):
        yield


def _count_chunks(documents: list[Document], settings: Settings) -> int:
    """How many chunks the documents make, to choose exact or HNSW search as the on-disk index would (chunking
    runs at thousands of chunks a second: a small cost beside embedding, even where --ray chunks again)."""
    return sum(len(chunk_document(d, settings.chunking)) for d in documents)


def dense_plan_for(count: int, settings: Settings) -> dict:
    """Exact (FLAT) search up to `approximate_above` chunks, as on disk; HNSW above it."""
    if count <= settings.retrieval.approximate_above:
        return {"type": "flat", "metric": "inner_product"}
    return {"type": "hnsw", "metric": "inner_product", **HNSW, "ef": 128}


class _Writer:
    """Deletes and writes documents, a batch at a time; vectors of unchanged chunk texts are reused. Keeps the
    BM25 statistics the readers score with: the token count over all chunks (for the average chunk length) and
    each term's document frequency (NAME_terms), changed by what is deleted and inserted."""

    def __init__(self, client, target: MilvusTarget, settings: Settings, embedder: Embedder, empty: bool) -> None:
        self.client, self.target, self.settings, self.embedder = client, target, settings, embedder
        self.empty = empty  # collections just created: nothing to delete or reuse
        self.next_row, self.tokens = (0, 0) if empty else (_meta_int(client, target, "next_row"),
                                                           _meta_int(client, target, "tokens"))
        self.frequency_changes: Counter[str] = Counter()
        self.embedded = 0

    def remove(self, doc_ids: list[str]) -> None:
        for start in range(0, len(doc_ids), DOCUMENTS_PER_BATCH):
            batch = _quoted(doc_ids[start:start + DOCUMENTS_PER_BATCH])
            self._forget(_iterate(self.client, self.target.chunks, f"doc_id in {batch}", ["terms"]))
            self.client.delete(self.target.chunks, filter=f"doc_id in {batch}")
            self.client.delete(self.target.documents, filter=f"doc_id in {batch}")
        self._save_progress()

    def _forget(self, rows) -> None:
        for row in rows:
            tokens = row["terms"].split()
            self.tokens -= len(tokens)
            self.frequency_changes.subtract(set(tokens))

    def _count_in(self, entities: list[dict]) -> None:
        for entity in entities:
            tokens = entity["terms"].split()
            self.tokens += len(tokens)
            self.frequency_changes.update(set(tokens))

    def repair(self, keep: set[str]) -> None:
        """After a build that died: remove chunks of documents neither in the corpus nor entered, and count the
        tokens and document frequencies again (the running counts may have missed its last batch)."""
        held = list(_iterate(self.client, self.target.chunks, "", ["doc_id", "terms"]))
        self.remove(sorted({row["doc_id"] for row in held} - keep))
        self.tokens, self.frequency_changes = 0, Counter()
        self.client.delete(self.target.terms, filter="df >= 0")
        self._count_in([row for row in held if row["doc_id"] in keep])
        self._save_progress()

    def _save_progress(self) -> None:
        _meta_put(self.client, self.target, "next_row", str(self.next_row))
        _meta_put(self.client, self.target, "tokens", str(self.tokens))
        if len(self.frequency_changes) > FREQUENCY_CHANGES_HELD:
            self.save_frequencies()

    def save_frequencies(self) -> None:
        """Add the held changes to the stored document frequencies (a term no chunk holds any more is deleted)."""
        changed = [term for term, change in self.frequency_changes.items() if change]
        for start in range(0, len(changed), QUERY_IDS):
            page = changed[start:start + QUERY_IDS]
            stored = {e["key"]: e["df"] for e in self.client.query(self.target.terms, ids=page, output_fields=["df"])}
            frequencies = {term: stored.get(term, 0) + self.frequency_changes[term] for term in page}
            kept = [{"key": term, "df": df, "unused": [0.0, 0.0]} for term, df in frequencies.items() if df > 0]
            gone = [term for term, df in frequencies.items() if df <= 0 and term in stored]
            if kept:
                self.client.upsert(self.target.terms, kept)
            if gone:
                self.client.delete(self.target.terms, ids=gone)
        self.frequency_changes = Counter()

    def write(self, documents: list[Document]) -> None:
        """Write the documents a batch at a time. An embedder that chunks too (Ray workers) is handed many
        documents at once and returns their chunks and vectors; otherwise chunks are made here."""
        chunk_and_embed = getattr(self.embedder, "chunk_and_embed", None)
        step = DOCUMENTS_PER_RAY_ROUND if chunk_and_embed else DOCUMENTS_PER_BATCH
        for start in range(0, len(documents), step):
            group = documents[start:start + step]
            prepared = chunk_and_embed(group, self.settings.chunking) if chunk_and_embed else None
            for first in range(0, len(group), DOCUMENTS_PER_BATCH):
                self._write_batch(group[first:first + DOCUMENTS_PER_BATCH], prepared)

    def _write_batch(self, documents: list[Document], prepared: dict | None = None) -> None:
        from .indexer import _text_key, embed_text

        reusable = {}
        if not self.empty:  # a document written before (or half-written by a build that died) is replaced
            ids = _quoted(d.doc_id for d in documents)
            replaced = list(_iterate(self.client, self.target.chunks, f"doc_id in {ids}",
                                     ["text_key", "dense", "terms"]))
            reusable = {row["text_key"]: row["dense"] for row in replaced}
            self._forget(replaced)
            self.client.delete(self.target.chunks, filter=f"doc_id in {ids}")
            self.client.delete(self.target.documents, filter=f"doc_id in {ids}")
        chunks, texts, vectors = [], [], {}
        for document in documents:
            made, given = prepared[document.doc_id] if prepared else \
                (chunk_document(document, self.settings.chunking), None)
            for number, chunk in enumerate(made):
                if given is not None:
                    vectors[len(chunks)] = given[number]
                chunks.append((chunk.model_copy(update={"chunk_id": self.next_row + len(chunks)}), document))
                texts.append(embed_text(chunk, document))
        keys = [_text_key(text) for text in texts]
        missing = [i for i, key in enumerate(keys) if key not in reusable and i not in vectors]
        fresh = self.embedder.embed([texts[i] for i in missing]) if missing else np.zeros((0, self.embedder.dim))
        self.embedded += len(missing) + len(vectors)
        vectors.update(zip(missing, fresh))
        entities = [{"row": chunk.chunk_id, "doc_id": chunk.doc_id, "record": _pack(chunk), "text_key": keys[i],
                     "terms": _fit_terms(lexical_terms(texts[i])),
                     "dense": np.asarray(vectors[i] if i in vectors else reusable[keys[i]], dtype=np.float32).tolist()}
                    for i, (chunk, document) in enumerate(chunks)]
        for start in range(0, len(entities), INSERT_ROWS):
            self.client.insert(self.target.chunks, entities[start:start + INSERT_ROWS])
        self.next_row += len(chunks)
        self._count_in(entities)
        self._save_progress()
        counts = {}
        for chunk, _ in chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        self.client.insert(self.target.documents, [part for d in documents for part in _document_parts(d, counts)])


def _document_parts(document: Document, counts: dict[str, int]) -> list[dict]:
    entry = DocumentEntry(path=document.path, title=document.title, content_hash=document.content_hash,
                          chunks=counts.get(document.doc_id, 0))
    texts = [document.text[i:i + TEXT_PART_CHARS] for i in range(0, len(document.text), TEXT_PART_CHARS)] or [""]
    return [{"key": f"{document.doc_id}\x1f{part}", "doc_id": document.doc_id, "part": part,
             "entry": entry.model_dump_json() if part == 0 else "", "text": text, "unused": [0.0, 0.0]}
            for part, text in enumerate(texts)]


# ---- read ---------------------------------------------------------------------------------------------------------
def open_milvus(settings: Settings) -> "MilvusStore":
    """The store at settings.store, checked: built, not mid-build, chunk count as its manifest says."""
    client = connect(parse_store(settings.store))
    target = _live_or_missing(client, settings)
    with milvus_errors(target):
        manifest = read_manifest(client, target)
        if manifest is None:
            raise IndexMissingError(f"no index in {settings.store}: run `rag index build --store {settings.store}` "
                                    "first")
        if _meta_get(client, target, "building") is not None:
            raise IndexBusyError(f"the index in {settings.store} is being built, or its last build was interrupted: "
                                 "wait for it, or run `rag index build` to finish it")
        held = _count(client, target.chunks)
        if held != manifest.counts.get("chunks"):
            raise IndexCorruptError(f"the index in {settings.store} holds {held} chunks, its manifest "
                                    f"{manifest.counts.get('chunks')}: run `rag index build --force` to rebuild it")
    return MilvusStore(client, target, manifest)


def _live_or_missing(client, settings: Settings) -> MilvusTarget:
    target = parse_store(settings.store)
    with milvus_errors(target):
        live = live_target(client, target)
    if live is None:
        raise IndexMissingError(f"no index in {settings.store}: run `rag index build --store {settings.store}` first")
    return live


def store_version(settings: Settings) -> str | None:
    """When the store's last build ended (changes when a build lands), or None when none did. Reads only the
    manifest's own record: `rag serve` asks before every request."""
    target = parse_store(settings.store)
    client = connect(target)
    with milvus_errors(target):
        live = live_target(client, target)
        if live is None:
            return None
        client.load_collection(live.meta)
        stored = _meta_get(client, live, "manifest")
    return None if stored is None else repr(json.loads(stored).get("built_at"))


class MilvusChunks:
    """row -> Chunk, fetched from Milvus when not already held from a search."""

    def __init__(self, client, target: MilvusTarget, count: int) -> None:
        self.client, self.target, self.count = client, target, count
        self._held: OrderedDict[int, Chunk] = OrderedDict()

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, row: int) -> Chunk:
        if row not in self._held:
            self.fetch([row])
        if row not in self._held:
            raise IndexError(row)
        return self._held[row]

    def __iter__(self) -> Iterator[Chunk]:
        for entity in _iterate(self.client, self.target.chunks, "", ["record"]):
            yield _unpack(entity["record"], Chunk)

    def fetch(self, rows: list[int]) -> None:
        with milvus_errors(self.target):
            for start in range(0, len(rows), QUERY_IDS):
                for entity in self.client.query(self.target.chunks, ids=list(rows[start:start + QUERY_IDS]),
                                                output_fields=["record"]):
                    self.hold(entity["row"], entity["record"])

    def hold(self, row: int, packed: str) -> None:
        self._held[row] = _unpack(packed, Chunk)
        self._held.move_to_end(row)
        while len(self._held) > CACHED_CHUNKS:
            self._held.popitem(last=False)


class MilvusDocuments(Mapping):
    """doc_id -> Document, its text put together from its parts on access."""

    def __init__(self, client, target: MilvusTarget, ids: list[str]) -> None:
        self.client, self.target, self._ids = client, target, ids
        self._known = set(ids)
        self._read = lru_cache(maxsize=256)(self._read_document)

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self._known:
            raise KeyError(doc_id)
        return self._read(doc_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def _read_document(self, doc_id: str) -> Document:
        with milvus_errors(self.target):
            parts = self.client.query(self.target.documents,
                                      filter=f"doc_id == {json.dumps(doc_id, ensure_ascii=False)}",
                                      output_fields=["part", "entry", "text"])
        parts.sort(key=lambda p: p["part"])
        if not parts or parts[0]["part"] != 0:
            raise IndexCorruptError(f"document {doc_id} is missing from {self.target.documents}: run `rag index build`")
        entry = DocumentEntry.model_validate_json(parts[0]["entry"])
        return Document(doc_id=doc_id, title=entry.title, path=entry.path, content_hash=entry.content_hash,
                        text="".join(p["text"] for p in parts))


class MilvusStore:
    """The ChunkStore over Milvus collections. Rows are chunk ids."""

    def __init__(self, client, target: MilvusTarget, manifest: Manifest) -> None:
        self.client, self.target, self.manifest = client, target, manifest
        self.documents = MilvusDocuments(client, target, list(manifest.documents))
        self.chunks = MilvusChunks(client, target, manifest.counts["chunks"])
        self.version = repr(manifest.built_at)
        self._frequencies: OrderedDict[str, int] = OrderedDict()

    def dense_search(self, vector: np.ndarray, top: int) -> list[tuple[int, float]]:
        params = {"metric_type": "IP"}
        if self.manifest.dense_index.get("type") == "hnsw":
            params["params"] = {"ef": max(top, self.manifest.dense_index.get("ef", 128))}
        found = self._search([np.asarray(vector, dtype=np.float32).tolist()], "dense", top, params)
        return sorted(((row, score) for row, score, _ in found), key=lambda hit: (-hit[1], hit[0]))

    def lexical_search(self, question: str, top: int) -> list[tuple[int, float]]:
        """Milvus's BM25 finds the candidates (a few more than asked for); each is scored again with the
        on-disk index's formula and statistics (idf from document frequencies, the average chunk length of the
        whole store), so both stores rank chunks alike: Milvus's own scores differ in the third digit."""
        terms = list(dict.fromkeys(lexical_terms(question)))  # each term once, as the on-disk BM25 scores it
        if not terms:
            return []
        self._fetch_frequencies(terms)
        found = self._search([" ".join(terms)], "sparse", top + LEXICAL_SLACK, {"metric_type": "BM25"}, ["terms"])
        average = self.manifest.counts.get("tokens", 0) / max(len(self.chunks), 1)
        scored = [(row, self._bm25(terms, entity["terms"].split(), average)) for row, _, entity in found]
        return sorted(scored, key=lambda hit: (-hit[1], hit[0]))[:top]

    def _bm25(self, terms: list[str], tokens: list[str], average: float) -> float:
        counts = Counter(tokens)
        norm = K1 * (1 - B + B * len(tokens) / max(average, 1e-9))
        return sum(self._idf(t) * counts[t] * (K1 + 1) / (counts[t] + norm) for t in terms if t in counts)

    def _search(self, data, field: str, top: int, params: dict, fields: tuple[str, ...] = ()) -> list:
        top = min(top, len(self.chunks))
        if top <= 0:
            return []
        with milvus_errors(self.target):
            found = self.client.search(self.target.chunks, data=data, anns_field=field, limit=top,
                                       output_fields=["record", *fields], search_params=params)[0]
        hits = []
        for hit in found:
            self.chunks.hold(hit["row"], hit["entity"]["record"])
            hits.append((int(hit["row"]), float(hit["distance"]), hit["entity"]))
        return hits

    def term_idf(self, term: str) -> float:
        """The on-disk index's idf, log(1 + (N - df + 0.5) / (df + 0.5)), with df counted by Milvus. `term` is a
        token as tokenize() makes it (tokenizing it again would stem it twice)."""
        return self._idf(encode_term(term)) if term and " " not in term else self._idf("")

    def _idf(self, encoded: str) -> float:
        total, df = len(self.chunks), self._document_frequency(encoded)
        idf = np.log(1.0 + (total - df + 0.5) / (df + 0.5))
        return float(np.float32(idf)) if df else float(idf)  # an indexed term's idf is stored as float32 on disk

    def _document_frequency(self, encoded: str) -> int:
        if not encoded:
            return 0
        if encoded not in self._frequencies:
            self._fetch_frequencies([encoded])
        return self._frequencies[encoded]

    def _fetch_frequencies(self, terms: list[str]) -> None:
        """Document frequencies of the terms not held yet, in one lookup by primary key."""
        wanted = [term for term in terms if term not in self._frequencies]
        if wanted:
            with milvus_errors(self.target):
                found = {e["key"]: e["df"]
                         for e in self.client.query(self.target.terms, ids=wanted, output_fields=["df"])}
            for term in wanted:
                self._frequencies[term] = int(found.get(term, 0))
        while len(self._frequencies) > CACHED_TERMS:
            self._frequencies.popitem(last=False)

    def chunk_vectors(self, rows: list[int]) -> np.ndarray:
        found = {}
        with milvus_errors(self.target):
            for start in range(0, len(rows), QUERY_IDS):  # a query returns at most 16,384 entities
                found.update((e["row"], e["dense"]) for e in self.client.query(
                    self.target.chunks, ids=list(rows[start:start + QUERY_IDS]), output_fields=["dense"]))
        return np.array([found[row] for row in rows], dtype=np.float32)


def stored_manifest(settings: Settings) -> tuple[Manifest | None, bool]:
    """The live generation's manifest (None when no build completed) and whether a build marker is set."""
    target = parse_store(settings.store)
    client = connect(target)
    with milvus_errors(target):
        live = live_target(client, target)
        manifest = read_manifest(client, live) if live else None
        return manifest, manifest is not None and _meta_get(client, live, "building") is not None
