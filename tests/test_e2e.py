"""End to end with the real models on the shipped corpus, through the installed CLI, with the network blocked."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.ingest import ingest_corpus

from conftest import REPO, SHIPPED_CORPUS

BIN = Path(sys.executable).parent
NO_NETWORK = """
import socket
def _refuse(*args, **kwargs):
    raise OSError("network access attempted during an offline run")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
"""


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory):
    guard = tmp_path_factory.mktemp("offline")
    (guard / "sitecustomize.py").write_text(NO_NETWORK)
    env = dict(os.environ, PYTHONPATH=str(guard), RAG_INDEX=str(tmp_path_factory.mktemp("index")),
               RAG_CORPUS=str(SHIPPED_CORPUS), HF_HUB_OFFLINE="1")
    return env


def run(args, env):
    """No time limit: a slow or busy machine must not fail a correctness test."""
    return subprocess.run([str(BIN / args[0]), *args[1:]], env=env, cwd=REPO, capture_output=True, text=True)


@pytest.mark.slow
def test_ask_answers_with_real_models_offline_and_cites_exact_sentences(offline_env, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"question": "What share does Alibaba hold in China?"}\n'
                         '{"question": "How many employees does Alibaba have?"}\n'
                         '{"question": "How much will Alibaba invest in AI and cloud over the next three years?"}\n')
    result = run(["rag", "ask", "--questions", str(questions)], offline_env)
    assert result.returncode == 0, result.stderr
    share, employees, investment = [json.loads(line) for line in result.stdout.splitlines()]
    assert share["answerable"] and "36%" in share["answer"]
    assert any("36%" in c["quote"] for c in share["citations"])
    assert not employees["answerable"] and employees["citations"] == []
    assert "$53 billion" in investment["answer"] and "$52.7 billion" in investment["answer"]
    documents = {d.doc_id: d for d in ingest_corpus(SHIPPED_CORPUS).documents}
    for answer in (share, investment):
        for c in answer["citations"]:
            assert documents[c["doc_id"]].text[c["start"]:c["end"]] == c["quote"] and len(c["quote"]) <= 300
    assert "network access attempted" not in result.stderr


@pytest.mark.slow
def test_ask_shortcut_prints_answer_and_sources(offline_env):
    result = run(["ask", "What share does Alibaba hold in China?"], offline_env)
    assert result.returncode == 0, result.stderr
    assert "36%" in result.stdout and "Sources:" in result.stdout and "000_2167265db7fad3f8.txt" in result.stdout


@pytest.mark.slow
def test_gold_set_stays_above_its_measured_floor(offline_env):
    """A regression floor under what the gold set measured (dev 76%, test 75% answered right; README), not the
    issue's target, which is not met yet."""
    result = run(["rag", "eval", "--json", "--fail-under", "0.65"], offline_env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    metrics = json.loads(result.stdout)[0]["metrics"]
    assert metrics["cited_accuracy"] >= 0.65 and metrics["citation_precision"] >= 0.9
    assert metrics["correct_refusal"] >= 0.8 and metrics["mean_quote_chars"] <= 300


def _edited_corpus(tmp_path, edit, extra: dict[str, str] | None = None) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SHIPPED_CORPUS.glob("*.txt"):
        (corpus / path.name).write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    for name, text in (extra or {}).items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def _ask_json(env, corpus, tmp_path, question):
    env = dict(env, RAG_CORPUS=str(corpus), RAG_INDEX=str(tmp_path / "index"))
    result = run(["rag", "ask", "--json", question], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_whose_figure_it_is_does_not_depend_on_where_the_place_stands(offline_env, tmp_path):
    moved = lambda text: text.replace(  # noqa: E731
        "However, within China, Alibaba Cloud dominates with a 36% share of the public AI cloud services market,",
        "However, Alibaba Cloud dominates with a 36% share of the public AI cloud services market in China,")
    answer = _ask_json(offline_env, _edited_corpus(tmp_path, moved), tmp_path, "What share does Alibaba hold in China?")
    assert "36%" in answer["answer"] and "10%" not in answer["answer"]


@pytest.mark.slow
def test_a_source_that_disagrees_is_reported_without_other_owners_figures(offline_env, tmp_path):
    other = {"other.txt": "Cloud Market Survey\n\nA survey finds that Alibaba Cloud holds a 41% share of China's "
                          "public AI cloud services market, ahead of Tencent Cloud (12%).",
             "same.txt": "Cloud Market Notes\n\nAlibaba Cloud holds a 36% share of China's public AI cloud services "
                         "market, ahead of Tencent Cloud (10%)."}
    answer = _ask_json(offline_env, _edited_corpus(tmp_path, lambda t: t, other), tmp_path,
                       "What share of China's public AI cloud services market does Alibaba Cloud hold?")
    assert "36%" in answer["answer"] and "41%" in answer["answer"]
    assert "12%" not in answer["answer"] and "10%" not in answer["answer"]
    assert len({c["doc_id"] for c in answer["citations"]}) >= 2


@pytest.mark.slow
def test_eight_ask_processes_during_rebuilds_all_get_answers(offline_env, tmp_path):
    """8 real `ask` processes while forced rebuilds swap generations: every one answers, none errors."""
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus, ignore=shutil.ignore_patterns("*.jsonl"))
    env = dict(offline_env, RAG_CORPUS=str(corpus), RAG_INDEX=str(tmp_path / "index"))
    assert run(["rag", "index", "build"], env).returncode == 0
    askers = [subprocess.Popen([str(BIN / "rag"), "ask", "--json", "What share does Alibaba hold in China?"],
                               env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(8)]
    rebuilds = 0
    while any(p.poll() is None for p in askers) and rebuilds < 6:
        (corpus / f"note{rebuilds}.txt").write_text(f"Note {rebuilds}\nA short note with {rebuilds + 1}% growth.")
        assert run(["rag", "index", "build"], env).returncode == 0
        rebuilds += 1
    for process in askers:
        out, err = process.communicate()
        assert process.returncode == 0, err
        assert "36%" in json.loads(out)["answer"]
    assert rebuilds >= 1


@pytest.mark.slow
def test_the_milvus_store_answers_as_the_index_on_disk_through_the_cli(offline_env, tmp_path):
    pytest.importorskip("milvus_lite")
    questions = tmp_path / "questions.txt"
    questions.write_text("What share does Alibaba hold in China?\nHow many employees does Alibaba have?\n"
                         "How much will Alibaba invest in AI and cloud over the next three years?\n")
    milvus_env = dict(offline_env, RAG_STORE=f"milvus://{tmp_path}/store.db")
    built = run(["rag", "index", "build"], milvus_env)
    assert built.returncode == 0 and "indexed 2 documents" in built.stdout, built.stderr
    assert "up to date" in run(["rag", "index", "status"], milvus_env).stdout
    on_disk, in_milvus = (run(["rag", "ask", "--questions", str(questions)], env) for env in (offline_env, milvus_env))
    assert on_disk.returncode == in_milvus.returncode == 0, in_milvus.stderr
    assert [json.loads(line) | {"timings": None} for line in on_disk.stdout.splitlines()] == \
        [json.loads(line) | {"timings": None} for line in in_milvus.stdout.splitlines()]
    assert "network access attempted" not in in_milvus.stderr
