"""Financial statements name one line item several ways: an analyst asks for 'capital expenditure', the cash flow
statement prints 'Purchases of property, plant and equipment'. Neither words nor MiniLM vectors bridge such pairs
(the statement's row ranks past 200th for 'capital expenditure' on real filings), so the standard equivalent
wordings are written down here, as an accountant's glossary would give them: each group holds wordings of one
item, from the US GAAP taxonomy's standard and common labels. A question naming one wording searches for the
others too, and a sentence stating another wording covers the question's words for it.

The same holds for officers' titles, which news prints spelled out or abbreviated ('chief executive', 'CEO').

This is domain vocabulary, not a list of known questions: add a group only for a line item (or a title) that
filings or news print under several names, with every common name of it."""

from __future__ import annotations

from functools import lru_cache

from .lexical import holds_phrase, tokenize

EQUIVALENT_WORDINGS: tuple[tuple[str, ...], ...] = (
    ("capital expenditure", "capex", "capital spending", "purchases of property, plant and equipment",
     "purchases of property and equipment", "payments for property and equipment",
     "additions to property, plant and equipment", "additions to property and equipment",
     "payments for property, plant and equipment", "payments to acquire property, plant and equipment"),
    ("revenue", "net sales", "total net sales", "net revenues", "total revenues", "sales to customers"),
    ("cost of goods sold", "cost of sales", "cost of revenue", "cost of products sold"),
    ("operating income", "income from operations", "operating profit", "earnings from operations"),
    ("net income", "net earnings", "net profit"),
    ("cash from operations", "operating cash flow", "cash flow from operations",
     "net cash provided by operating activities", "net cash from operating activities"),
    ("depreciation and amortization", "depreciation, depletion and amortization"),
    ("shareholders' equity", "stockholders' equity", "total equity"),
    ("accounts receivable", "trade receivables", "receivables, net"),
    ("accounts payable", "trade payables"),
    ("dividends paid", "cash dividends", "dividends to shareholders"),
    # officers' titles, which news prints spelled out or abbreviated
    ("chief executive officer", "chief executive", "CEO"),
    ("chief financial officer", "CFO"),
    ("chief operating officer", "COO"),
    ("chief technology officer", "CTO"),
)


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The groups as token sequences (stemmed, stop words dropped), as questions and sentences are read."""
    return tuple(tuple(tuple(tokenize(wording)) for wording in group) for group in EQUIVALENT_WORDINGS)


@lru_cache(maxsize=64)
def _tokens(question: str) -> tuple[str, ...]:
    """The question's tokens, read once for all the sentences it is compared with."""
    return tuple(tokenize(question))


def other_wordings(question: str) -> tuple[str, ...]:
    """The other standard wordings of the line items a question names ('capital expenditure' -> 'purchases of
    property, plant and equipment', ...): what search looks for beside the question's own words."""
    tokens = _tokens(question)
    found: list[str] = []
    for wordings, phrases in zip(EQUIVALENT_WORDINGS, _groups()):
        if any(holds_phrase(tokens, p) for p in phrases):
            found += [w for w, p in zip(wordings, phrases) if not holds_phrase(tokens, p)]
    return tuple(found)


def wordings_of(phrase: str) -> tuple[str, ...]:
    """Every standard wording of the item or title a phrase names exactly ('chief executive' -> 'chief executive
    officer', 'chief executive', 'CEO'); () when the glossary does not list it."""
    tokens = tuple(tokenize(phrase))
    return next((wordings for wordings, phrases in zip(EQUIVALENT_WORDINGS, _groups()) if tokens in phrases), ())


def equivalent_terms(question: str, text: str) -> set[str]:
    """The question's terms for a line item that the text names in another standard wording ('capital
    expenditure' where the text says 'Purchases of property, plant and equipment')."""
    asked, stated = _tokens(question), tokenize(text)
    found: set[str] = set()
    for phrases in _groups():
        named = [p for p in phrases if holds_phrase(asked, p)]
        if named and any(holds_phrase(stated, p) for p in phrases if p not in named):
            found |= {t for p in named for t in p}
    return found


def labels_item(question: str, label: str) -> bool:
    """Does a table row's label (with its section's heading) name every line item the question names that the
    glossary lists, in one of its wordings? Asked for operating income, 'Investment income and other' and
    'Consolidated net income' are other line items; 'Income from operations' is the one asked for. True when the
    question names no listed item: nothing is known of its other names."""
    asked, stated = _tokens(question), tokenize(label)
    return all(any(holds_phrase(stated, p) for p in phrases)
               for phrases in _groups() if any(holds_phrase(asked, p) for p in phrases))
