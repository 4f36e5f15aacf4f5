"""Run evaluations with the real models: the gold set over the corpus index, or self-contained benchmark cases."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .evaluate import EvalCase, EvalReport, load_cases, run_cases, score_case, summarise
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
                   baseline: str | None = None, limit: int | None = None, progress: bool = True,
                   split: str | None = None) -> list[EvalReport]:
    from .pipeline import open_answerer

    cases = load_cases(cases_path or settings.corpus_dir / "eval.jsonl", split)[:limit]
    if any(case.documents for case in cases):
        return run_self_contained(settings, cases, progress, baseline=baseline)
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


def run_self_contained(settings: Settings, cases: list[EvalCase], progress: bool = True,
                       baseline: str | None = None, embedder=None, generator=None) -> list[EvalReport]:
    """Benchmark cases that bring their own passages: each is answered over an index of its documents only
    (and, with baseline 'naive', by the tutorial-style pipeline over the same documents)."""
    from .answer import Answerer
    from .embed import MiniLMEmbedder
    from .indexer import build_index
    from .llm import QwenGenerator
    from .pipeline import open_index

    embedder = embedder or MiniLMEmbedder()
    generator = generator or QwenGenerator.from_settings(settings)
    results, naive_results = [], []
    show = _progress_bar("benchmark") if progress else None
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as scratch:
        for number, case in enumerate(cases, 1):
            case_settings = settings.model_copy(update={"corpus_dir": Path(scratch) / case.id / "corpus",
                                                        "index_dir": Path(scratch) / case.id / "index",
                                                        "store": _case_store(settings.store, Path(scratch) / case.id, number)})
            _write_case_corpus(case, case_settings.corpus_dir)
            build_index(case_settings, embedder)
            answerer = Answerer(case_settings, open_index(case_settings, embedder, build_if_missing=False), embedder,
                                generator)
            retrieve = lambda q: [h.chunk.text for h in answerer.retriever.search(q)]  # noqa: E731
            results.append(score_case(case, answerer.ask(case.question), retrieve(case.question)))
            if baseline == "naive":
                from .baseline import NaiveRAG

                naive = NaiveRAG(case_settings, embedder, generator)
                naive_results.append(score_case(case, naive.ask(case.question), naive.retrieve_texts(case.question)))
            if case_settings.store:
                from .milvus_store import disconnect

                disconnect(case_settings.store)
            if show:
                show(number, len(cases))
    reports = [EvalReport(label="rag", cases=results, metrics=summarise(results))]
    if naive_results:
        reports.append(EvalReport(label="naive", cases=naive_results, metrics=summarise(naive_results)))
    return reports


def _case_store(store: str, folder: Path, number: int) -> str:
    """Each case's own index in the same kind of store: a milvus-lite file in its folder, or its own collection."""
    if not store:
        return ""
    from .milvus_store import parse_store

    target = parse_store(store)
    if target.lite_file:
        return f"milvus://{folder}/store.db"
    return f"milvus://{target.uri.removeprefix('http://')}/{target.collection}_case{number}"


def _write_case_corpus(case: EvalCase, folder: Path) -> None:
    folder.mkdir(parents=True)
    for document in case.documents:
        name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in document.doc_id) or "doc"
        body = f"{document.title}\n\n{document.text}" if document.title else document.text
        (folder / f"{name}.txt").write_text(body, encoding="utf-8")
