"""Self-contained benchmark cases (RGB format): each answered over an index of its own passages."""

import json

from rag.evaluate import load_cases
from rag.evaluation_runner import run_self_contained

from conftest import FakeGenerator

CASES = [
    {"id": "m-1-a", "question": "Who acquired Orbital Freight?", "answers": ["Nordline"], "answerable": True,
     "documents": [{"doc_id": "p1", "title": "", "text": "Nordline acquired Orbital Freight in March 2021 for $2 billion."},
                   {"doc_id": "n1", "title": "", "text": "Harbour traffic was calm in the spring of 2021."}]},
    {"id": "m-1-n", "question": "Who acquired Orbital Freight?", "answers": [], "answerable": False,
     "documents": [{"doc_id": "n1", "title": "", "text": "Harbour traffic was calm in the spring of 2021."},
                   {"doc_id": "n2", "title": "", "text": "Container prices rose 4% last quarter across Asia."}]},
]


def test_each_case_is_answered_over_its_own_documents(tmp_path, settings, embedder):
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CASES))
    cases = load_cases(path)
    generator = FakeGenerator(lambda messages: "Nordline")
    ours, naive = run_self_contained(settings, cases, progress=False, baseline="naive", embedder=embedder,
                                     generator=generator)
    answerable, unanswerable = ours.cases
    assert answerable.correct and "Nordline" in answerable.answer
    assert unanswerable.correct and not unanswerable.answered
    assert naive.label == "naive" and len(naive.cases) == 2
    assert not naive.cases[1].correct  # the naive pipeline repeats the model's guess on noise
