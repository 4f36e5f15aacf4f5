"""Benchmark: index build rate (cold, unchanged, one article changed), retrieval and warm answer latency,
cold start of `ask`, peak memory. Prints a table and JSON; each figure is the median of several runs.

    .venv/bin/python benchmarks/bench.py [--articles 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag.embed import MiniLMEmbedder  # noqa: E402
from rag.evaluate import load_cases  # noqa: E402
from rag.indexer import build_index  # noqa: E402
from rag.pipeline import open_answerer  # noqa: E402
from rag.retrieve import Retriever  # noqa: E402
from rag.settings import Settings, load_settings  # noqa: E402
from rag.store import load_index  # noqa: E402

COMPANIES = ["Orbital", "Nordline", "Helix", "Quanta", "Borealis", "Cinder", "Vantage", "Ardent", "Lumen", "Pioneer"]
TOPICS = ["cloud revenue", "container volumes", "chip sales", "ad income", "subscription growth", "fleet size"]


def synthetic_article(rng: random.Random, number: int) -> str:
    """An article with a title, headings and sentences carrying figures, made up at run time."""
    company = rng.choice(COMPANIES) + f" {number}"
    lines = [f"{company} Reports Results for Quarter {number % 4 + 1}"]
    for section in range(3):
        lines.append(f"Section {section + 1}: {rng.choice(TOPICS).title()}")
        for _ in range(4):
            lines.append(f"{company} said its {rng.choice(TOPICS)} rose {rng.randint(1, 99)}% to "
                         f"${rng.randint(1, 900)}.{rng.randint(0, 9)} billion in {rng.randint(2019, 2026)}. "
                         f"Analysts expect {rng.randint(2, 40)} new products over the next {rng.randint(2, 5)} years.")
    return "\n".join(lines)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * pct / 100))]


def bench_build(articles: int, runs: int) -> dict:
    rng = random.Random(7)
    embedder = MiniLMEmbedder()
    cold, warm, changed = [], [], []
    chunks = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            corpus = Path(scratch) / "corpus"
            corpus.mkdir()
            for n in range(articles):
                (corpus / f"a{n:05d}.txt").write_text(synthetic_article(rng, n), encoding="utf-8")
            settings = Settings(corpus_dir=corpus, index_dir=Path(scratch) / "index")
            report = build_index(settings, embedder)
            chunks = report.chunks
            cold.append(report.chunks / report.seconds)
            warm.append(build_index(settings, embedder).seconds)
            (corpus / "a00000.txt").write_text(synthetic_article(rng, 99999), encoding="utf-8")
            changed.append(build_index(settings, embedder).seconds)
    return {"build_articles": articles, "build_chunks": chunks, "build_cold_chunks_per_s": statistics.median(cold),
            "rebuild_unchanged_s": statistics.median(warm), "rebuild_one_changed_s": statistics.median(changed),
            "build_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def bench_answers(settings: Settings, runs: int) -> dict:
    questions = [c.question for c in load_cases(REPO / "corpus" / "eval.jsonl")]
    answerer = open_answerer(settings)
    retriever = Retriever(load_index(settings.index_dir), answerer.finder.embedder)
    retrieval, answers = [], []
    for _ in range(runs):
        for question in questions:
            started = time.perf_counter()
            retriever.search(question)
            retrieval.append(time.perf_counter() - started)
            answers.append(answerer.ask(question).timings.total_s)
    return {"retrieval_p50_ms": percentile(retrieval, 50) * 1000, "retrieval_p95_ms": percentile(retrieval, 95) * 1000,
            "answer_warm_p50_s": percentile(answers, 50), "answer_warm_p95_s": percentile(answers, 95)}


def bench_cold_start(runs: int) -> dict:
    """Process start to full answer, and the child's peak memory."""
    times = []
    ask = Path(sys.executable).parent / "ask"
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(ask), "--json", "What share does Alibaba hold in China?"], cwd=REPO, check=True,
                       capture_output=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
        times.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"ask_cold_full_answer_s": statistics.median(times), "ask_peak_rss_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200, help="synthetic articles for the build benchmark")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    figures = {}
    figures.update(bench_cold_start(args.runs))
    figures.update(bench_answers(settings, args.runs))
    figures.update(bench_build(args.articles, args.runs))
    for name, value in figures.items():
        print(f"{name:<28} {value:>10.3f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
