"""Turn scraped article text into clean prose: no ticker tags, footnote markers or page debris."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from .figures import MONTH, YEAR
from .unglue import unglue

# "AlibabaBABA--", "MicrosoftMSFT--", "pointIPCX--", "BerkshireBRK.B--": a ticker glued to a word.
_TICKER_TAG = re.compile(r"(?<=[a-z0-9)])[A-Z]{1,5}(?:\.[A-Z])?--")
# "(NASDAQ: BABA)" style exchange tags are kept: they are prose. Footnote markers point at lost links.
_FOOTNOTE = re.compile(r"[ \t]*\[\d{1,3}\](?:\s*\[\d{1,3}\])*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
# Chat-template tokens ('<|im_start|>', '<|system|>') in article text: markup aimed at a model, never prose.
_CHAT_TOKEN = re.compile(r"<\|[A-Za-z_]{1,20}\|>|\[/?INST\]|<</?SYS>>")

# Lines that open the page furniture after an article's body, in several languages.
_TRAILER_LINES = re.compile(
    r"^(latest articles|related articles|related stories|read more|more from .{1,40}|recommended( for you)?|"
    r"comments?|comentarios|comentários|commentaires|kommentare|commenti|reacties|kommentarer|komentarze|"
    r"комментарии|评论|コメント|댓글|"
    r"no comments yet.*|be the first to comment.*|aún no hay comentarios.*|ainda não há comentários.*|"
    r"pas encore de commentaires.*|noch keine kommentare.*|nessun commento.*|"
    r"stay ahead of the market\.?|sign up for .{0,60}|subscribe to .{0,60}|share this article|"
    r"get curated .{0,120}(inbox|newsletter)\.?)$",
    re.IGNORECASE,
)
# A first-person author bio or a newsletter blurb after the body.
_BIO_LINE = re.compile(
    r"^(i am|i'm|about the author|the author\b)|\bfollow me\b|delivered to your inbox|sign up for our newsletter",
    re.IGNORECASE,
)
_TRAILER_ZONE = 0.5  # debris is only cut from the last half of a document


def clean_text(text: str) -> str:
    """Normalise, strip tags and markers, split words a PDF glued together, cut trailing page debris, tidy blank
    lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _TICKER_TAG.sub("", text)
    text = _FOOTNOTE.sub("", text)
    text = unglue(_CHAT_TOKEN.sub(" ", _ZERO_WIDTH.sub("", text)))  # 'Totalcurrentassets' of a PDF's table
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    lines = _cut_trailer(lines[:1] + join_table_rows(lines[1:]))  # the heading is no row label ('..., page 49', '49')

    return "\n".join(unwrap_lines(lines))


_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”")
_LIST_MARKER = re.compile(r"^\d{1,2}[.)]\s")


def unwrap_lines(lines: list[str]) -> list[str]:
    """Join a line wrapped mid-sentence (PDF text: '... to $762.7' / 'million compared to ...'): the line does not
    end a sentence, neither is a table row, and the next one goes on in lower case, or with a number after a
    lower-case word ('... in the fourth quarter of fiscal' / '2021.') that is not a table cell or list item."""
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        goes_on = line[:1].islower() or (line[:1].isdigit() and previous[-1:].islower()
                                         and not _CELL.match(line) and not _LIST_MARKER.match(line))
        if (previous and goes_on and not previous.endswith(_SENTENCE_END)
                and ROW_JOIN not in previous and ROW_JOIN not in line):
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


# PDF text of a financial table arrives one cell per line: a label, then its values ('$', '5,363', '(370)', '—').
_CELL = re.compile(r"^(?:[$€£¥]\s*)?\(?-?\d[\d,]*(?:\.\d+)?\)?\s*%?$|^[—–-]+$")
_CURRENCY_ONLY = re.compile(r"^[$€£¥]$")
# A column header cell: a year ('2018', 'FY2018') or a period-end date ('January 28, 2023', 'Dec. 31, 2022').
COLUMN_HEAD = rf"(?:FY\s?)?{YEAR}|{MONTH}\s+\d{{1,2}},?\s+{YEAR}"
_YEAR = re.compile(rf"^(?:{COLUMN_HEAD})$")
ROW_JOIN = " | "
_HEADS_ON_ONE_LINE = re.compile(rf"(?:{COLUMN_HEAD})(?:\s+(?:{COLUMN_HEAD}))+")
_CELL_THEN_CURRENCY = re.compile(r"^(.*\d\)?)\s+([$€£¥])$")  # '26,268 $': a cell, then the sign of the next one


def row_label(row: str) -> str:
    """A table row's label: what its cells are ('Cost of sales' of 'Cost of sales | 2019: 385,301')."""
    return row.split(ROW_JOIN, 1)[0]


def _one_cell_per_line(line: str) -> list[str]:
    """Column heads printed on one line ('December 28, 2019 December 29, 2018', '2019 2018 2017') and a cell followed
    by the next cell's currency sign ('26,268 $') are split as the rest of the table arrives: one cell per line."""
    if _HEADS_ON_ONE_LINE.fullmatch(line):
        return [m.group() for m in re.finditer(COLUMN_HEAD, line)]
    split = _CELL_THEN_CURRENCY.match(line)
    if split and _CELL.match(split.group(1)):
        return [split.group(1), split.group(2)]
    return [line]


def join_table_rows(lines: list[str]) -> list[str]:
    """Rebuild table rows from one-cell-per-line text: 'Label | 2018: 5,363 | 2017: 4,869', the years (or period-end
    dates) taken from the last run of year-only lines above (the column header) when the counts agree. Prose is
    left alone."""
    lines = [cell for line in lines for cell in _one_cell_per_line(line)]
    out: list[str] = []
    header: list[str] = []
    i = 0
    while i < len(lines):
        years = _run(lines, i, lambda line: bool(_YEAR.match(line)))
        if len(years) >= 2:
            header, i = years, i + len(years)
            out.append(ROW_JOIN.join(years))
            continue
        cells = _run(lines, i + 1, lambda line: bool(_CELL.match(line) or _CURRENCY_ONLY.match(line)))
        values = _merge_currency(cells)
        if len(values) >= 2 and all(_YEAR.match(v) for v in values):
            header = values  # '(Millions)' then '2018', '2017', '2016': a column header
            out.append(ROW_JOIN.join([lines[i]] + values))
            i += 1 + len(cells)
        elif values and not _CELL.match(lines[i]) and len(lines[i]) <= 200:
            out.append(_row(lines[i], values, header))
            i += 1 + len(cells)
        else:
            out.append(lines[i])
            i += 1
    return out


def _run(lines: list[str], start: int, test) -> list[str]:
    run = []
    while start + len(run) < len(lines) and test(lines[start + len(run)]):
        run.append(lines[start + len(run)])
    return run


def _merge_currency(cells: list[str]) -> list[str]:
    """'$' alone on a line belongs to the value after it."""
    values, pending = [], ""
    for cell in cells:
        if _CURRENCY_ONLY.match(cell):
            pending = cell
        else:
            values.append(pending + cell)
            pending = ""
    return values


def _row(label: str, values: list[str], header: list[str]) -> str:
    if len(values) == len(header):
        return ROW_JOIN.join([label.rstrip(" :")] + [f"{year}: {value}" for year, value in zip(header, values)])
    return ROW_JOIN.join([label.rstrip(" :")] + values)


def _cut_trailer(lines: list[str]) -> list[str]:
    """Drop everything from the first debris line in the back half, then any bio lines left at the end."""
    first_candidate = int(len(lines) * _TRAILER_ZONE)
    for i in range(max(first_candidate, 1), len(lines)):
        if _TRAILER_LINES.match(lines[i]):
            lines = lines[:i]
            break
    while len(lines) > 1 and _BIO_LINE.search(lines[-1]) and not _looks_like_body(lines[-1]):
        lines = lines[:-1]
    return lines


def _looks_like_body(line: str) -> bool:
    """A bio never carries the article's figures; a line with money or percentages is body text."""
    return bool(re.search(r"[$€£¥%]|\b\d+(\.\d+)?\s*(billion|million|percent)\b", line, re.IGNORECASE))


class _HTMLText(HTMLParser):
    """Collect visible text, dropping scripts, styles, navigation and comments; blocks become lines."""

    SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "svg", "template", "iframe"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote", "pre"}
    CELL = {"td", "th"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "area", "base", "col", "embed"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self._skip_depth = 0
        self._in: list[str] = []
        self._hidden_at: list[int] = []  # depths of open elements a reader cannot see

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip_depth += 1
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self.CELL and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append(ROW_JOIN)  # 'Baidu AI Cloud' | '17%': cells stay apart
        if tag not in self.VOID and _hidden(dict(attrs)):
            self._hidden_at.append(len(self._in))
        if tag not in self.VOID:
            self._in.append(tag)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass
        while self._hidden_at and self._hidden_at[-1] >= len(self._in):
            self._hidden_at.pop()

    def handle_data(self, data):
        current = self._in[-1] if self._in else ""
        if current == "title":
            self.title += data
            return
        if self._skip_depth or self._hidden_at:
            return
        if current == "h1" and not self.h1:
            self.h1 = data.strip()
        self.parts.append(data)


def _hidden(attrs: dict) -> bool:
    """display:none, visibility:hidden, the hidden attribute, aria-hidden: text no reader sees is not indexed."""
    style = re.sub(r"\s+", "", (attrs.get("style") or "").lower())
    return ("hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true"
            or "display:none" in style or "visibility:hidden" in style)


def html_to_text(raw: str) -> tuple[str, str]:
    """Visible text of an HTML page and its title (from <title> or the first <h1>)."""
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.parts)
    text = "\n".join(line.strip().strip("|").strip() for line in text.split("\n"))
    title = html.unescape(parser.h1 or parser.title).strip()
    if title and not text.lstrip().startswith(title):
        text = title + "\n" + text
    return text, title


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_LIST = re.compile(r"^\s*[-*+]\s+", re.MULTILINE)
_MD_QUOTE = re.compile(r"^\s*>\s?", re.MULTILINE)
_MD_RULE = re.compile(r"^\s*([-*_]\s*){3,}$", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_MD_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$", re.MULTILINE)


def markdown_to_text(raw: str) -> str:
    """Markdown as plain prose: headings, links, emphasis and list marks removed; table rows as 'a | b'."""
    text = _HTML_COMMENT.sub("", raw)
    text = _MD_TABLE_RULE.sub("", text)
    text = _MD_TABLE_ROW.sub(lambda m: ROW_JOIN.join(cell.strip() for cell in m.group(1).split("|")), text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_LIST.sub("", text)
    text = _MD_QUOTE.sub("", text)
    return _MD_EMPHASIS.sub("", text)
