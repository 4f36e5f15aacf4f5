"""Find figures (percentages, money, counts, years) in text and decide whether two figures agree."""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "trillion": 1e12, "tn": 1e12, "t": 1e12}
WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
         "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12}
CURRENCIES = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
              "¥": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "renminbi": "CNY", "dollars": "USD", "dollar": "USD",
              "euros": "EUR", "euro": "EUR"}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"trillion|billion|million|thousand|bn|mn|mln|tn|[kmbt](?![a-z])"
_CUR_BEFORE = r"US\$|\$|€|£|¥|USD|RMB|CNY|EUR|GBP"
_CUR_AFTER = r"USD|RMB|CNY|EUR|GBP|yuan|dollars?|euros?"
_RANGE_JOIN = r"\s?[–—-]\s?"
_FIGURE = re.compile(
    rf"(?P<cur>{_CUR_BEFORE})?\s?(?<![\w.])(?P<num>{_NUM})(?:{_RANGE_JOIN}(?:{_CUR_BEFORE})?\s?(?P<high>{_NUM}))?"
    rf"(?:\s?(?P<scale>{_SCALE}))?(?![\w.]*\d)"
    rf"(?:\s?(?P<pct>%|percent\b|per cent\b|pct\b|percentage points?\b))?"
    rf"(?:\s(?P<cur_after>{_CUR_AFTER})\b)?",
    re.IGNORECASE,
)
_WORD_FIGURE = re.compile(r"\b(?P<word>" + "|".join(WORDS) + r")\b(?:\s(?P<pct>percent\b))?", re.IGNORECASE)
_GLUED = re.compile(r"[A-Za-z]$|[A-Za-z]-$")  # 'Q1', 'Qwen2.5', and codes: 'COVID-19', 'F-16'
_CODE_AFTER = re.compile(r"-[A-Z]")  # '10-K', '8-K': a form's name
YEAR = r"(?:19|20)\d\d"  # a year as written in news and filings: 1900-2099
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"  # a month's name or abbreviation
# A day of a month ('December 31', 'Dec. 31', '31 December'): part of a date, not a figure.
_MONTH_BEFORE = re.compile(rf"\b{MONTH}\s$")
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?\s(?:of\s)?{MONTH}\b")
# A number that numbers a part of a document ('Note 5', 'Item 7', 'page 20', 'Exhibit 10.1'): a reference, not a figure.
_REFERENCE_BEFORE = re.compile(r"\b(?:Note|Item|Part|Section|Exhibit|Page|Chapter|Schedule|Table|Figure|Appendix|"
                               r"Article)s?\.?\s$", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """One figure: kind is percent, money, year or number; value has its scale applied."""

    value: float
    kind: str
    text: str
    start: int
    end: int
    high: float | None = None
    currency: str | None = None

    @property
    def values(self) -> tuple[float, ...]:
        return (self.value,) if self.high is None else (self.value, self.high)


def find_figures(text: str) -> list[Figure]:
    """Every figure in the text, left to right. Numbers glued to letters (Q1, Qwen2.5) or hyphened to them in a
    code (10-K, COVID-19) are names, not figures."""
    figures = [f for f in map(_from_match, _FIGURE.finditer(text)) if f is not None]
    taken = [(f.start, f.end) for f in figures]
    for match in _WORD_FIGURE.finditer(text):
        if not any(a <= match.start() < b for a, b in taken) and not _hyphenated_word(text, match):
            value = float(WORDS[match.group("word").lower()])
            kind = "percent" if match.group("pct") else "number"
            figures.append(Figure(value, kind, match.group(0), match.start(), match.end()))
    return sorted(figures, key=lambda f: f.start)


def numbers_list_item(text: str, figure: Figure) -> bool:
    """'2. Regional Expansion: ...' or '3) ...' opening a sentence numbers a list item; it counts and measures
    nothing."""
    return not text[:figure.start].strip() and re.fullmatch(r"\d{1,2}", figure.text) is not None and \
        re.match(r"[.)]\s", text[figure.end:figure.end + 2]) is not None


def _hyphenated_word(text: str, match: re.Match) -> bool:
    """'one-time', 'two-thirds', 'once-in-a-generation': words, not counts."""
    return match.end() < len(text) and text[match.end()] == "-" or match.start() > 0 and text[match.start() - 1] == "-"


def _from_match(match: re.Match) -> Figure | None:
    if match.start("num") > 0 and _GLUED.search(match.string[: match.start("num")]) or \
            _CODE_AFTER.match(match.string, match.end("num")) or _day_of_month(match) or _reference(match):
        return None
    scale = SCALES.get((match.group("scale") or "").lower(), 1.0)
    currency_mark = match.group("cur") or match.group("cur_after")
    if match.group("scale") and len(match.group("scale")) == 1 and not currency_mark:
        return None  # "5 m" without a currency is more likely metres than millions
    value = _number(match.group("num")) * scale
    high = _number(match.group("high")) * scale if match.group("high") else None
    if match.group("pct"):
        kind, currency = "percent", None
    elif currency_mark:
        kind, currency = "money", CURRENCIES.get(currency_mark.lower().replace(" ", ""), currency_mark.upper())
    else:
        kind, currency = _plain_kind(match.group("num"), scale), None
    start = match.start("cur") if match.group("cur") else match.start("num")
    end = match.end()
    text = match.string[start:end].rstrip()
    return Figure(value, kind, text, start, start + len(text), high, currency)


def _plain(match: re.Match) -> bool:
    """A bare number: no currency, scale, percent sign or range."""
    return not any(match.group(part) for part in ("cur", "cur_after", "scale", "pct", "high"))


def _day_of_month(match: re.Match) -> bool:
    """'31' of 'December 31, 2019' or '31st of December': a day, read as part of its date, never a figure."""
    if not _plain(match) or not re.fullmatch(r"\d{1,2}", match.group("num")):
        return False
    text = match.string
    return bool(_MONTH_BEFORE.search(text[:match.start("num")]) or _MONTH_AFTER.match(text, match.end("num")))


def _reference(match: re.Match) -> bool:
    """'5' of 'Note 5 - Acquisitions', '20' of 'page 20': the number of a part of a document."""
    return _plain(match) and bool(_REFERENCE_BEFORE.search(match.string[:match.start("num")]))


def _plain_kind(number: str, scale: float) -> str:
    is_year = scale == 1.0 and re.fullmatch(YEAR, number) is not None
    return "year" if is_year else "number"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def same_figure(claim: Figure, source: Figure, tolerance: float = 1e-6) -> bool:
    """Does `source` support `claim`? Same kind (a bare number may match money), every claimed value present."""
    if not _compatible(claim, source):
        return False
    return all(any(_close(value, other, tolerance) for other in source.values) for value in claim.values)


def comparable(a: Figure, b: Figure) -> bool:
    """Can two figures be set against each other: both percentages, both sums in one currency, or plain numbers?"""
    return a.kind == b.kind and (a.kind != "money" or a.currency == b.currency) and a.kind != "year"


def _compatible(claim: Figure, source: Figure) -> bool:
    if claim.kind == "percent" or source.kind == "percent":
        return claim.kind == source.kind
    if claim.kind == "money" and source.kind == "money":
        return claim.currency == source.currency
    if claim.kind == "money":
        return False  # a money claim needs a money source
    return True  # number and year match any non-percent figure with the same value


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-12)


def fits_kind(found: str, asked: str) -> bool:
    """Can a figure of kind `found` answer a question asking for kind `asked`? Counts and amounts blur (a '2 billion
    tokens' answer to 'how much', a statement's cells printed without a currency sign); percentages and years do
    not; a 'figure' question ('by how much') takes any figure but a year."""
    return found == asked or (asked in ("number", "money") and found in ("number", "money")) or \
        (asked == "figure" and found != "year")
