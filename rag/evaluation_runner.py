"""Run evaluations with the real models: the gold set over the corpus index, or self-contained benchmark cases."""

from __future__ import annotations

import sys
from pathlib import Path

from .evaluate import EvalReport, load_cases, run_cases
from .settings import Settings


def _progress_bar(label: str):
    def show(done: int, total: int) -> None:
        filled = int(30 * done / total)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def run_evaluation(settings: Settings, cases_path: Path | None, retrieval: str | None = None, verify: bool = True,
                   baseline: str | None = None, limit: int | None = None, progress: bool = True) -> list[EvalReport]:
    from .pipeline import open_answerer

    cases = load_cases(cases_path or settings.corpus_dir / "eval.jsonl")[:limit]
    answerer = open_answerer(settings)
    label = "rag" + (f" ({retrieval})" if retrieval else "") + ("" if verify else " no-verify")

    def ask(question: str):
        return answerer.ask(question, mode=retrieval, verify=verify)

    def retrieve(question: str) -> list[str]:
        return [hit.chunk.text for hit in answerer.retriever.search(question, mode=retrieval)]

    reports = [run_cases(cases, ask, retrieve, label=label, progress=_progress_bar(label) if progress else None)]
    if baseline == "naive":
        from .baseline import NaiveRAG

        naive = NaiveRAG(settings, answerer.finder.embedder, answerer.generator)
        reports.append(run_cases(cases, naive.ask, naive.retrieve_texts, label="naive",
                                 progress=_progress_bar("naive") if progress else None))
    return reports
