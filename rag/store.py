"""The index on disk: generation folders swapped in atomically, a self-describing manifest, a lock."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import mmap
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import IndexBusyError, IndexCorruptError, IndexMissingError
from .lexical import BM25Index
from .schema import Chunk, Document

FORMAT = "rag-index/3"
CURRENT = "CURRENT"
LOCK = ".lock"
REBUILD_HINT = "run `rag index build` to rebuild it"
FULL_HASH_BYTES = 64 << 20  # files up to this size are hashed whole at every load
_SAMPLE_BLOCKS, _SAMPLE_SIZE = 64, 1 << 16


class FileEntry(BaseModel):
    """What a file of the index looked like when it was written. A large file whose size and modification time
    are unchanged is checked by a hash of 64 blocks spread over it; any other file is hashed whole."""
    model_config = ConfigDict(extra="forbid")
    bytes: int
    sha256: str
    sample_sha256: str
    mtime_ns: int


class DocumentEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    title: str
    content_hash: str
    chunks: int


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: str = FORMAT
    embedding_model: str
    dimension: int
    chunking: dict
    tokenizer_version: int
    dense_index: dict
    documents: dict[str, DocumentEntry]
    counts: dict[str, int]
    files: dict[str, FileEntry]
    built_at: float
    build_seconds: float = 0.0


Record = TypeVar("Record", Chunk, Document)


class JsonlRecords(Sequence, Generic[Record]):
    """Records of a JSON-lines file, parsed only when asked for: the file is memory-mapped and a saved array
    holds where each line starts, so opening a million-chunk index does not parse a million records."""

    def __init__(self, path: Path, offsets: np.ndarray, model: type[Record]) -> None:
        self.path, self.offsets, self.model = path, offsets, model
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if len(offsets) == 0 or int(offsets[0]) != 0 or int(offsets[-1]) != size:
            raise IndexCorruptError(f"index file {path} does not match its line offsets: {REBUILD_HINT}")
        self._parse = lru_cache(maxsize=4096)(self._parse_row)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._parse(row)

    def __iter__(self) -> Iterator[Record]:
        return (self._parse_row(row) for row in range(len(self)))

    def _parse_row(self, row: int) -> Record:
        line = self._data[int(self.offsets[row]):int(self.offsets[row + 1])]
        try:
            return self.model.model_validate_json(line)
        except (ValidationError, ValueError):
            raise IndexCorruptError(f"index file {self.path} is damaged at record {row}: {REBUILD_HINT}") from None


class DocumentTable(Mapping):
    """doc_id -> Document, read from disk on access (documents carry their whole text)."""

    def __init__(self, ids: list[str], records: JsonlRecords) -> None:
        if len(ids) != len(records):
            raise IndexCorruptError(f"index file {records.path} does not match the manifest: {REBUILD_HINT}")
        self._rows, self._records = {doc_id: row for row, doc_id in enumerate(ids)}, records

    def __getitem__(self, doc_id: str) -> Document:
        document = self._records[self._rows[doc_id]]
        if document.doc_id != doc_id:
            raise IndexCorruptError(f"index file {self._records.path} does not match the manifest: {REBUILD_HINT}")
        return document

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def values(self):
        return iter(self._records)


class ChunkStore(Protocol):
    """What answering and summarising read from an index: the seam another store (a database) would implement.
    Rows are chunk positions; a store answers dense and lexical searches with (row, score) pairs, best first."""

    manifest: Manifest
    documents: Mapping[str, Document]
    chunks: Sequence[Chunk]  # chunks[row]; a chunk's chunk_id is its row
    version: object  # changes when a build lands

    def dense_search(self, vector: np.ndarray, top: int) -> list[tuple[int, float]]: ...

    def lexical_search(self, question: str, top: int) -> list[tuple[int, float]]: ...

    def term_idf(self, term: str) -> float: ...

    def chunk_vectors(self, rows: list[int]) -> np.ndarray: ...


class StoredIndex:
    """The on-disk store: everything a query needs, opened from one generation folder; large parts stay on disk
    until used. Implements ChunkStore."""

    def __init__(self, manifest: Manifest, documents: Mapping[str, Document], chunks: Sequence[Chunk],
                 vectors: np.ndarray, dense, lexical: BM25Index, folder: Path) -> None:
        self.manifest, self.documents, self.chunks = manifest, documents, chunks
        self.vectors, self.dense, self.lexical, self.folder = vectors, dense, lexical, folder
        self.version = folder
        if manifest.dense_index.get("type") == "ivf":
            dense.nprobe = manifest.dense_index["nprobe"]

    def dense_search(self, vector: np.ndarray, top: int) -> list[tuple[int, float]]:
        """The `top` nearest chunks by inner product, searched on the calling thread: FAISS's OpenMP workers
        would gain little on one query and, spinning for work after it, slow the embedding model's threads
        (1M-chunk searches p50 13 ms instead of 21)."""
        import faiss

        top = min(top, len(self.chunks))
        if top == 0:
            return []
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, rows = self.dense.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), top)
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def lexical_search(self, question: str, top: int) -> list[tuple[int, float]]:
        return self.lexical.search(question, top)

    def term_idf(self, term: str) -> float:
        return self.lexical.term_idf(term)

    def chunk_vectors(self, rows: list[int]) -> np.ndarray:
        return np.asarray(self.vectors[rows])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sample_sha256(path: Path) -> str:
    """sha256 of the size and 64 blocks of 64 KiB spread evenly over the file."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        for i in range(_SAMPLE_BLOCKS):
            handle.seek(max(0, (size - _SAMPLE_SIZE) * i // max(_SAMPLE_BLOCKS - 1, 1)))
            digest.update(handle.read(_SAMPLE_SIZE))
    return digest.hexdigest()


def describe_file(path: Path) -> FileEntry:
    stat = path.stat()
    return FileEntry(bytes=stat.st_size, sha256=sha256_file(path), sample_sha256=sample_sha256(path),
                     mtime_ns=stat.st_mtime_ns)


def current_generation(index_dir: Path) -> Path | None:
    """The folder CURRENT points at, or None when no index was built."""
    pointer = Path(index_dir) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise IndexCorruptError(f"index pointer {pointer} cannot be read ({error}): {REBUILD_HINT}") from None
    folder = Path(index_dir) / name
    if not name.startswith("gen-") or "/" in name or not folder.is_dir():
        raise IndexCorruptError(f"index pointer {pointer} names a missing generation {name!r}: {REBUILD_HINT}")
    return folder


def read_manifest(folder: Path) -> Manifest:
    try:
        data = json.loads((folder / "manifest.json").read_bytes())
        written_as = data.get("format")
        if written_as != FORMAT:
            raise IndexCorruptError(f"index in {folder} was written in format {written_as!r}, this version of rag "
                                    f"reads {FORMAT!r}: {REBUILD_HINT}")
        return Manifest.model_validate(data)
    except FileNotFoundError:
        raise IndexCorruptError(f"index manifest missing in {folder}: {REBUILD_HINT}") from None
    except (ValidationError, ValueError, AttributeError) as error:
        first = str(error).splitlines()[0]
        raise IndexCorruptError(f"index manifest {folder / 'manifest.json'} is not valid ({first}): {REBUILD_HINT}") from None


def verify_files(folder: Path, manifest: Manifest, full: bool = False) -> None:
    """Every file listed in the manifest exists and has the recorded checksum. Large files untouched since the
    build (same size and modification time) are checked by a sampled hash unless `full`."""
    for name, expected in manifest.files.items():
        path = folder / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise IndexCorruptError(f"index file {path} is missing: {REBUILD_HINT}") from None
        if stat.st_size != expected.bytes:
            raise IndexCorruptError(f"index file {path} is damaged (size changed): {REBUILD_HINT}")
        whole = full or stat.st_size <= FULL_HASH_BYTES or stat.st_mtime_ns != expected.mtime_ns
        intact = sha256_file(path) == expected.sha256 if whole else sample_sha256(path) == expected.sample_sha256
        if not intact:
            raise IndexCorruptError(f"index file {path} is damaged (checksum mismatch): {REBUILD_HINT}")


def load_index(index_dir: Path, attempts: int = 3, full_check: bool = False) -> StoredIndex:
    """Open and verify the current generation; raise a one-line error for anything wrong.

    A build that lands while we read may delete the generation under us: when CURRENT has moved on,
    the read starts again on the new generation instead of failing."""
    for attempt in range(attempts):
        folder = current_generation(index_dir)
        if folder is None:
            raise IndexMissingError(f"no index in {index_dir}: run `rag index build` first")
        try:
            return _load_generation(folder, full_check)
        except (FileNotFoundError, NotADirectoryError, IndexCorruptError) as error:
            if current_generation(index_dir) != folder and attempt + 1 < attempts:
                continue
            if isinstance(error, IndexCorruptError):
                raise
            raise IndexCorruptError(f"index folder {folder} disappeared while reading: {REBUILD_HINT}") from None
    raise IndexCorruptError(f"index in {index_dir} kept changing while reading: try again")


def _load_generation(folder: Path, full_check: bool = False) -> StoredIndex:
    import faiss

    manifest = read_manifest(folder)
    verify_files(folder, manifest, full_check)
    try:
        documents = DocumentTable(list(manifest.documents), _records(folder, "documents", Document))
        chunks = _records(folder, "chunks", Chunk)
        vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
        dense = faiss.read_index(str(folder / "dense.faiss"), _dense_read_flags(manifest.dense_index))
        lexical = BM25Index.load(folder)
    except (ValidationError, ValueError, RuntimeError, OSError, KeyError) as error:
        raise IndexCorruptError(f"index in {folder} cannot be read ({type(error).__name__}): {REBUILD_HINT}") from None
    _check_consistent(folder, manifest, chunks, vectors, dense, lexical)
    return StoredIndex(manifest, documents, chunks, vectors, dense, lexical, folder)


def _dense_read_flags(plan: dict) -> int:
    """8-bit IVF lists are read whole (0.3 s at a million chunks): a query then scans memory instead of
    faulting in the pages of ~100 lists, 2 ms instead of 5. Float lists, in indexes built before lists were
    8-bit, are four times larger and stay memory-mapped: reading them would cost seconds per start."""
    import faiss

    return faiss.IO_FLAG_MMAP if plan.get("type") == "ivf" and plan.get("codes", "flat") == "flat" else 0


def _records(folder: Path, name: str, model) -> JsonlRecords:
    offsets = np.load(folder / f"{name}.offsets.npy", allow_pickle=False)
    return JsonlRecords(folder / f"{name}.jsonl", offsets, model)


def _check_consistent(folder: Path, manifest: Manifest, chunks, vectors, dense, lexical: BM25Index) -> None:
    expected = manifest.counts.get("chunks", -1)
    if (not (len(chunks) == len(vectors) == dense.ntotal == len(lexical.doc_len) == expected)
            or vectors.shape[1:] != (manifest.dimension,)):
        raise IndexCorruptError(f"index in {folder} is inconsistent (chunk and vector counts differ): {REBUILD_HINT}")


def write_generation(index_dir: Path, manifest: Manifest, documents: list[Document], chunks: list[Chunk],
                     vectors: np.ndarray, dense, lexical: BM25Index) -> Path:
    """Write a new generation beside the current one, then switch CURRENT to it in one rename."""
    import faiss

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    staging = index_dir / f".tmp-{name}"
    staging.mkdir()
    try:
        _write_records(staging, "documents", documents)
        _write_records(staging, "chunks", chunks)
        with open(staging / "vectors.npy", "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        faiss.write_index(dense, str(staging / "dense.faiss"))
        lexical_files = lexical.save(staging)
        names = ["documents.jsonl", "documents.offsets.npy", "chunks.jsonl", "chunks.offsets.npy", "vectors.npy",
                 "dense.faiss", *lexical_files]
        manifest.files = {n: describe_file(staging / n) for n in names}
        (staging / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        _fsync_folder(staging)
        _verify_before_switch(staging, documents, chunks)
        os.replace(staging, index_dir / name)
        _point_current_at(index_dir, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    remove_old_generations(index_dir, keep=name)
    return index_dir / name


def _verify_before_switch(folder: Path, documents: list[Document], chunks: list[Chunk]) -> None:
    """The new generation must open, fully hashed, and hold what was written, with unique document ids, before
    it replaces the last good one; otherwise the build fails and the old index stays in use."""
    try:
        written = _load_generation(folder, full_check=True)
    except (IndexCorruptError, OSError) as error:
        raise IndexCorruptError(f"the new index failed its check ({error}); the previous index is kept") from None
    ids = {d.doc_id for d in documents}
    problems = []
    if len(ids) != len(documents):
        problems.append("document ids are not unique")
    if len(written.documents) != len(documents) or len(written.chunks) != len(chunks):
        problems.append(f"it holds {len(written.documents)} documents and {len(written.chunks)} chunks, "
                        f"{len(documents)} and {len(chunks)} were written")
    if written.dense.ntotal != len(chunks):
        problems.append(f"its dense index holds {written.dense.ntotal} vectors for {len(chunks)} chunks")
    if problems:
        raise IndexCorruptError("the new index failed its check (" + "; ".join(problems) + "); "
                                "the previous index is kept")


def _write_records(folder: Path, name: str, records) -> None:
    """name.jsonl, one record per line, and name.offsets.npy, where each line starts (plus the file's end)."""
    offsets = [0]
    with open(folder / f"{name}.jsonl", "wb") as handle:
        for record in records:
            offsets.append(offsets[-1] + handle.write(record.model_dump_json().encode("utf-8") + b"\n"))
    with open(folder / f"{name}.offsets.npy", "wb") as handle:
        np.save(handle, np.array(offsets, dtype=np.int64), allow_pickle=False)


def _fsync_folder(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def _point_current_at(index_dir: Path, name: str) -> None:
    temporary = index_dir / f".{CURRENT}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, index_dir / CURRENT)


def remove_old_generations(index_dir: Path, keep: str, spare: int = 1) -> None:
    """Delete all but the newest generations (one spare stays for readers that still use it) and stale temp folders."""
    generations = sorted((p for p in index_dir.glob("gen-*") if p.name != keep), key=lambda p: p.stat().st_mtime)
    for old in generations[: max(len(generations) - spare, 0)]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in index_dir.glob(".tmp-gen-*"):
        pid = leftover.name.split("-")[-2] if leftover.name.count("-") >= 3 else ""
        if not pid.isdigit() or not _process_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def build_lock(index_dir: Path, wait_seconds: float = 30.0):
    """Hold the index's build lock; wait up to wait_seconds for another build, then refuse."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"another `rag index build` is running on {index_dir}: wait for it to finish") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
