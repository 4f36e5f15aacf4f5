"""The answer sentence is made of the source's own words, with the figure's owner; yes/no verdicts in code."""

from rag.compose import answer_sentence, verdict
from rag.conflicts import disagree
from rag.evidence import Evidence
from rag.extract import Candidate
from rag.figures import find_figures
from rag.query import parse_query
from rag.schema import Document, Span
from rag.structure import owner_of


def candidate(sentence: str, figure_text: str) -> Candidate:
    document = Document(doc_id="d", title="T", path="d.txt", content_hash="h", text=sentence)
    evidence = Evidence(document, Span(start=0, end=len(sentence)), 0.9, 0.9)
    figure = next(f for f in find_figures(sentence) if f.text == figure_text)
    return Candidate(figure.text, evidence, figure.start, figure.end, figure.kind,
                     owner_of(sentence, figure.start, figure.end), figure)


SENTENCE = ("However, within Canada, Orbital dominates with a 36% share of the freight market, outpacing "
            "Nordline (10%) and Maersk (8%).")


def test_the_answer_is_the_clause_that_holds_the_figure_without_a_leading_connective():
    assert answer_sentence(candidate(SENTENCE, "36%")) == \
        "Within Canada, Orbital dominates with a 36% share of the freight market."


def test_a_figure_in_parentheses_reads_with_its_owner():
    text = "Orbital dominates with a 36% share of the freight market, outpacing Nordline (10%) and Maersk (8%)."
    assert answer_sentence(candidate(text, "10%")) == "Nordline: 10%."


def test_a_short_form_that_would_drop_the_place_is_not_used():
    answer = answer_sentence(candidate(SENTENCE, "10%"))
    assert answer.startswith("Within Canada, Orbital dominates") and "Nordline (10%)" in answer


def test_a_relative_clause_keeps_a_period_given_before_it():
    text = "In 2025, the Big Three, particularly Microsoft Azure, which grew 39% in Q1, benefit from reserves."
    assert "2025" in answer_sentence(candidate(text, "39%"))


def test_a_relative_clause_gets_its_antecedent_back():
    text = "The Big Three, particularly Microsoft Azure, which grew 39% in Q1 2026, benefit from reserves."
    assert answer_sentence(candidate(text, "39%")).startswith("Microsoft Azure grew 39% in Q1 2026")


def test_yes_no_and_comparisons_are_decided_in_code():
    found = candidate(SENTENCE, "36%")
    assert verdict(parse_query("Is it true that Orbital holds 50% of the market in Canada?"), found) == "No: "
    assert verdict(parse_query("Is it true that Orbital holds 36% of the market in Canada?"), found) == "Yes: "
    assert verdict(parse_query("Does Orbital hold more than 30% of the market?"), found) == "Yes: "
    assert verdict(parse_query("Does Orbital hold less than 30% of the market?"), found) == "No: "
    assert verdict(parse_query("What share does Orbital hold?"), found) == ""


def test_sources_disagree_only_on_the_same_measure_of_the_same_owner():
    a = "Orbital holds a 36% share of the Canadian freight market."
    b = "Orbital holds a 41% share of the Canadian freight market, analysts said."
    c = "Nordline holds a 10% share of the Canadian freight market."
    d = "Orbital grew its fleet 41% over five years."
    fa, fb, fc, fd = (find_figures(t)[0] for t in (a, b, c, d))
    owner = lambda t, f: owner_of(t, f.start, f.end)  # noqa: E731
    assert disagree(fa, a, owner(a, fa), fb, b, owner(b, fb))
    assert not disagree(fa, a, owner(a, fa), fc, c, owner(c, fc))  # another owner
    assert not disagree(fa, a, owner(a, fa), fd, d, owner(d, fd))  # another measure
    assert not disagree(fa, a, owner(a, fa), fa, a, owner(a, fa))  # the same figure


def test_a_later_phrase_with_another_figure_is_not_part_of_the_answer():
    text = "A survey finds that Orbital holds a 41% share of the freight market, ahead of Nordline (12%)."
    sentence = answer_sentence(candidate(text, "41%"))
    assert "41%" in sentence and "12%" not in sentence


def test_an_answer_is_not_cut_inside_parentheses():
    text = "The plan includes launching 200 freight vans (e.g., Helix, now carrying 119 pallets), and new depots."
    assert answer_sentence(candidate(text, "200")) == \
        "The plan includes launching 200 freight vans (e.g., Helix, now carrying 119 pallets)."


def test_a_month_or_weekday_alone_is_never_offered_as_a_name():
    from rag.extract import candidates

    item = candidate("Aug 22, 2019 ... On Sunday, Rafael Nadal finished the year as No. 1.", "2019").evidence
    names = {c.text for c in candidates(parse_query("Who finished 2019 as world No. 1?"), item)}
    assert "Rafael Nadal" in names and not names & {"Aug", "Sunday"}


def test_a_table_cell_answers_only_for_its_period_end_date_column():
    from rag.extract import candidates

    row = "Revenue | January 28, 2023: $46,298 | January 29, 2022: $51,761"
    item = candidate(row, "$46,298").evidence
    found = {c.text for c in candidates(parse_query("What was the revenue in FY2022?"), item)}
    assert found == {"$51,761"}


def test_a_table_cell_is_picked_by_its_row_and_reads_with_its_label_and_column():
    from rag.extract import option_text

    row = "Property, plant and equipment, net | 2018: 12,645 | 2017: 12,672"
    cell = candidate(row, "12,645")
    assert option_text(cell) == "Property, plant and equipment, net | 2018: 12,645"
    assert answer_sentence(cell) == "Property, plant and equipment, net | 2018: 12,645."
    later = candidate(row, "12,672")  # picked by the row up to it, answered with its label and its own column only
    assert option_text(later) == "Property, plant and equipment, net | 2018: 12,645 | 2017: 12,672"
    assert answer_sentence(later) == "Property, plant and equipment, net | 2017: 12,672."
    assert answer_sentence(candidate("Purchases of PP&E | 2018: (1,577) | 2017: (1,373)", "1,373")) == \
        "Purchases of PP&E | 2017: (1,373)."
    assert option_text(candidate(SENTENCE, "36%")) == "36%"  # in prose the span itself is written


def test_dates_are_offered_however_the_day_and_month_are_written():
    from rag.extract import candidates

    text = "Helix Arena came out on November 21 of 1998 in Japan, the 3rd of March 1999 in Europe and on 20th April 2000."
    found = {c.text for c in candidates(parse_query("When was Helix Arena released?"), candidate(text, "1998").evidence)}
    assert {"November 21 of 1998", "3rd of March 1999", "20th April 2000"} <= found


def test_a_date_answers_for_what_its_clause_names():
    from rag.extract import candidates

    def dates(question, text):
        return {c.text for c in candidates(parse_query(question), candidate(text, "2020").evidence)}

    assert dates("When was Helix 5a announced?", "Nordline announced the Helix 4a and Helix 5 in October 2020.") == set()
    assert dates("When was Helix 5a announced?", "Nordline announced the Helix 5a on May 3, 2020.") == {"May 3, 2020"}
    assert dates("When was Helix 5a released?", "It came out on May 3, 2020, after a delay.") == {"May 3, 2020"}
    assert dates("When was Helix 5a released?", "Helix 5a was released by Nordline on May 3, 2020.") == {"May 3, 2020"}
    assert dates("When did Helix Season 17 premiere?", "The seventeenth season of Grey's Helix premiered May 3, 2020.") \
        == {"May 3, 2020"}
    # another version named beside the maker the question also names: the clause dates the sequel
    assert dates("When was Nordline's Helix released?", "Nordline's Helix 2 will launch on 20th October, 2020.") == set()
    assert dates("When was Nordline's Helix released?", "Nordline's Helix launched on 7 September 2020.") \
        == {"7 September 2020"}
    # a clause going on a list of names is read from where the list starts: the platforms do not take the date
    assert dates("When was Helix Arena released?", "Nordline released Helix Arena for Vega 4, Orbit, and Kestrel One "
                 "on 10 December 2020.") == {"10 December 2020"}
    # a subtitled work built on the asked one ('Helix Arena: Nightfall') is another: its date and year are not the asked
    assert dates("When was Helix Arena released?", "At the 2020 showcase, Helix Arena: Nightfall was set to release on "
                 "September 26, 2020.") == set()
    # a date the sentence says was replaced (the original one) answers only a question asking for that one
    assert dates("What is the release date of Helix Arena?", "Helix Arena's original release date was April 16, "
                 "2020.") == set()
    assert "April 16, 2020" in dates("What was the original release date of Helix Arena?", "Helix Arena's original "
                                     "release date was April 16, 2020.")


def test_a_year_the_question_gives_is_not_its_answer():
    from rag.extract import candidates

    item = candidate("The 2020 Helix Draft was held on November 18, 2020, a year after the 2019 one.", "2019").evidence
    found = {c.text for c in candidates(parse_query("What is the date of the 2020 Helix Draft?"), item)}
    assert "November 18, 2020" in found and "2019" in found and "2020" not in found


def test_a_figure_restated_in_another_currency_is_one_amount_to_compare():
    from rag.conflicts import restated_forms

    text = "Nordline's $53 billion (RMB 380 billion) plan for ships, and $2 billion (10%) for ports."
    usd, rmb, ports, share = find_figures(text)
    assert [f.text for f in restated_forms(text, rmb)] == ["RMB 380 billion", "$53 billion"]
    assert [f.text for f in restated_forms(text, usd)] == ["$53 billion", "RMB 380 billion"]
    assert [f.text for f in restated_forms(text, ports)] == ["$2 billion"]  # a share beside it is another thing


def test_a_named_answer_keeps_what_its_sentence_says_about_it():
    text = "However, within Canada, Orbital leads with a 36% share, ahead of Nordline (12%)."
    document = Document(doc_id="d", title="T", path="d.txt", content_hash="h", text=text)
    evidence = Evidence(document, Span(start=0, end=len(text)), 0.9, 0.9)
    start = text.index("Canada")
    place = Candidate("Canada", evidence, start, start + len("Canada"), "name")
    assert answer_sentence(place) == "Within Canada, Orbital leads with a 36% share."  # not a bare 'Within Canada.'
    assert answer_sentence(candidate(text, "36%")) == "Within Canada, Orbital leads with a 36% share."


def test_a_date_after_the_answer_is_kept_whole():
    """The comma of 'June 24, 2021' is no phrase boundary: the answer does not stop at the day."""
    text = "Orbital grew 12% at its Leeds depot, opened on June 24, 2021 by Tamsin Hale."
    assert answer_sentence(candidate(text, "12%")) == text[:-1] + "."
    shipped = "Orbital shipped 400 crates on June 24, 2021, and Nordline shipped 300."
    assert answer_sentence(candidate(shipped, "400")) == "Orbital shipped 400 crates on June 24, 2021."


def test_a_source_that_also_states_the_answer_does_not_dispute_it():
    """A row without column heads gives this year's and last year's value: it agrees with the answer it holds."""
    from rag.conflicts import conflicting

    def row(text: str, doc_id: str) -> Evidence:
        document = Document(doc_id=doc_id, title=f"Orbital annual report, {doc_id}", path=f"{doc_id}.txt",
                            content_hash="h", text=text)
        return Evidence(document, Span(start=0, end=len(text)), 0.9, 0.9)

    query = parse_query("What were Orbital's total current assets in FY2019?")
    asked = row("Total current assets | 2019: 4,186.5 | 2018: 4,123.7", "page 50")
    figure = next(f for f in find_figures(asked.text) if f.text == "4,186.5")
    chosen = Candidate(figure.text, asked, figure.start, figure.end, figure.kind, None, figure)
    assert conflicting(query, chosen, [row("Total current assets | 4,186.5 | 4,123.7", "page 55")]) == []
    other = conflicting(query, chosen, [row("Total current assets | 4,301.2 | 4,123.7", "page 56")])
    assert len(other) == 1 and "4,301.2" in other[0][0]


def test_a_stated_rank_is_compared_in_code():
    text = "Orbital, the third-largest freight carrier in Canada, added two routes."
    document = Document(doc_id="d", title="T", path="d.txt", content_hash="h", text=text)
    start = text.index("third")
    found = Candidate("third-largest", Evidence(document, Span(start=0, end=len(text)), 0.9, 0.9), start,
                      start + len("third-largest"), "rank")
    assert verdict(parse_query("Is Orbital the second-largest freight carrier in Canada?"), found) == "No: "
    assert verdict(parse_query("Is Orbital the third-biggest freight carrier in Canada?"), found) == "Yes: "


def test_a_clause_cut_before_a_reporting_verb_keeps_what_was_reported():
    text = "In Q2 2025, the unit reported a 26% revenue increase to $4.7 billion."
    document = Document(doc_id="d", title="T", path="d.txt", content_hash="h", text=text)
    evidence = Evidence(document, Span(start=0, end=len(text)), 0.9, 0.9)
    start = text.index("Q2 2025")
    assert answer_sentence(Candidate("Q2 2025", evidence, start, start + 7, "date")) == \
        "In Q2 2025, the unit reported a 26% revenue increase to $4.7 billion."
    attributed = "Kappa's chief should step down, said Lena Ros, a former Kappa pilot who flew 12 routes."
    document = Document(doc_id="d", title="T", path="d.txt", content_hash="h", text=attributed)
    evidence = Evidence(document, Span(start=0, end=len(attributed)), 0.9, 0.9)
    assert answer_sentence(Candidate("Kappa", evidence, 0, 5, "name")) == "Kappa's chief should step down."
