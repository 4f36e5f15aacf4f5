"""Read a corpus folder into cleaned Documents, skipping bad files with a warning that names them."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .clean import clean_text, html_to_text, markdown_to_text
from .errors import CorpusError
from .schema import Document
from .settings import IngestSettings

_TITLE_MAX = 200


@dataclass
class IngestResult:
    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def ingest_corpus(corpus_dir: Path, settings: IngestSettings | None = None) -> IngestResult:
    """Every readable article under corpus_dir, cleaned; duplicates by content are kept once."""
    settings = settings or IngestSettings()
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist: create it and put .txt, .md or .html articles in it")
    result = IngestResult()
    seen_hashes: dict[str, str] = {}
    seen_ids: set[str] = set()
    for path in find_article_files(corpus_dir, settings.extensions, result.warnings):
        document = _read_one(path, corpus_dir, settings, result.warnings)
        if document is None:
            continue
        if document.content_hash in seen_hashes:
            result.warnings.append(f"{document.path}: same content as {seen_hashes[document.content_hash]}, indexed once")
            continue
        seen_hashes[document.content_hash] = document.path
        document.doc_id = _unique(document.doc_id, document.path, seen_ids)
        seen_ids.add(document.doc_id)
        result.documents.append(document)
    return result


def _unique(doc_id: str, path: str, taken: set[str]) -> str:
    """An id no other document has: 'a' for a.txt when a.md took 'a' becomes 'a-txt', then 'a-txt-2', ..."""
    if doc_id not in taken:
        return doc_id
    candidate = doc_id_for(path.replace(".", "-"))
    number = 2
    while candidate in taken:
        candidate = f"{doc_id_for(path.replace('.', '-'))}-{number}"
        number += 1
    return candidate


def find_article_files(corpus_dir: Path, extensions, warnings: list[str]) -> list[Path]:
    """Article files in a stable order; symlink loops and unreadable folders are reported, not followed."""
    found: list[Path] = []

    def on_error(error: OSError) -> None:
        warnings.append(f"{error.filename}: cannot be read ({error.strerror}), skipped")

    for root, dirs, files in os.walk(corpus_dir, onerror=on_error, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() not in extensions:
                continue
            if path.is_symlink() and not path.exists():
                warnings.append(f"{path}: broken or looping link, skipped")
                continue
            if path.is_symlink() and not _inside(path.resolve(), corpus_dir.resolve()):
                warnings.append(f"{path}: link to a file outside the corpus folder, skipped")
                continue
            found.append(path)
    return found


def read_document(corpus_dir: Path, relative_path: str, settings: IngestSettings | None = None) -> Document | None:
    """One article as ingest reads it now, or None when it is gone or unreadable."""
    path = Path(corpus_dir) / relative_path
    if not path.is_file():
        return None
    return _read_one(path, Path(corpus_dir), settings or IngestSettings(), [])


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _read_one(path: Path, corpus_dir: Path, settings: IngestSettings, warnings: list[str]) -> Document | None:
    relative = path.relative_to(corpus_dir).as_posix()
    try:
        raw = _read_bytes(path, settings.max_file_bytes, warnings, relative)
    except OSError as error:
        warnings.append(f"{relative}: cannot be read ({error.strerror or error}), skipped")
        return None
    text = decode_bytes(raw, relative, warnings)
    if text is None:
        return None
    body, title = _to_plain_text(text, path.suffix.lower())
    cleaned = clean_text(body)
    if not cleaned.strip():
        warnings.append(f"{relative}: no text left after cleaning, skipped")
        return None
    return Document(
        doc_id=doc_id_for(relative),
        title=title or guess_title(cleaned, path.stem),
        path=relative,
        content_hash=hashlib.sha256(cleaned.encode("utf-8")).hexdigest(),
        text=cleaned,
    )


def _read_bytes(path: Path, limit: int, warnings: list[str], relative: str) -> bytes:
    """Read at most `limit` bytes, so a huge file costs bounded memory."""
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        warnings.append(f"{relative}: larger than {limit:,} bytes, only the first {limit:,} are indexed")
        raw = raw[:limit]
    return raw


def decode_bytes(raw: bytes, name: str, warnings: list[str]) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1 with a warning; binary and empty are skipped."""
    if not raw.strip():
        warnings.append(f"{name}: empty file, skipped")
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            warnings.append(f"{name}: broken UTF-16, skipped")
            return None
    if b"\x00" in raw[:8192]:
        warnings.append(f"{name}: binary file, skipped")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start > len(raw) - 4:  # a multi-byte character cut by the size limit
            return raw[: error.start].decode("utf-8-sig")
    warnings.append(f"{name}: not UTF-8, read as Windows-1252/Latin-1")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _to_plain_text(text: str, suffix: str) -> tuple[str, str]:
    if suffix in (".html", ".htm"):
        return html_to_text(text)
    if suffix in (".md", ".markdown"):
        return markdown_to_text(text), ""
    return text, ""


def guess_title(cleaned: str, fallback: str) -> str:
    """The first line when it reads like a headline, else the file name."""
    first = cleaned.split("\n", 1)[0].strip()
    if first and len(first) <= _TITLE_MAX and (not first.endswith((".", "!")) or len(first.split()) <= 12):
        return first
    return fallback


def doc_id_for(relative_path: str) -> str:
    """Stable id from the path inside the corpus: survives edits to the article."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", relative_path)
    return re.sub(r"[^A-Za-z0-9_./-]+", "-", stem).strip("-") or "doc"
