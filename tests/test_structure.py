"""Whose figure it is, from the sentence's structure: sentences with several owners and figures."""

import pytest

from rag.structure import (causes_in, clause_bounds, figure_owners, is_headline, mentions, name_runs, name_words,
                           owner_of, refers_to, same_name)

CASES = [
    ("However, within China, Alibaba Cloud dominates with a 36% share of the public AI cloud services market, "
     "outpacing Tencent Cloud (10%) and Huawei Cloud (8%).",
     {"36%": "Alibaba Cloud", "10%": "Tencent Cloud", "8%": "Huawei Cloud"}),
    # the place moved after the figure must not change whose figure it is
    ("However, Alibaba Cloud dominates with a 36% share of the public AI cloud services market in China, "
     "outpacing Tencent Cloud (10%) and Huawei Cloud (8%).",
     {"36%": "Alibaba Cloud", "10%": "Tencent Cloud", "8%": "Huawei Cloud"}),
    ("Globally, Orbital holds a modest 4% share in Q1 2025, trailing Nordline (30%), Maersk (22%), and Cosco (12%).",
     {"4%": "Orbital", "30%": "Nordline", "22%": "Maersk", "12%": "Cosco"}),
    ("The Big Three—particularly Microsoft Azure, which grew 39% in Q1 2026—benefit from deeper reserves.",
     {"39%": "Microsoft Azure"}),
    ("Nordline grew 12% while Orbital Freight shrank 3%.", {"12%": "Nordline", "3%": "Orbital Freight"}),
    ("In Canada, Orbital holds 17%, behind Nordline (23%).", {"17%": "Orbital", "23%": "Nordline"}),
    ("Chief executive Mara Lind said the group plans to spend $1.5 billion.", {"$1.5 billion": None}),
    ("The company rose 5%, whereas Nordline's sales fell 2%.", {"5%": None, "2%": "Nordline"}),
    ("Orbital's growth rates for worldwide, U.S. and international sales were 4.4%, 4.0% and 4.9%, respectively.",
     {"4.4%": None, "4.0%": "U.S", "4.9%": None}),  # a name run drops its final full stop
]


@pytest.mark.parametrize("sentence,owners", CASES)
def test_each_figure_belongs_to_the_name_the_structure_attaches_it_to(sentence, owners):
    found = {f.text: owner for f, owner in figure_owners(sentence) if f.text in owners}
    assert found == owners


@pytest.mark.parametrize("sentence,items", [
    ("The five-year growth rates for worldwide, U.S. and international sales were 4.4%, 4.0% and 4.9%, respectively.",
     {"4.4%": "worldwide", "4.0%": "U.S.", "4.9%": "international"}),
    ("Revenue and operating income were $5.2 billion and $1.1 billion, respectively, in 2022.",
     {"$5.2 billion": "Revenue", "$1.1 billion": "operating"}),
    ("Sales by Orbital were $48.6 billion and $47.2 billion in 2022 and 2021, respectively.",
     {"$48.6 billion": "2022", "$47.2 billion": "2021"}),
    ("Orbital holds 36% and Nordline 10%.", {"36%": None, "10%": None}),
])
def test_respectively_pairs_each_figure_with_the_item_in_its_place(sentence, items):
    from rag.figures import find_figures
    from rag.structure import respective_items

    found = {f.text: respective_items(sentence).get(f.start) for f in find_figures(sentence) if f.text in items}
    assert found == items


def test_names_match_across_forms():
    assert same_name("Alibaba", "Alibaba Cloud") and same_name("Nordline's", "Nordline")
    assert not same_name("Tencent Cloud", "Alibaba Cloud")


def test_a_company_name_matches_with_or_without_its_legal_form():
    from rag.structure import mentions, name_words

    words = name_words("This move, described by CEO Eddie Wu, positions Alibaba to capitalize on cloud growth.")
    assert mentions("Alibaba Group", words) and mentions("Alibaba", words)
    assert not mentions("Tencent Holdings", words)
    assert not mentions("Alibaba Cloud", name_words("Tencent Cloud holds 10%."))


def test_a_world_wide_question_is_not_answered_by_a_figure_for_one_place():
    from rag.evidence import Evidence
    from rag.policy import names_present
    from rag.query import parse_query
    from rag.schema import Document, Span

    def evidence(sentence):
        document = Document(doc_id="d", title="Cloud market", path="d.txt", content_hash="h", text=sentence)
        return Evidence(document, Span(start=0, end=len(sentence)), 0.9, 0.9)

    query = parse_query("What is Nordline's global market share?")
    assert not names_present(query, evidence("Within Canada, Orbital leads with 36%, ahead of Nordline (8%)."))
    assert names_present(query, evidence("Globally, Nordline holds 4% in Q1 2025, trailing Orbital (30%)."))
    assert names_present(parse_query("What is Nordline's market share in Canada?"),
                         evidence("Within Canada, Orbital leads with 36%, ahead of Nordline (8%)."))


@pytest.mark.parametrize("short,long,expected", [
    ("PnG", "Procter & Gamble 2022 annual report", True),  # a small letter may come from inside a word
    ("GSK", "GlaxoSmithKline plc", True),  # capitals inside one word
    ("NRF", "Nordline Rail Freight", True),
    ("NRF", "Nordline Rail", False),  # the last letter has no word to come from
    ("NR", "Nordline rolls on", False),  # a capital only where the long form has one
    ("OFS", "Orbital Freight", False),
    ("Nordline", "Nordline Rail Freight", False),  # not an abbreviation
])
def test_an_abbreviation_matches_the_name_it_spells(short, long, expected):
    from rag.structure import abbreviates

    assert abbreviates(short, long) is expected


def test_a_sentence_under_a_spelled_out_title_is_about_the_abbreviated_name():
    from rag.evidence import Evidence
    from rag.policy import names_present
    from rag.query import parse_query
    from rag.schema import Document, Span

    sentence = "Net sales rose 4% to $80 billion."
    document = Document(doc_id="d", title="Procter & Gamble 2022 10-K, page 3", path="d.txt", content_hash="h",
                        text=sentence)
    item = Evidence(document, Span(start=0, end=len(sentence)), 0.9, 0.9)
    assert names_present(parse_query("How much did PnG's net sales grow in 2022?"), item)
    assert not names_present(parse_query("How much did GSK's net sales grow in 2022?"), item)


def test_periods_listed_together_are_alternatives_but_a_period_of_a_period_is_not():
    from rag.evidence import Evidence
    from rag.policy import names_present
    from rag.query import parse_query
    from rag.schema import Document, Span

    def evidence(sentence):
        document = Document(doc_id="d", title="Orbital annual report", path="d.txt", content_hash="h", text=sentence)
        return Evidence(document, Span(start=0, end=len(sentence)), 0.9, 0.9)

    listed = parse_query("Which acquisitions did Orbital make in FY2023, FY2022 and FY2021?")
    assert listed.period_choices == ("FY2023", "FY2022", "FY2021")
    assert names_present(listed, evidence("In 2022 Orbital acquired Nordline for $2 billion."))
    assert not names_present(listed, evidence("In 2019 Orbital acquired Nordline for $2 billion."))
    assert parse_query("What was Orbital's revenue in Q2 of 2025?").period_choices == ()
    assert not names_present(parse_query("What was Orbital's revenue in Q2 of 2025?"),
                             evidence("Orbital's revenue was $3 billion in Q3 2025."))


def test_a_name_after_a_preposition_and_its_determiner_or_ordinal_is_a_qualifier():
    runs = {r.text: r.after_preposition for r in name_runs("Sales in the United States rose at the 92nd Helix Awards.")}
    assert runs == {"Sales": False, "United States": True, "Helix Awards": True}
    text = "In 2025 Nordline Energy held 36% of the market."  # a year before a name does not make it a qualifier
    assert owner_of(text, text.index("36%"), text.index("36%") + 3) == "Nordline Energy"


def test_a_small_number_after_a_name_is_part_of_it_and_must_match():
    from rag.structure import mentions, name_words

    runs = [r.text for r in name_runs("Nordline announced the Helix 4a and Helix 5 in 2020; Helix 5 holds 36%.")]
    assert runs == ["Nordline", "Helix 4a", "Helix 5", "Helix 5"]  # 2020 a period of its own, 36% a figure
    assert not mentions("Helix 5a", name_words("Nordline announced the Helix 4a and Helix 5 in 2020."))
    assert mentions("Helix 5a", name_words("Nordline announced the Helix 5a in August 2021."))
    text = "Helix 1 came out in 2015, and Helix 2 followed."
    assert owner_of(text, text.index("2015"), text.index("2015") + 4) == "Helix 1"
    assert not same_name("Helix 1", "Helix 2") and same_name("3M", "3M Company")
    assert not refers_to("Helix 1", "Helix") and not refers_to("Helix 5", "Helix 5a") and refers_to("Helix 5a", "Helix 5a")
    assert refers_to("Anatomy", "Anatomy Season 17") and refers_to("Definitive Edition", "Definite Edition")
    assert refers_to("Helix 5a 5G", "Helix 5a")  # 5G is a word, not a version


def test_a_sentence_whose_only_name_is_a_date_borrows_its_subject_from_the_paragraph():
    from rag.evidence import Evidence
    from rag.policy import names_present
    from rag.query import parse_query
    from rag.schema import Document, Span

    sentence = "It was released on July 21, 2017."
    document = Document(doc_id="d", title="Games", path="d.txt", content_hash="h", text=sentence)

    def evidence(previous):
        return Evidence(document, Span(start=0, end=len(sentence)), 0.9, 0.9, previous=previous)

    asked = parse_query("When was Helix 2 released?")
    assert names_present(asked, evidence("Helix 2 is a 2017 shooter game."))
    assert not names_present(asked, evidence("Helix 1 is a 2015 shooter game."))


def test_a_sentence_names_its_subject_unless_its_only_names_follow_a_preposition_or_are_dates():
    from rag.evidence import subject_names
    from rag.structure import names_its_subject

    assert not names_its_subject("It was released on July 21, 2017.")
    assert not names_its_subject("In 2019 it opened in Oslo.")
    assert names_its_subject("Helix 2 came out in 2017.")
    assert subject_names("Helix 2 is a 2017 game by Nordline. It sold well.") == "Helix 2 Nordline"


def test_a_sentence_holding_much_less_of_the_question_than_the_best_is_not_shown():
    from rag.evidence import Evidence
    from rag.policy import showable
    from rag.query import parse_query
    from rag.schema import Document, Span
    from rag.settings import AnswerSettings

    def evidence(sentence, coverage):
        document = Document(doc_id="d", title="Freight", path="d.txt", content_hash="h", text=sentence)
        return Evidence(document, Span(start=0, end=len(sentence)), 0.6, coverage)

    share = evidence("Helix holds a 22% share of the freight market.", 0.7)
    growth = evidence("Helix grew 39% in Q1 2026.", 0.5)
    asked = parse_query("How big is Helix's share of the freight market?")
    assert showable(asked, [share, growth], AnswerSettings(coverage_slack=0.1)) == [share]
    assert showable(asked, [share, growth], AnswerSettings(coverage_slack=1.0)) == [share, growth]


def test_a_name_particle_between_capitalised_words_is_part_of_the_name():
    runs = [r.text for r in name_runs("Tamsin van Hale took the Tour de Nordline, ahead of Orla Venn de la Cruz.")]
    assert runs == ["Tamsin van Hale", "Tour de Nordline", "Orla Venn de la Cruz"]
    assert [r.text for r in name_runs("Orbital de facto leads; Nordline van rentals fell.")] == ["Orbital", "Nordline"]
    text = "Tamsin van Hale holds 36% of the market."
    assert owner_of(text, text.index("36%"), text.index("36%") + 3) == "Tamsin van Hale"


def test_a_figure_about_another_kind_of_the_thing_asked_about_is_ruled_out_where_a_source_names_the_asked_kind():
    from rag.structure import kinds_differ, kinds_named

    asked = "What growth rate is the regional harbour freight market expected to reach?"
    coastal = "The coastal freight market will grow at 7.2% a year"
    regional = "The regional harbour freight market, worth $3 billion, will grow at 5.1% a year"
    vaguer = "The freight market will grow at 5.1% a year"
    named = kinds_named(asked, [coastal, regional])
    assert "market" in named
    assert kinds_differ(coastal, named)  # coastal against regional harbour: neither within the other
    assert not kinds_differ(regional, named) and not kinds_differ(vaguer, named)
    # nobody names the asked kind: a differing word may be a synonym ('free' for 'complimentary'), so nothing is out
    tokens = "How many complimentary tokens can startups get?"
    free = "It offers up to 2 billion free tokens"
    assert not kinds_differ(free, kinds_named(tokens, [free]))
    # what a noun is 'of' describes it as the words before it do: a global share of the freight market is a global
    # freight market share, and a plain 'market share' is the same thing said less precisely
    share = "What is Orbital's global share of the freight market?"
    named = kinds_named(share, ["Orbital holds a 4% global freight market share", "Orbital has a 4% market share"])
    assert not kinds_differ("Globally, Orbital holds a modest 4% market share", named)
    assert kinds_differ("Orbital holds a 4% global van rental share", named)
    # a word that can only be a verb is no kind of thing: 'did Orbital's revenue grow to' asks of no 'revenue grow'
    rose = kinds_named("What did Orbital's revenue grow to in 2025?", ["freight revenue growing at triple-digit rates"])
    assert "grow" not in rose
    # names are who owns a figure (owner_of), not what kind of thing it is
    assert not kinds_differ("Nordline Freight holds 12%",
                            kinds_named("What share does Orbital Freight hold?", ["Orbital Freight holds 30%"]))


def test_an_article_or_a_number_word_opening_a_sentence_is_no_name():
    from rag.structure import name_runs, owner_of

    assert [r.text for r in name_runs("A loss of this customer would hurt Orbital.")] == ["Orbital"]
    assert [r.text for r in name_runs("Class A shares of Orbital rose.")] == ["Class A", "Orbital"]
    assert [r.text for r in name_runs("One Piece sold well.")] == ["One Piece"]
    text = "One customer accounted for 16% of Orbital's revenue."
    assert [r.text for r in name_runs(text)] == ["Orbital"]
    assert owner_of(text, text.index("16%"), text.index("16%") + 3) is None  # not 'One''s 16%


def test_a_headline_is_a_line_of_capitalised_words():
    assert is_headline("Here Are the Four Finalists for 2021 National Teacher of the Year")
    assert not is_headline("Ala Wai Elementary teacher Lori Kwee was named the Teacher of the Year.")
    assert not is_headline("Orla Venn")  # a short name is no headline
    assert not is_headline("Tamsin Hale won the Kestrel Cup.")
    assert not is_headline("Jan Koum and Brian Acton")  # names alone


def test_a_clause_does_not_end_inside_parentheses():
    text = "Orbital holds 4% of trade (behind Nordline, Kestrel, and Tidewater), its own report says."
    assert not any(a < text.index("and Tidewater") < b and a > text.index("(") for a, b in clause_bounds(text))


def test_an_undated_sentence_is_of_its_articles_years():
    from rag.evidence import Evidence
    from rag.policy import names_present
    from rag.query import parse_query
    from rag.schema import Document, Span

    def evidence(text, sentence):
        document = Document(doc_id="d", title="Orbital", path="d.txt", content_hash=text, text=text)
        start = text.index(sentence)
        return Evidence(document, Span(start=start, end=start + len(sentence)), 0.9, 0.9)

    undated = "Orbital's recent $60 million investment in its partners pays off."
    query = parse_query("How much did Orbital invest in its partners in 2019?")
    assert not names_present(query, evidence(f"Orbital grew in Q2 2025.\n\n{undated}\n\nIt plans more by 2030.\n",
                                             undated))  # the article is of 2025 to 2030, not 2019
    assert names_present(query, evidence(f"Orbital looked back on 2019.\n\n{undated}\n", undated))
    assert names_present(query, evidence(f"{undated}\n", undated))  # an article with no year says nothing


def test_a_source_may_use_the_initials_of_a_full_name_asked_about():
    from rag.structure import abbreviation_of, refers_to

    assert abbreviation_of("Amazon Web Services", "trailing AWS (30%)")
    assert not abbreviation_of("Amazon Web Services", "trailing AW (30%)")  # every word gives a letter
    assert not abbreviation_of("Alibaba Cloud", "AI services grew")
    assert refers_to("AWS", "Amazon Web Services") and refers_to("Amazon Web Services", "AWS")


def test_a_sentence_using_the_initials_is_about_the_full_name():
    from rag.evidence import Evidence
    from rag.policy import names_present
    from rag.query import parse_query
    from rag.schema import Document, Span

    sentence = "Kappa holds 4% of the market, trailing AWS (30%)."
    document = Document(doc_id="d", title="Cloud desk", path="d.txt", content_hash="h", text=sentence)
    item = Evidence(document, Span(start=0, end=len(sentence)), 0.9, 0.9)
    assert names_present(parse_query("What share does Amazon Web Services hold?"), item)
    assert not names_present(parse_query("What share does Amazon Cloud Services hold?"), item)


def test_ranks_are_read_as_places():
    from rag.structure import rank_order, same_rank

    assert rank_order("fourth-largest") == (4, "largest") and rank_order("No. 2") == (2, None)
    assert rank_order("3rd") == (3, None) and rank_order("second biggest") == (2, "largest")
    assert same_rank("No. 4", "fourth-largest") and not same_rank("fourth-smallest", "fourth-largest")
    assert not same_rank("third-largest", "fourth-largest")


def test_a_capitalised_preposition_is_no_name():
    from rag.structure import name_runs

    text = "Unlike Orion Labs, Kappa offers free credits."
    assert [r.text for r in name_runs(text)] == ["Orion Labs", "Kappa"]
    runs = name_runs("Kappa holds 12% of the market against Orion Labs.")
    assert [r.after_preposition for r in runs] == [False, True]  # after 'against': no owner of a figure


def test_a_list_of_names_owns_a_joint_figure_and_one_name_does_not():
    from rag.structure import lists_names
    assert lists_names("AWS, Azure, and Google Cloud") and lists_names("Tencent and Huawei")
    assert not lists_names("Procter & Gamble") and not lists_names("Alibaba Cloud")
    assert not lists_names("Kappa and its rivals")  # one name and a description


def test_with_is_a_preposition_no_name_nor_owner():
    text = "With revenue of $3 billion in 2023, Orbital leads the harbour crane market."
    assert [r.text for r in name_runs(text)] == ["Orbital"]
    partner = "The deal with Nordline gives Orbital 12% of the market."
    assert [r.after_preposition for r in name_runs(partner)] == [True, False]  # Nordline, after 'with'


def test_a_name_between_a_determiner_and_a_noun_ending_the_phrase_only_describes_the_noun():
    from rag.structure import described_noun

    def describing(text):
        return {r.text: described_noun(text, r.start, r.end) for r in name_runs(text)
                if described_noun(text, r.start, r.end)}

    assert describing("It is a key beneficiary of the Nova boom.") == {"Nova": "boom"}
    assert describing("Analysts cited the Kestrel estimate of growth.") == {"Kestrel": "estimate"}
    assert describing("Later the Fed raised rates.") == {}  # an inflected verb: the name does it
    assert describing("Yesterday the Warriors won in overtime.") == {}  # 'won': a verb before it is a noun
    assert describing("Yesterday the Warriors beat them.") == {}  # a plural name is the subject of its verb
    assert describing("Nova boom times are over.") == {}  # no determiner before it


def test_a_cause_is_what_follows_a_connective_of_cause():
    sentence = "Freight income rose 12%, driven by longer routes in Peru and Chile [2]."
    assert [sentence[a:b] for a, b in causes_in(sentence)] == ["longer routes in Peru and Chile"]
    sentence = "The $4 million increase was primarily due to 9 new depots; fuel costs fell."
    assert [sentence[a:b] for a, b in causes_in(sentence)] == ["9 new depots"]
    assert causes_in("Freight income rose 12% in 2025.") == []


def test_a_name_is_not_mentioned_by_a_word_sharing_a_short_stem_with_it():
    """The light stemmer cuts 'Sally' and 'sales' to 'sal': a stem that short names nothing."""
    assert not mentions("Sally Beauty", name_words("Net sales of Ulta Beauty rose"))
    assert mentions("Kestrel Lines", name_words("Kestrel Line's routes"))  # a longer stem still matches
