"""Roles read from questions and sentences: asked who holds a role, a name the sources give another role (held
before now, or at another organisation built on the asked one's name) is no answer, and a sentence that says who
holds the role offers only that holder."""

import pytest

from rag.evidence import Evidence
from rag.extract import candidates
from rag.policy import fills_role, holders_of_other_roles
from rag.query import parse_query
from rag.roles import Role, asked_role, held_roles, other_role
from rag.schema import Document, Span


@pytest.mark.parametrize("question, role", [
    ("Who is the CEO of Nordline in 2024?", Role("CEO", frozenset(), "Nordline")),
    ("Who is Nordline's chief pilot?", Role("pilot", frozenset({"chief"}), "Nordline")),
    ("Who was the head coach of the Kestrel Rovers?", Role("coach", frozenset({"head"}), "Kestrel Rovers", now=False)),
    ("Who is the director of the Tidewater film?", Role("director", frozenset(), "Tidewater film")),
    ("Who is Tamsin Hale?", None),
    ("Who won the Kestrel Cup in 2019?", None),
    ("Who will be playing the role of Ada Byrne in Tidewater?", None),
])
def test_a_who_question_asks_for_the_holder_of_a_role(question, role):
    assert asked_role(parse_query(question).ask) == role


@pytest.mark.parametrize("sentence, noun, held", [
    ("Orla Venn, the former CEO of Nordline, spoke first.", "CEO", [("Orla Venn", {"former"}, "Nordline")]),
    ("Tamsin Hale is the CEO of the Nordline Foundation.", "CEO", [("Tamsin Hale", set(), "Nordline Foundation")]),
    ("Nordline CEO Tamsin Hale said so.", "CEO", [("Tamsin Hale", set(), "")]),
    ("The ex-CEO of Nordline, Orla Venn, said so.", "CEO", [("Orla Venn", {"ex"}, "Nordline")]),
    ("Ada Byrne and Cal Moss - the current and former presidents of Kestrel - met.", "president",
     [("Ada Byrne", {"current", "former"}, "Kestrel"), ("Cal Moss", {"current", "former"}, "Kestrel")]),
    ("The CEO of Nordline said so.", "CEO", []),
])
def test_a_sentence_says_who_holds_a_role(sentence, noun, held):
    assert [(name, set(role.describing), role.held_at) for name, role in held_roles(sentence, (noun,))] == held


def test_a_role_held_before_now_or_at_another_organisation_is_another_role():
    asked = Role("CEO", frozenset(), "Nordline")
    assert other_role(asked, Role("CEO", frozenset({"former"}), "Nordline"))
    assert other_role(asked, Role("CEO", frozenset(), "Nordline Foundation"))
    assert not other_role(asked, Role("CEO", frozenset(), "Nordline Group"))  # a legal form says nothing more
    assert not other_role(asked, Role("CEO", frozenset(), ""))
    assert not other_role(asked, Role("CEO", frozenset(), "Queen"))  # may start a longer phrase: says nothing
    assert not other_role(Role("CEO", frozenset({"former"}), "Nordline"), Role("CEO", frozenset({"former"}), ""))
    asked_then = Role("CEO", frozenset(), "Nordline", now=False)  # 'Who was the CEO of Nordline in 2010?'
    assert not other_role(asked_then, Role("CEO", frozenset({"former"}), "Nordline"))
    assert other_role(asked_then, Role("CEO", frozenset(), "Nordline Foundation"))
    asked_former = Role("CEO", frozenset({"former"}), "Nordline", now=False)  # 'Who was the former CEO of ...?'
    assert other_role(asked_former, Role("CEO", frozenset(), "Nordline"))
    assert not other_role(asked_former, Role("CEO", frozenset({"former"}), "Nordline"))


def test_a_noun_before_the_role_or_a_kind_it_is_held_over_makes_another_role():
    """'Kestrel Nights video director Ines Moor' directed the video, not the film; 'a director of music videos' a
    kind of thing; unless the question says that noun ('the director of the Kestrel Nights movie')."""
    asked = asked_role('Who is the director of "Kestrel Nights"?')
    [(_, video)] = held_roles("The band thanks Kestrel Nights video director Ines Moor", asked.wordings)
    assert other_role(asked, video, parse_query('Who is the director of "Kestrel Nights"?').terms)
    [(_, videos)] = held_roles("Ines Moor, a director of music videos, died on Sunday.", asked.wordings)
    assert other_role(asked, videos)
    movie_question = parse_query("Who is the director of the Kestrel Nights movie?")
    [(_, movie)] = held_roles("Kestrel Nights movie director Ines Moor said", movie_question.role.wordings)
    assert not other_role(movie_question.role, movie, movie_question.terms)
    [(_, acclaimed)] = held_roles("Kestrel Nights' acclaimed director Ines Moor said", asked.wordings)  # adjective
    assert not other_role(asked, acclaimed)


def evidence(doc_id: str, text: str) -> Evidence:
    return Evidence(Document(doc_id=doc_id, title="", path=f"{doc_id}.txt", content_hash="h", text=text),
                    Span(start=0, end=len(text)), 0.9, 0.9)


def test_only_the_holder_of_the_asked_role_answers_who_holds_it():
    query = parse_query("Who is the CEO of Nordline?")
    former = evidence("a", "Orla Venn, the former CEO of Nordline when Kestrel was bought, now sails.")
    listed = evidence("b", "Tamsin Hale, CEO of Nordline; and, Ada Byrne, Founder of Tidewater, spoke.")
    again = evidence("c", "The first time I met Orla Venn, she was sailing.")
    items = [former, listed, again]
    others = holders_of_other_roles(query, items)
    assert others == ["Orla Venn"]
    fits = [c.text for item in items for c in candidates(query, item) if fills_role(c, others, query, 2)]
    assert "Tamsin Hale" in fits
    assert not {"Orla Venn", "Kestrel", "Ada Byrne", "Tidewater"} & set(fits)
    unasked = parse_query("Who won the Kestrel Cup?")  # no role asked: every name may answer
    assert all(fills_role(c, others, unasked, 2) for c in candidates(unasked, former))


def test_a_name_also_given_the_asked_role_is_not_ruled_out():
    query = parse_query("Who is the CEO of Nordline?")
    items = [evidence("a", "Orla Venn, the former CEO of Nordline, spoke."),
             evidence("b", "Nordline CEO Orla Venn said so.")]
    assert holders_of_other_roles(query, items) == []  # the sources disagree: the model and policy decide


def test_a_title_is_known_in_each_of_its_wordings():
    role = asked_role(parse_query("Who is the chief executive of Nordline?").ask)
    assert "CEO" in role.wordings and "chief executive officer" in role.wordings
    assert [name for name, _ in held_roles("Nordline CEO Tamsin Hale said so.", role.wordings)] == ["Tamsin Hale"]
    new = asked_role(parse_query("Who is the new CEO of Nordline?").ask)
    assert new.describing == {"new"} and "chief executive" in new.wordings
    query = parse_query("Who is the CEO of Nordline?")
    former = evidence("a", "Orla Venn, the former chief executive of Nordline, spoke.")
    assert holders_of_other_roles(query, [former]) == ["Orla Venn"]


def test_where_a_role_is_held_is_not_who_holds_it():
    query = parse_query("Who is the CEO of Nordline?")
    item = evidence("a", "CEO of Nordline and Kestrel Group ...")
    assert not [c.text for c in candidates(query, item) if fills_role(c, [], query, 2)]
    named = evidence("b", "The CEO of Nordline, Orla Venn, said so.")  # a comma sets off the holder, not a list
    assert [c.text for c in candidates(query, named) if fills_role(c, [], query, 2)] == ["Orla Venn"]


def test_a_role_said_without_where_it_is_held_is_held_at_what_its_clause_names():
    query = parse_query("Who is the CEO of Nordline?")
    rival = evidence("a", "This move, described by CEO Orla Venn as bold, positions Kestrel to grow while "
                          "challenging rivals like Nordline.")
    assert holders_of_other_roles(query, [rival]) == ["Orla Venn"]  # Nordline is named only as a rival
    own = evidence("b", "Nordline CEO Tamsin Hale said so.")
    assert [c.text for c in candidates(query, own) if fills_role(c, [], query, 2)] == ["Tamsin Hale"]
    film = parse_query("Who is the director of the Tidewater film?")
    back = evidence("c", "'Tidewater 2' is the worst case in film history, according to its own director Ada Byrne.")
    assert "Ada Byrne" in [c.text for c in candidates(film, back) if fills_role(c, [], film, 2)]  # 'its' refers back
    # a director who believed something of the film is not said to have directed it
    opinion = evidence("d", "Director Ada Byrne believed that Tidewater was the best film ever made.")
    assert holders_of_other_roles(film, [opinion]) == ["Ada Byrne"]


def test_the_job_a_sentence_gives_a_named_person():
    from rag.roles import titles_of

    assert [t for t, _, _ in titles_of("The plan, described by CEO Orla Venn as bold, grew.", ("Orla Venn",))] == ["CEO"]
    assert [t for t, _, _ in titles_of("Orla Venn, chief executive of Kappa, said so.", ("Orla Venn",))] == \
        ["chief executive of Kappa"]
    assert [t for t, _, _ in titles_of("Orla Venn is the CFO of Kappa.", ("Orla Venn",))] == ["CFO of Kappa"]
    assert titles_of("Orla Venn, who runs Kappa, said so.", ("Orla Venn",)) == []
    assert titles_of("While Kappa holds 4%, Orla Venn said so.", ("Kappa",)) == []


def test_a_question_for_a_persons_job_expects_a_title():
    from rag.query import parse_query

    query = parse_query("Orla Venn holds which position at Kappa?")
    assert query.kind == "title" and query.fallback_kind == "rank"  # 'what position does Kappa hold?': a rank
    assert "rol" not in parse_query("What is Orla Venn's role?").terms


def test_only_a_sentence_that_says_the_role_in_some_words_names_its_holder():
    def holders(question, text):
        query = parse_query(question)
        return [c.text for c in candidates(query, evidence("a", text)) if fills_role(c, [], query, 2)]

    # names listed beside the asked one hold no role of it
    assert holders("Who is the founder of Nordline?", "By working with firms like Nordline, Kestrel and Orla Labs, "
                   "the group grew.") == []
    assert holders("Who is the chairman of Nordline?", "Nordline CEO Tamsin Hale said so.") == []
    # the role as another part of speech, or a synonym, says it
    assert "Orla Venn" in holders("Who is the founder of Nordline?", "Nordline was founded by Orla Venn in 2009.")
    assert "Ada Byrne" in holders("Who is the director of Tidewater?", "Tidewater, directed by Ada Byrne, opens today.")
    assert "Tamsin Hale" in holders("Who is the chairman of Nordline?", "Tamsin Hale will chair Nordline's board.")
