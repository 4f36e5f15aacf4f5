"""Whose figure it is, from the sentence's structure: sentences with several owners and figures."""

import pytest

from rag.structure import figure_owners, same_name

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
]


@pytest.mark.parametrize("sentence,owners", CASES)
def test_each_figure_belongs_to_the_name_the_structure_attaches_it_to(sentence, owners):
    found = {f.text: owner for f, owner in figure_owners(sentence) if f.text in owners}
    assert found == owners


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
