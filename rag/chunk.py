"""Split cleaned text into sentences (with offsets) and group them into small chunks."""

from __future__ import annotations

import re

from .clean import ROW_JOIN
from .figures import find_figures
from .schema import Chunk, Document, Span
from .settings import ChunkSettings

# A sentence ends at . ! ? (maybe followed by quotes or brackets) before white space and a capital,
# digit, quote or bracket. "$4.7 billion" and "Qwen2.5-Max" have no space after the dot, so they stay whole.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[A-Z0-9\"'“‘(\[$€£¥])")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "inc", "ltd", "co", "corp", "plc", "llc",
    "vs", "etc", "e.g", "i.e", "no", "fig", "approx", "est", "dept", "gov", "gen", "rep", "sen",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
_INITIALISM = re.compile(r"(?:^|[\s(])(?:[A-Za-z]\.){1,4}$")  # U.S. / U.K. / J. (an initial)


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Sentence spans of `text`, shifted by `offset`; every line break also ends a sentence."""
    spans: list[Span] = []
    line_start = 0
    for line in text.split("\n"):
        spans.extend(_split_line(line, offset + line_start))
        line_start += len(line) + 1
    return spans


def _split_line(line: str, offset: int) -> list[Span]:
    spans, start = [], 0
    for match in _BOUNDARY.finditer(line):
        if _is_abbreviation(line[: match.start() + 1]):
            continue
        end = match.end() - len(match.group()) + len(match.group().rstrip())
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(line.rstrip())))
    return [Span(start=offset + a, end=offset + b) for a, b in _trim(line, spans)]


def _trim(line: str, spans):
    for a, b in spans:
        while a < b and line[a].isspace():
            a += 1
        if a < b:
            yield a, b


def _is_abbreviation(before: str) -> bool:
    """True when the full stop that ends `before` belongs to an abbreviation, not a sentence end."""
    if not before.endswith("."):
        return False
    if re.fullmatch(r"\s*\d{1,3}\.", before):  # "1. " opening a numbered list item
        return True
    word = before[:-1].rsplit(None, 1)[-1].lstrip("(\"'“") if before[:-1].strip() else ""
    return word.lower() in _ABBREVIATIONS or bool(_INITIALISM.search(before))


def is_heading(sentence: str) -> bool:
    """A short line with no closing punctuation reads as a heading (a table row does not); a closing quote is not
    punctuation of its own ('Navigating the "Big Three"' is a heading, 'He said "no."' is not)."""
    return (len(sentence) <= 120 and not sentence.rstrip().rstrip("\"”’'").endswith((".", "!", "?", ":", ";"))
            and " | " not in sentence)


def chunk_document(document: Document, settings: ChunkSettings, first_id: int = 0) -> list[Chunk]:
    """Group each paragraph's sentences into chunks of at most `max_sentences` and `max_chars`; consecutive
    table rows (one per line) are grouped as one paragraph, up to `table_rows` rows a chunk."""
    chunks: list[Chunk] = []
    section = caption = ""
    line_start = 0
    rows: list[Span] = []
    labels: list[tuple[str, list[Span]]] = []  # short lines waiting to be read: column labels or headings

    def add(groups: list[list[Span]], heading: str) -> None:
        for group in groups:
            start, end = group[0].start, group[-1].end
            text = document.text[start:end]
            chunks.append(Chunk(chunk_id=first_id + len(chunks), doc_id=document.doc_id, start=start, end=end,
                                text=text, sentences=group, section=heading,
                                figure_kinds=sorted({f.kind for f in find_figures(text)})))

    def read_labels_as_headings() -> None:
        nonlocal section
        for line, sentences in labels:
            section = line.strip()
            add(_group(sentences, settings.max_sentences, settings.max_chars), section)
        labels.clear()

    for line in document.text.split("\n"):
        sentences = _split_line(line, line_start)
        line_start += len(line) + 1
        if ROW_JOIN in line and len(sentences) == 1:
            if labels and not rows:  # short lines right above a table are its column labels, not sections
                if not caption:
                    del labels[1:]  # the first is the table's title
                    read_labels_as_headings()
                labels.clear()
            rows += sentences
            continue
        add(_group(rows, settings.table_rows, settings.max_chars), caption or section)
        if rows:
            rows, caption = [], ""
        if len(sentences) == 1 and is_heading(line):
            labels.append((line, sentences))
            continue
        read_labels_as_headings()
        caption = _caption(document.text, sentences)
        add(_group(sentences, settings.max_sentences, settings.max_chars), section)
    read_labels_as_headings()
    add(_group(rows, settings.table_rows, settings.max_chars), caption or section)
    return chunks


def _caption(text: str, sentences: list[Span]) -> str:
    """A line ending in a colon ('Stores open at the end of the quarter were as follows:') introduces what follows;
    when a table follows, its rows are about what the line says."""
    last = text[sentences[-1].start:sentences[-1].end].strip() if sentences else ""
    return last if last.endswith(":") else ""


def _group(sentences: list[Span], max_sentences: int, max_chars: int) -> list[list[Span]]:
    groups: list[list[Span]] = []
    for span in sentences:
        current = groups[-1] if groups else None
        fits = current and len(current) < max_sentences and span.end - current[0].start <= max_chars
        if fits:
            current.append(span)
        else:
            groups.append([span])
    return groups
