"""The index on disk: generation folders swapped in atomically, a self-describing manifest, a lock."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import IndexBusyError, IndexCorruptError, IndexMissingError
from .lexical import BM25Index
from .schema import Chunk, Document

FORMAT = "rag-index/2"
CURRENT = "CURRENT"
LOCK = ".lock"
REBUILD_HINT = "run `rag index build` to rebuild it"


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
    files: dict[str, str]
    built_at: float
    build_seconds: float = 0.0


class StoredIndex:
    """Everything a query needs, loaded from one generation folder."""

    def __init__(self, manifest: Manifest, documents: dict[str, Document], chunks: list[Chunk],
                 vectors: np.ndarray, dense, lexical: BM25Index, folder: Path) -> None:
        self.manifest, self.documents, self.chunks = manifest, documents, chunks
        self.vectors, self.dense, self.lexical, self.folder = vectors, dense, lexical, folder


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        return Manifest.model_validate_json((folder / "manifest.json").read_bytes())
    except FileNotFoundError:
        raise IndexCorruptError(f"index manifest missing in {folder}: {REBUILD_HINT}") from None
    except (ValidationError, ValueError) as error:
        first = str(error).splitlines()[0]
        raise IndexCorruptError(f"index manifest {folder / 'manifest.json'} is not valid ({first}): {REBUILD_HINT}") from None


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Every file listed in the manifest exists and has the recorded checksum."""
    if manifest.format != FORMAT:
        raise IndexCorruptError(f"index format {manifest.format!r} is not {FORMAT!r}: {REBUILD_HINT}")
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.exists():
            raise IndexCorruptError(f"index file {path} is missing: {REBUILD_HINT}")
        if sha256_file(path) != expected:
            raise IndexCorruptError(f"index file {path} is damaged (checksum mismatch): {REBUILD_HINT}")


def load_index(index_dir: Path, attempts: int = 3) -> StoredIndex:
    """Load and verify the current generation; raise a one-line error for anything wrong.

    A build that lands while we read may delete the generation under us: when CURRENT has moved on,
    the read starts again on the new generation instead of failing."""
    for attempt in range(attempts):
        folder = current_generation(index_dir)
        if folder is None:
            raise IndexMissingError(f"no index in {index_dir}: run `rag index build` first")
        try:
            return _load_generation(folder)
        except (FileNotFoundError, NotADirectoryError, IndexCorruptError) as error:
            if current_generation(index_dir) != folder and attempt + 1 < attempts:
                continue
            if isinstance(error, IndexCorruptError):
                raise
            raise IndexCorruptError(f"index folder {folder} disappeared while reading: {REBUILD_HINT}") from None
    raise IndexCorruptError(f"index in {index_dir} kept changing while reading: try again")


def _load_generation(folder: Path) -> StoredIndex:
    import faiss

    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    try:
        documents = {d.doc_id: d for d in map(Document.model_validate_json, _lines(folder / "documents.jsonl"))}
        chunks = [Chunk.model_validate_json(line) for line in _lines(folder / "chunks.jsonl")]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        dense = faiss.read_index(str(folder / "dense.faiss"))
        lexical = BM25Index.load(folder / "lexical.npz")
    except (ValidationError, ValueError, RuntimeError, OSError, KeyError) as error:
        raise IndexCorruptError(f"index in {folder} cannot be read ({type(error).__name__}): {REBUILD_HINT}") from None
    _check_consistent(folder, manifest, chunks, vectors, dense)
    return StoredIndex(manifest, documents, chunks, vectors, dense, lexical, folder)


def _check_consistent(folder: Path, manifest: Manifest, chunks, vectors, dense) -> None:
    expected = manifest.counts.get("chunks", -1)
    if not (len(chunks) == len(vectors) == dense.ntotal == expected) or vectors.shape[1:] != (manifest.dimension,):
        raise IndexCorruptError(f"index in {folder} is inconsistent (chunk and vector counts differ): {REBUILD_HINT}")


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
        _write_jsonl(staging / "documents.jsonl", documents)
        _write_jsonl(staging / "chunks.jsonl", chunks)
        with open(staging / "vectors.npy", "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        faiss.write_index(dense, str(staging / "dense.faiss"))
        lexical.save(staging / "lexical.npz")
        names = ["documents.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "lexical.npz"]
        manifest.files = {n: sha256_file(staging / n) for n in names}
        (staging / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        _fsync_folder(staging)
        os.replace(staging, index_dir / name)
        _point_current_at(index_dir, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    remove_old_generations(index_dir, keep=name)
    return index_dir / name


def _write_jsonl(path: Path, records) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.model_dump_json() + "\n")


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
