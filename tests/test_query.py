"""Question parsing: the typed record every later stage reads."""

import pytest

from rag.query import parse_query
from rag.lexical import tokenize


def test_instructions_are_split_from_the_question_and_steer_search_only():
    q = parse_query("We need to calculate a metric from the balance sheet. Please answer the following question: "
                    "what is Boeing's FY2018 net property, plant, and equipment (in USD millions)?")
    assert q.ask == "what is Boeing's FY2018 net property, plant, and equipment?"
    assert "in USD millions" in q.directives and any("balance sheet" in d for d in q.directives)
    assert "balance sheet" in q.search_text and "balanc" not in q.terms
    assert q.kind == "money" and q.subjects == ("Boeing",) and "FY2018" in q.qualifiers
    q = parse_query("When was Helix Saga: Nordline Edition released?")  # a colon inside a question is no lead-in
    assert q.ask == "When was Helix Saga: Nordline Edition released?" and q.directives == ()


def test_a_name_after_a_place_preposition_is_a_qualifier_not_the_subject():
    q = parse_query("What share does Orbital hold in Canada?")
    assert q.subjects == ("Orbital",) and q.qualifiers == ("Canada",) and q.kind == "percent"


def test_a_name_opening_the_question_counts_when_it_is_plainly_a_name():
    assert parse_query("NASA spends what share of its budget on rockets?").subjects == ("NASA",)
    assert parse_query("Tell me the rate.").subjects == ()


def test_a_question_asked_in_place_opens_with_its_subject():
    assert parse_query("Nordline holds what share of the freight market?").subjects == ("Nordline",)
    assert parse_query("Orbital has how many pilots in Canada?").subjects == ("Orbital",)
    for imperative in ("Explain how Orbital grew.", "Find out which carrier Orbital trails.",
                       "Describe what Orbital sells."):
        assert parse_query(imperative).subjects == ("Orbital",)  # the verb opening it is no name


def test_yes_no_and_comparison_questions_carry_their_claim():
    q = parse_query("Is it true that Orbital holds 50% of the market?")
    assert q.polar and q.comparison == "eq" and q.claim.value == 50 and q.kind == "percent"
    more = parse_query("Does Orbital hold more than 30% of the market?")
    assert more.comparison == "gt" and more.claim.value == 30
    assert parse_query("Does Orbital hold less than 30% of the market?").comparison == "lt"


def test_two_part_questions_split_and_the_second_part_keeps_the_subject():
    q = parse_query("What revenue did Nordline report in 2024, and how fast did it grow?")
    assert len(q.parts) == 2 and q.parts[0].kind == "money" and q.parts[1].kind == "percent"
    assert q.parts[1].subjects == ("Nordline",)


def test_two_things_of_one_owner_are_asked_as_two_parts_the_second_referred_back():
    parts = parse_query("What are Orbital's global freight share and its share in Chile?").parts
    assert [p.ask for p in parts] == ["What is Orbital's global freight share?", "What is Orbital's share in Chile?"]
    assert parts[1].subjects == ("Orbital",) and parts[1].qualifiers == ("Chile",) and not parts[0].qualifiers
    assert parse_query("What are the risks and its rewards?").parts == ()  # no owner for 'its' to refer to


def test_a_second_part_may_open_with_a_preposition_and_each_part_reads_its_own_unit():
    parts = parse_query("How big is Orbital's fleet budget in US dollars, and over how many years?").parts
    assert [p.ask for p in parts] == ["How big is Orbital's fleet budget?", "over how many years?"]
    assert parts[0].currency == "USD" and "dollar" not in parts[0].terms
    assert parts[1].kind == "duration" and parts[1].subjects == ("Orbital",)


def test_how_one_thing_compares_to_another_is_asked_as_two_parts_sharing_owner_and_period():
    q = parse_query("How did Nordline's US sales growth compare to international sales growth in FY2022?")
    assert [p.ask for p in q.parts] == ["What was Nordline's US sales growth in FY2022?",
                                        "What was Nordline's international sales growth in FY2022?"]
    assert q.parts[1].subjects == ("Nordline",) and q.parts[1].qualifiers == ("FY2022",)
    other = parse_query("How does Orbital's revenue compare with Nordline's in 2024?")
    assert [p.ask for p in other.parts] == ["What was Orbital's revenue in 2024?", "What was Nordline's revenue in 2024?"]
    assert [p.subjects for p in other.parts] == [("Orbital",), ("Nordline",)]
    assert not parse_query("How did the launch go?").parts


def test_choice_questions_list_their_options():
    q = parse_query("Which is larger in shipping, Orbital Freight or Nordline?")
    assert q.options == ("Orbital Freight", "Nordline")
    led = parse_query("Between Orbital Freight and Nordline, which holds the bigger share?")  # the options lead
    assert led.options == ("Orbital Freight", "Nordline") and led.extreme == "max"
    assert parse_query("Of Kappa and Orion, who grew faster?").options == ("Kappa", "Orion")
    assert parse_query("Between 2019 and 2021, how fast did Kappa grow?").options == ()  # a span, no choice


def test_contractions_are_read_out_and_a_negative_question_is_a_yes_no_one():
    assert parse_query("What's Orbital's freight share?").ask == "What is Orbital's freight share?"
    negative = parse_query("Isn't Orbital's share just 4%?")
    assert negative.polar and negative.comparison == "eq" and negative.claim.value == 4
    assert parse_query("Doesn't Orbital hold more than 30% of the market?").comparison == "gt"
    assert parse_query("Can't Orbital grow?").polar
    assert parse_query("What is Orbital's share?").subjects == ("Orbital",)  # a possessive stays one
    assert parse_query("whats orbital's share").ask.startswith("what is ")  # typed without the apostrophe
    assert parse_query("isnt Orbital's share 4%?").polar
    assert "its" in parse_query("What is Orbital's share and its growth?").ask  # 'its' is a word of its own


def test_the_gap_between_two_owners_figures_is_a_difference_between_them():
    gap = parse_query("What's the gap between Kappa's and Orion's freight shares?")
    assert gap.options == ("Kappa", "Orion") and gap.difference
    assert parse_query("What is the difference between Kappa and Orion in Canada?").options == ("Kappa", "Orion")
    span = parse_query("What is the difference between 2019 and 2021 revenue?")  # periods: no owners
    assert span.options == () and not span.difference


def test_a_currency_may_be_named_by_any_of_its_names():
    assert parse_query("How big is Orbital's fleet plan in renminbi?").currency == "CNY"
    assert parse_query("How big is Orbital's fleet plan in euro?").currency == "EUR"


def test_how_or_where_something_ranks_is_asked_of_the_model_as_its_rank():
    assert parse_query("How is Orbital ranked among freight carriers?").open_ask == \
        "What is Orbital's rank among freight carriers?"
    assert parse_query("Where does it rank in Canada?").open_ask == "What is its rank in Canada?"
    assert parse_query("What rank does Orbital hold?").open_ask == "What rank does Orbital hold?"


def test_when_asks_for_a_date_whatever_figure_the_question_states():
    assert parse_query("By when will freight reach 70% of Orbital's revenue?").kind == "date"
    assert parse_query("By what year will freight reach 70% of Orbital's revenue?").kind == "date"  # not a percentage
    assert parse_query("What year-over-year growth did Orbital report?").kind == "percent"
    assert parse_query("When did Orbital's share pass 30%?").kind == "date"


def test_what_how_many_counts_is_the_word_after_it_whatever_verb_follows():
    assert parse_query("How many pilots joined Orbital in 2024?").counted == ("pilot",)
    assert parse_query("How many data centers does Orbital run?").counted == ("data", "center")


def test_what_part_of_a_whole_asks_for_a_share():
    part = parse_query("What part of Orbital's revenue comes from freight?")
    assert part.kind == "percent" and part.asks_part and "part" not in part.terms
    assert parse_query("What part does Orbital play in shipping?").kind != "percent"  # a role, not a share


def test_a_fraction_a_question_claims_is_the_percentage_it_stands_for():
    half = parse_query("Is it true that Orbital controls half of the freight market?")
    assert half.claim.value == 50 and half.kind == "percent" and half.comparison == "eq"
    assert half.open_ask == "Orbital controls what percentage of the freight market?"
    assert parse_query("Does Orbital hold more than a third of the market?").comparison == "gt"
    assert parse_query("Is Orbital's share over two-thirds of the market?").claim.value == 200 / 3
    assert parse_query("Does fuel make up a quarter of Orbital's costs?").kind == "percent"
    above = parse_query("Is Orbital's share in Freedonia above one third?")  # a fraction that ends the question
    assert above.comparison == "gt" and round(above.claim.value, 1) == 33.3  # not the number 'one'
    assert parse_query("Is Orbital's share in Freedonia more than a third?").comparison == "gt"
    for period in ("What did Orbital earn in the first half of 2025?", "What did it earn in the third quarter of 2024?",
                   "How much did Orbital spend in half of fiscal 2024?"):
        assert parse_query(period).claim is None  # a period, not a fraction claimed


def test_kinds_follow_the_interrogative_form():
    assert parse_query("Who leads the company?").kind == "name"
    assert parse_query("Where is the hub?").kind == "place"
    assert parse_query("When did it open?").kind == "date"
    assert parse_query("How many ships are there?").kind == "number"
    assert parse_query("How much of the market does Nordline account for?").kind == "percent"
    loose = parse_query("How much does Nordline account for in shipping?")  # a sum, else any figure (a share)
    assert (loose.kind, loose.fallback_kind) == ("money", "figure")
    assert parse_query("How much revenue did Nordline report?").kind == "money"
    for sum_asked in ("What is the Star Program's budget?", "What did Nordline earn in 2024?",
                      "What was Orbital's operating profit?", "What fees does Orbital charge?"):
        assert parse_query(sum_asked).kind == "money", sum_asked


def test_which_asks_for_what_the_word_it_governs_names():
    film = parse_query("Which film won the Golden Reel at the Lumen Awards?")
    assert film.kind == "name" and "film" not in film.terms  # the answer names the film; a source need not say 'film'
    assert parse_query("In which countries is Orbital opening depots?").kind == "name"
    assert parse_query("Which year did the depot open?").kind == "date"
    assert parse_query("Which share does Orbital hold?").kind == "percent"
    assert parse_query("Which company's share is 36%?").kind == "name"  # the company is asked for, not the share
    assert parse_query("Whose freight arm grew 39% in 2026?").kind == "name"  # whose: an owner, not the growth
    assert parse_query("Which is larger, Orbital or Nordline?").options == ("Orbital", "Nordline")
    # a yes/no question comparing two named owners is that choice, answered yes or no
    assert parse_query("Does Orbital hold a bigger share than Nordline in Canada?").options == ("Orbital", "Nordline")
    assert parse_query("Is Orbital's share smaller than Nordline's?").extreme == "min"
    assert parse_query("Does Orbital hold more than 30%?").options == ()  # a stated figure is a claim
    assert parse_query("Is Orbital bigger in Canada than in Mexico?").options == ()  # places, not owners
    carrier = parse_query("On the Atlantic, which carrier holds the largest share?")  # a lead-in before 'which'
    assert "carrier" not in carrier.terms and "atlantic" in carrier.terms


def test_a_claim_is_asked_openly_so_the_model_finds_the_figure_and_code_compares():
    q = parse_query("Does Orbital hold more than 30% of the Atlantic market?")
    assert q.open_ask == "Orbital hold what percentage of the Atlantic market?"
    assert parse_query("What share does Orbital hold?").open_ask == "What share does Orbital hold?"


def test_a_word_that_only_names_the_kind_of_answer_is_not_a_term_the_sentence_must_hold():
    assert "percentage" not in parse_query("Helix commands what percentage of the market?").terms
    assert "city" not in parse_query("Which city hosts the Nordline hub?").terms
    # a word naming what is measured stays: a sentence without it is about something else
    assert "dividend" in parse_query("What dividend does Nordline pay?").terms
    assert "sum" in parse_query("What sum went into the fund?").terms


def test_asked_for_a_date_a_word_that_only_asks_for_one_is_not_a_term():
    q = parse_query("What is the release date of Helix Arena?")
    assert q.kind == "date" and "date" not in " ".join(q.terms) and q.terms[0] == tokenize("released")[0]
    q = parse_query("What year-over-year growth did Nordline report?")  # 'year-' is no date asked for
    assert q.kind == "percent" and "year" in q.terms


def test_an_ordinal_or_a_rank_is_no_figure_the_question_states():
    assert parse_query("Which film won at the 90th Helix Awards?").claim is None
    assert parse_query("Which company's share is 36%?").claim.kind == "percent"


def test_the_unit_the_answer_is_wanted_in_is_an_instruction_and_picks_the_currency():
    query = parse_query("What is the size of Orbital's freight budget when counted in yuan?")
    assert query.ask == "What is the size of Orbital's freight budget?" and query.directives == ("in yuan",)
    assert query.currency == "CNY" and query.kind == "money" and "yuan" not in query.terms
    assert parse_query("How large is the Orbital plan in US dollars?").currency == "USD"
    assert parse_query("What was Orbital's revenue in 2021, in billions of euros?").currency == "EUR"
    assert parse_query("What were capital expenditures (in USD millions)?").currency == "USD"
    plain = parse_query("What share does Orbital hold in China?")
    assert plain.currency is None and plain.directives == () and "china" in plain.terms


def test_a_currency_named_as_the_answers_form_picks_the_currency_and_is_no_content():
    query = parse_query("What is the yuan figure for Orbital's freight budget?")
    assert query.currency == "CNY" and query.kind == "money"
    assert "yuan" not in query.terms and "figur" not in query.terms and "budget" in query.terms
    assert parse_query("What is the fair value of Orbital's fleet?").currency is None


def test_a_topic_before_a_colon_is_what_the_question_after_it_refers_back_to():
    query = parse_query("Nordline's portion of the freight market: how big is it?")
    assert query.ask == "how big is Nordline's portion of the freight market?" and query.subjects == ("Nordline",)
    assert parse_query("Orbital Freight: what was its 2024 revenue?").ask == "what was Orbital Freight's 2024 revenue?"
    instruction = parse_query("Please answer the following question: how big is it?")
    assert instruction.ask == "how big is it?" and instruction.directives == ("Please answer the following question:",)
    # a question with no words of its own asks about the topic: it reads after the interrogative
    counted = parse_query("Free berths offered to startups at the Nordline terminal: how many?")
    assert counted.ask == "how many free berths offered to startups at the Nordline terminal?"
    assert counted.kind == "number" and {"berth", "startup"} <= set(counted.terms) and not counted.directives
    assert parse_query("Please answer the following question: how many?").ask == "how many?"


def test_a_request_is_a_question_but_an_instruction_beside_a_question_stays_one():
    query = parse_query("Tell me Nordline's global freight share.")
    assert query.ask == "What is Nordline's global freight share?" and query.kind == "percent"
    sized = parse_query("Give me the size of Orbital's budget in RMB.")
    assert sized.ask == "What is the size of Orbital's budget?" and sized.currency == "CNY"
    assert "size" not in sized.terms and "budget" in sized.terms
    named = parse_query("Name the two carriers Orbital trails in Canada.")
    assert named.ask == "Which two carriers Orbital trails in Canada?" and named.kind == "name"
    assert "name" not in " ".join(named.terms)
    assert parse_query("Name Orbital's chief pilot.").ask == "What is Orbital's chief pilot?"
    described = parse_query("Name the Orbital pilot who flew the first Atlantic route.")  # a description, after 'the'
    assert described.ask == "Which Orbital pilot who flew the first Atlantic route?" and described.kind == "name"
    assert parse_query("Name the Big Three.").ask == "What is Big Three?"  # what a name stands for
    embedded = parse_query("Tell me what share Nordline holds.")  # an embedded question is the question
    assert embedded.ask == "What share Nordline holds?" and embedded.kind == "percent"
    both = parse_query("What is Orbital's FY2018 revenue? Give a response based on the income statement.")
    assert both.ask == "What is Orbital's FY2018 revenue?"
    assert both.directives == ("Give a response based on the income statement.",)


def test_words_that_only_ask_for_a_share_or_a_size_are_no_content():
    query = parse_query("How big is Nordline's portion of the freight market?")
    assert query.kind == "percent" and {"big", "portion"}.isdisjoint(query.terms) and "freight" in query.terms
    assert "shar" not in parse_query("What share does Orbital hold in China?").terms


def test_asked_in_one_currency_a_sum_in_another_is_not_offered():
    from rag.evidence import Evidence
    from rag.extract import candidates
    from rag.schema import Document, Span

    text = "Orbital's $53 billion (RMB 380 billion) freight budget runs to 2028."
    item = Evidence(Document(doc_id="d", title="t", path="d.txt", content_hash="h", text=text),
                    Span(start=0, end=len(text)), 0.9, 0.9)
    assert [c.text for c in candidates(parse_query("How big is Orbital's freight budget in yuan?"), item)] == \
        ["RMB 380 billion"]
    assert [c.text for c in candidates(parse_query("How much is Orbital's freight budget?"), item)] == \
        ["$53 billion", "RMB 380 billion"]


def test_what_a_how_many_question_counts_is_read_once():
    assert parse_query("How many data centers does Orbital run in Brazil?").counted == ("data", "center")
    assert parse_query("Orbital runs how many depots now?").counted == tuple(tokenize("depots now"))
    assert parse_query("What is the number of employees at Orbital?").counted == tuple(tokenize("employees"))
    assert parse_query("How many were sold?").counted == () and parse_query("How much did it cost?").counted == ()


def test_words_framing_a_period_are_no_content_terms():
    """'at the end of FY2022', 'year end FY2019': which point of the period is meant, checked with the period (a
    balance sheet heads its column '2022'), not words a sentence must repeat."""
    assert parse_query("What were Orbital's total assets at the end of FY2022?").terms == (
        "orbital", "total", "asset", "2022")
    assert parse_query("What is the year end FY2019 inventory for Orbital?").terms == ("2019", "inventory", "orbital")
    assert "year" in parse_query("What is the year-end No 1 in rowing in 2019?").terms  # not framing the period
    assert "end" in parse_query("When did the strike end?").terms


@pytest.mark.parametrize("question, extreme", [
    ("Which carrier has the largest share of Atlantic traffic?", "max"),
    ("Which carrier leads the Atlantic market?", "max"),
    ("In Europe, which carrier has the lowest share?", "min"),
    ("Who leads Nordline as chief executive?", None),  # 'leads' a name: heads it
    ("What is the largest order Nordline placed?", None),  # asks for a figure, not whose it is
    ("Which is bigger, Orbital or Nordline?", "max"),  # options: compared as such, this way
    ("Which is smaller, Orbital or Nordline?", "min"),
])
def test_a_superlative_asks_whose_figure_is_largest_or_smallest(question, extreme):
    assert parse_query(question).extreme == extreme


def test_a_claimed_figure_is_tested_not_looked_for():
    above = parse_query("Is Orbital's share above 5%?")
    assert above.comparison == "gt" and "5" not in above.terms  # the source may state another figure
    assert parse_query("Is Orbital's share under 5%?").comparison == "lt"
    assert parse_query("Did Orbital grow 5% over 2 years?").comparison == "eq"  # "over" a span, not a figure


def test_a_stated_rank_is_asked_openly_and_is_not_content():
    query = parse_query("Is Orbital the second-largest freight carrier in Canada?")
    assert query.kind == "rank" and query.claimed_rank == "second-largest"
    assert query.open_ask == "Orbital is the what-largest freight carrier in Canada?"
    assert "second" not in query.terms
    assert parse_query("Did Orbital win at the 92nd Freight Awards?").claimed_rank is None  # an ordinal in a name


def test_a_leading_unit_is_an_instruction():
    query = parse_query("In euros, how large is Orbital's three-year fleet budget?")
    assert query.ask == "How large is Orbital's three-year fleet budget?"
    assert query.directives == ("in euros",) and query.currency == "EUR"
    assert "euro" not in query.terms


def test_a_word_naming_what_is_measured_is_content_a_word_asking_for_a_part_is_not():
    assert {"operat", "margin"} <= set(parse_query("What is Kappa's operating margin?").terms)
    assert "growth" in parse_query("What was Kappa's revenue growth in 2024?").terms
    assert "share" not in parse_query("What share of the market does Kappa hold?").terms
    assert "portion" not in parse_query("What portion of the market does Kappa hold?").terms


def test_a_number_word_in_a_name_is_no_claim():
    assert parse_query("What portion of the market do the Big Three control?").claim is None
    assert parse_query("Does Kappa hold more than three plants?").claim is not None


def test_a_choice_may_follow_a_colon():
    assert parse_query("Which is growing faster: Kappa or Orion?").options == ("Kappa", "Orion")
    assert parse_query("How long will Kappa's plan run?").kind == "duration"


def test_how_many_units_of_time_asks_for_a_stretch_of_time():
    """'three-year plan' answers 'How many years does the plan span?': a count of years is a duration."""
    assert parse_query("How many years does Kappa's $5 billion plan span?").kind == "duration"
    assert parse_query("How many plants does Kappa run?").kind == "number"


def test_a_search_box_query_is_asked_as_a_question():
    assert parse_query("kappa freight q2 2025 revenue").ask == "What is kappa freight q2 2025 revenue?"
    assert parse_query("Kappa holds 36% in Freedonia.").ask == "Kappa holds 36% in Freedonia."  # a statement


def test_how_much_more_or_less_asks_for_the_gap_between_two_owners():
    query = parse_query("How much smaller is Kappa's share in Freedonia than Orion's?")
    assert query.difference and query.options == ("Kappa", "Orion")
    assert parse_query("How many more plants does Kappa run than Orion?").options == ("Kappa", "Orion")
    assert not parse_query("How much did Kappa spend?").difference
    assert not parse_query("How much more than 5% does Kappa hold?").difference  # a stated figure: no two owners


def test_how_far_one_owner_is_from_another_asks_for_the_gap_whatever_word_sets_them_against_each_other():
    for question in ("By how many points does Kappa lead Orion in Freedonia?", "How far ahead of Kappa is Orion?",
                     "How many points separate Kappa and Orion?", "How much does Kappa's share exceed Orion's?",
                     "What is Kappa's lead over Orion in freight?", "How many points behind Kappa is Orion?"):
        query = parse_query(question)
        assert query.difference and set(query.options) == {"Kappa", "Orion"}, question
    assert parse_query("By how many points does Kappa lead Orion?").kind == "percent"  # points of a percentage
    assert parse_query("How many points did Kappa score against Orion?").options == ()  # nothing set against
    assert parse_query("By how many points does Kappa lead in Freedonia?").options == ()  # one name
    assert not parse_query("How far does Kappa's share exceed 25%?").difference  # measured against a figure


def test_which_quarter_asks_for_a_date_and_rising_to_asks_for_the_level_reached():
    assert parse_query("In which quarter did Kappa grow 39%?").kind == "date"
    assert parse_query("What did Kappa's revenue rise to in 2025?").kind == "money"
    assert parse_query("How much did Kappa's revenue rise in 2025?").kind == "percent"


def test_how_precisely_or_politely_a_question_asks_is_no_content_and_a_dash_may_lead_the_options():
    assert parse_query("Hey, roughly what share does Kappa hold in Freedonia?").terms == ("kappa", "hold", "freedonia")
    assert parse_query("Please tell me exactly what share Kappa holds.").terms == ("kappa", "hold")
    assert parse_query("Which is larger — Kappa or Orion?").options == ("Kappa", "Orion")
    assert parse_query("Which is larger - Kappa or Orion?").options == ("Kappa", "Orion")


def test_a_question_put_indirectly_is_asked_directly():
    assert parse_query("Can you tell me Kappa's share of Freedonia?").ask == "What is Kappa's share of Freedonia?"
    assert not parse_query("Could you tell me how fast Kappa grew in 2025?").polar  # not whether the reader can
    assert parse_query("Do you know how fast Kappa grew?").ask == "How fast Kappa grew?"
    assert parse_query("I'd like to know Kappa's freight share.").ask == "What is Kappa's freight share?"
    assert parse_query("I wonder what share Kappa holds.").ask == "What share Kappa holds?"
    assert parse_query("I'm curious about Kappa's fleet.").ask == "What is Kappa's fleet?"
    whether = parse_query("Can you tell me whether Kappa holds more than 30% in Freedonia?")
    assert whether.polar and whether.claim is not None and "tru" not in whether.terms
    assert parse_query("Tell me if Kappa holds 30%.").ask == "Is it true that Kappa holds 30%?"
    assert parse_query("Can you tell me in which year Kappa was founded?").ask == "In which year Kappa was founded?"
    assert parse_query("Tell me by how much Kappa grew.").ask == "By how much Kappa grew?"
    assert parse_query("Can Kappa tell its revenue?").polar  # asks whether Kappa can


def test_a_question_asking_from_the_articles_names_no_content_by_it():
    assert parse_query("According to the article, what share does Kappa hold?").ask == "What share does Kappa hold?"
    assert parse_query("What share does Kappa hold, based on the sources?").ask == "What share does Kappa hold?"
    assert "analyst" in parse_query("What will Kappa earn, according to analysts?").terms  # who says it is content
    # the articles as the one saying it: neither they nor their verb is content
    called = parse_query("Which firm does the second article call the fourth-largest carrier?").terms
    assert "carrier" in called and not {"second", "articl", "call", "cal"} & set(called)
    # which of the articles is said by a word or two before the noun
    assert parse_query("Who is Kappa's CEO, according to the first article?").ask == "Who is Kappa's CEO?"
    assert parse_query("What share does Kappa hold, per the latest two articles?").ask == "What share does Kappa hold?"


def test_a_question_asked_in_a_currency_wants_a_sum_and_nothing_else():
    query = parse_query("How much did Kappa pay in dividends in FY2022 (in USD millions)?")
    assert query.kind == "money" and query.fallback_kind is None  # not a per-share figure when no sum is found
    assert parse_query("How much did Kappa pay in dividends?").fallback_kind == "figure"
    dotted = parse_query("How much does Kappa plan to invest over three years, in U.S. dollars?")
    assert dotted.currency == "USD" and not dotted.qualifiers  # 'U.S.' is the dollar's, not a place asked about


def test_which_two_asks_for_several():
    assert parse_query("Which two carriers trail Kappa in Freedonia?").plural
    assert not parse_query("Which one carrier leads?").plural and not parse_query("Which carrier leads?").plural


def test_a_question_asking_who_did_a_past_deed_carries_the_deed_in_the_forms_a_source_says_it():
    won = parse_query("Who won the Kestrel Cup in 2019?").doer_deed
    assert {"win", "winner"} <= won  # 'won', 'wins', 'the winner'
    assert parse_query("Which rower won the Kestrel Cup?").doer_deed == won
    assert parse_query("Who has won the Kestrel Cup?").doer_deed == won
    assert "acquisition" in parse_query("Who acquired Nordline?").doer_deed
    # a role, a standing state, what was done to someone, or a verb of many senses whose object says the deed: none
    for question in ("Who is the director of Tidewater?", "Who leads Orbital as chief executive?",
                     "Which city hosts the Orbital hub?", "Who is starring as Mara in Tidewater?",
                     "Who was named Harbor Rower of the Year?", "Which company made a $60 million investment?",
                     "Who called the plan a once-in-a-generation opportunity?", "What did Orbital win?"):
        assert parse_query(question).doer_deed == frozenset(), question


def test_what_with_a_plural_noun_asks_as_which_does():
    assert parse_query("What industries drive Orbital's freight revenue?").kind == "name"  # not the revenue's sum
    assert parse_query("What industries drive Orbital's freight revenue?").plural
    assert parse_query("What revenues did Orbital report in 2024?").kind == "money"
    assert parse_query("What percentage of revenue comes from tugs?").kind == "percent"
    assert parse_query("What was Orbital's revenue in 2024?").kind == "money"  # 'was' governs nothing


def test_the_word_of_an_intention_is_no_content_the_deed_it_governs_is():
    """A source states a planned investment as 'a $5 billion investment over three years', without 'plan'."""
    assert "plan" not in parse_query("How much does Orbital plan to invest?").terms
    assert "invest" in parse_query("How much does Orbital plan to invest?").terms
    assert "plan" in parse_query("How big is Orbital's investment plan?").terms  # a noun: what is asked about
    assert "forecast" in parse_query("At what rate is the freight market forecast to expand?").terms  # passive


def test_which_of_a_group_asks_for_one_of_its_members():
    rivals = parse_query("Which of Orbital's rivals in Chile carries 10% of container traffic?")
    assert rivals.kind == "name" and not rivals.plural  # one rival, named; not the 10% the question states
    assert parse_query("Which of the carriers holds 30%?").kind == "name"
    assert parse_query("Which of them is larger?").kind is None


def test_which_thing_states_the_figure_of_its_kind_asks_for_a_name():
    """'Which investment bank projects $4 trillion ...?': 'investment' reads as a sum, but the sum is stated, so
    what holds it is asked; a figure of another kind stated leaves the form's kind ('Which year ...' a date)."""
    assert parse_query("Which investment bank projects $4 trillion in freight revenues by 2040?").kind == "name"
    assert parse_query("Which year did freight revenues reach $4 trillion?").kind == "date"
    assert parse_query("How much did freight revenues reach by 2040?").kind == "money"


def test_an_amount_something_moved_by_is_asked_as_a_change():
    """'By what percentage did revenue climb?' asks how much it changed, whatever the verb ('climb' is not 'grow'):
    a '26% revenue increase' answers it, as it answers 'By how much did revenue grow?'."""
    assert parse_query("By what percentage did Helix's revenue climb in Q2 2025?").asks_change
    assert parse_query("By how much did Helix's revenue jump?").asks_change
    assert not parse_query("What percentage of Helix's revenue comes from Peru?").asks_change
    # a spelled-out quarter of a year is one period, as a source writes it
    assert parse_query("How much did Helix earn in the second quarter of 2025?").qualifiers == ("Q2 2025",)


def test_whether_something_is_said_asks_what_is_said_of_it():
    """'Did Helix disclose its revenue growth?' is answered by what the sources say of Helix's revenue growth: asked
    openly, the kind read from the thing asked about, the verb of saying no content (a sentence stating the growth
    reports it, whatever its verb)."""
    disclosed = parse_query("Did Helix disclose its quarterly revenue growth?")
    assert disclosed.reported and disclosed.polar and disclosed.kind == "percent"
    assert disclosed.subjects == ("Helix",) and "disclos" not in disclosed.terms and "revenu" in disclosed.terms
    assert parse_query("Has Helix reported its 2025 revenue?").kind == "money"
    passive = parse_query("Was Kestrel's growth in Q1 2026 reported?")
    assert passive.reported and passive.qualifiers == ("Q1 2026",) and passive.subjects == ("Kestrel",)
    assert parse_query("Did the filing mention Helix's customer concentration?").reported  # 'filing' is no verb
    # a figure or rank to test, a verb that is no saying ('grow'; 'out' is not a verb in use): asked as it is
    assert not parse_query("Did Helix report 16% growth?").reported
    assert not parse_query("Did Helix report more revenue than Kestrel?").reported
    assert not parse_query("Did Helix grow its revenue in 2025?").reported
    assert not parse_query("Did Helix's share in Peru come out above Kestrel's?").reported
    assert not parse_query("Did Helix say it would open a plant in Peru?").reported  # whether a statement was made
    embedded = parse_query("Did Helix mention how many plants it would open?")  # a question it embeds is asked
    assert embedded.reported and embedded.kind == "number" and embedded.ask == "How many plants Helix would open?"


def test_why_and_what_drove_ask_for_a_cause():
    drove = parse_query("What drove the increase in Helix's inventories in FY2023?")
    assert drove.kind == "cause" and "driv" not in drove.terms and "inventory" in drove.terms
    assert parse_query("Why did Kestrel's revenue fall in 2025?").kind == "cause"
    assert parse_query("What is behind the rise in Helix's AI revenue?").kind == "cause"
    assert parse_query("What is the main reason for the rise in Helix's costs?").kind == "cause"
    factors = parse_query("What factors contributed to Helix's revenue growth in 2023?")
    assert factors.kind == "cause" and not {"factor", "contribut"} & set(factors.terms)
    assert parse_query("What was the increase in Helix's inventories?").kind == "percent"  # the rise itself


def test_a_yes_no_question_placing_one_owner_above_or_behind_another_compares_them():
    above = parse_query("Did Helix's share in Peru come out above Kestrel's?")
    assert above.options == ("Helix", "Kestrel") and above.extreme == "max"
    behind = parse_query("Is Helix behind Kestrel in the Peruvian market?")
    assert behind.options == ("Helix", "Kestrel") and behind.extreme == "min"
    assert parse_query("Is Helix's share above 30%?").options == ()  # a stated figure is a claim to test
