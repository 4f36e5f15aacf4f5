"""Words a PDF's text extraction glued together are split again, only on a page that shows the fault."""

from rag.clean import clean_text
from rag.unglue import unglue

GLUED_PAGE = """Consolidated Balance Sheets
Cashandcashequivalents 1,980
Merchandiseinventories 5,409
Totalcurrentassets 8,870
Accountspayableandaccruedliabilities 4,200
Netincomeattributabletononcontrollinginterests 12
Braftovi sales 40"""


def test_a_page_of_glued_labels_is_split_into_words():
    lines = unglue(GLUED_PAGE).splitlines()
    assert lines[1:5] == ["Cash and cash equivalents 1,980", "Merchandise inventories 5,409",
                          "Total current assets 8,870", "Accounts payable and accrued liabilities 4,200"]
    assert lines[5] == "Net income attributable to noncontrolling interests 12"  # the prefix stays on its word
    assert lines[6] == "Braftovi sales 40"  # a name is not cut into rare fragments ('braf to vi')


def test_ordinary_prose_with_long_rare_words_is_left_alone():
    prose = ("Nordline's telecommunications responsibilities grew as Xenoblade Chronicles shipped; "
             "the counterintuitive internationalization of Orbitalfreight continued.")
    assert unglue(prose) == prose


def test_cleaning_splits_glued_table_labels_before_rows_are_read():
    cleaned = clean_text("Acme 2019 10-K, page 52\n" + GLUED_PAGE)
    assert "Total current assets" in cleaned and "Totalcurrentassets" not in cleaned
