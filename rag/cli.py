"""The command line: each command reads its input, calls one library function and prints."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import InputError, RagError
from .settings import Settings, load_settings, offline_quiet_environment

offline_quiet_environment()  # before any model library loads: set once for the process

app = typer.Typer(help="Offline, cited answers and summaries over a folder of news articles.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
index_app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

CorpusOption = typer.Option(None, "--corpus", help="Folder of articles (env RAG_CORPUS; default ./corpus).")
IndexOption = typer.Option(None, "--index", help="Index folder (env RAG_INDEX; default ./index).")
StoreOption = typer.Option(None, "--store", help="Keep the index in Milvus instead: milvus:///path/to/file.db "
                           "(milvus-lite) or milvus://HOST:PORT/COLLECTION (env RAG_STORE; needs pip install "
                           "'rag\\[scale]').")


def _settings(corpus: Optional[Path], index: Optional[Path], store: Optional[str] = None, **groups) -> Settings:
    settings = load_settings(corpus_dir=corpus, index_dir=index, store=store)
    for group, values in groups.items():
        section = getattr(settings, group)
        for name, value in values.items():
            if value is not None:
                setattr(section, name, value)
    return settings


def _warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


@index_app.command("build")
def index_build(corpus: Optional[Path] = CorpusOption, index: Optional[Path] = IndexOption,
                store: Optional[str] = StoreOption,
                force: bool = typer.Option(False, "--force", help="Rewrite the index even if nothing changed."),
                wait: float = typer.Option(30.0, "--wait", help="Seconds to wait for another build's lock."),
                ray: bool = typer.Option(False, "--ray",
                                         help="Embed on Ray workers (needs pip install 'rag\\[scale]')."),
                ray_address: Optional[str] = typer.Option(None, "--ray-address", envvar="RAY_ADDRESS",
                                                          help="The Ray cluster to use with --ray (HOST:6379 or "
                                                               "ray://HOST:10001); without it Ray starts here.")) -> None:
    """Ingest the corpus and (re)build the index incrementally and atomically."""
    from .indexer import build_index

    embedder = None
    if ray or ray_address:
        from .distributed import RayEmbedder
        from .embed import MiniLMEmbedder

        embedder = RayEmbedder(MiniLMEmbedder, MiniLMEmbedder.model_id, MiniLMEmbedder.dim, address=ray_address,
                               progress=_progress_printer("embedding on Ray"))
    report = build_index(_settings(corpus, index, store), embedder, force=force, wait_seconds=wait)
    for warning in report.plan.warnings:
        _warn(warning)
    plan = report.plan
    if not report.wrote:
        typer.echo(f"index is up to date: {report.documents} documents, {report.chunks} chunks ({report.seconds:.2f}s)")
        return
    typer.echo(f"indexed {report.documents} documents, {report.chunks} chunks: {report.embedded} embedded, "
               f"{report.reused} reused; {len(plan.added)} added, {len(plan.changed)} updated, "
               f"{len(plan.removed)} removed ({report.seconds:.2f}s)")


@index_app.command("status")
def index_status_command(corpus: Optional[Path] = CorpusOption, index: Optional[Path] = IndexOption,
        store: Optional[str] = StoreOption,
                         as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Documents, chunks, and what a rebuild would do."""
    from .indexer import index_status

    status = index_status(_settings(corpus, index, store))
    if as_json:
        typer.echo(json.dumps(status, indent=2))
        return
    for warning in status["warnings"]:
        _warn(warning)
    rebuild = status["rebuild"]
    state = "up to date" if status["up_to_date"] else "needs a rebuild" if status["built"] else "not built"
    typer.echo(f"index {status['index_dir']}: {state}; {status['documents']} documents, {status['chunks']} chunks")
    typer.echo(f"a rebuild would add {len(rebuild['add'])}, update {len(rebuild['update'])}, remove "
               f"{len(rebuild['remove'])}, keep {rebuild['unchanged']}")
    for reason in rebuild["stale_reasons"]:
        typer.echo(f"stale: {reason}")


def _read_questions(path: Path) -> list[str]:
    """One question per line, or JSONL objects with a "question" field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read questions from {path}: {error}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                questions.append(str(json.loads(line)["question"]))
            except (ValueError, KeyError, TypeError):
                raise InputError(f"{path}:{number}: a JSON line needs a \"question\" field") from None
        else:
            questions.append(line)
    if not questions:
        raise InputError(f"{path} holds no question")
    return questions


def _print_answer(answer) -> None:
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo("\nSources:")
    for c in answer.citations:
        typer.echo(f"[{c.id}] {c.title} — \"{c.quote}\"\n    {c.path}, characters {c.start}-{c.end}")


class _LiveText:
    """Shows the model's words as they come in a terminal, then gives way to the checked answer."""

    def __init__(self, enabled: bool) -> None:
        self.enabled, self.started = enabled, False

    def __call__(self, text: str) -> None:
        if not self.enabled:
            return
        if not self.started:
            sys.stdout.write("\0337\033[2m")  # save the cursor, dim the draft
            self.started = True
        sys.stdout.write(text)
        sys.stdout.flush()

    def clear(self) -> None:
        if self.started:
            sys.stdout.write("\033[0m\0338\033[J")  # back to the saved cursor, erase the draft
            sys.stdout.flush()
            self.started = False


def ask(question: Optional[str] = typer.Argument(None, help="The question, in quotes."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
        questions: Optional[Path] = typer.Option(None, "--questions", help="File of questions (lines or JSONL): one JSON answer per line."),
        k: Optional[int] = typer.Option(None, "--k", min=1, max=50, help="Chunks to retrieve."),
        retrieval: Optional[str] = typer.Option(None, "--retrieval", help="dense, lexical or hybrid."),
        no_verify: bool = typer.Option(False, "--no-verify", help="Skip figure verification (for ablations)."),
        corpus: Optional[Path] = CorpusOption, index: Optional[Path] = IndexOption,
        store: Optional[str] = StoreOption) -> None:
    """Answer a question from the corpus, citing the sentences it rests on."""
    from .pipeline import open_answerer
    from .query import clean_question

    if (question is None) == (questions is None):
        raise InputError('give one question in quotes, or --questions FILE: ask "What share does Alibaba hold in China?"')
    if retrieval is not None and retrieval not in ("dense", "lexical", "hybrid"):
        raise InputError("--retrieval must be dense, lexical or hybrid")
    batch = _read_questions(questions) if questions else None
    if question is not None:
        clean_question(question)  # an empty question fails here, before any model loads
    answerer = open_answerer(_settings(corpus, index, store))
    verify = False if no_verify else None
    if batch is not None:
        for text in batch:
            try:
                answer = answerer.ask(text, k=k, mode=retrieval, verify=verify)
                data = answer.model_dump(mode="json")
                if answer.warnings:
                    data["warnings"] = answer.warnings  # e.g. the question was trimmed
                typer.echo(json.dumps(data))
            except InputError as error:
                typer.echo(json.dumps({"question": text, "error": str(error)}))
        return
    live = _LiveText(enabled=not as_json and sys.stdout.isatty())
    answer = answerer.ask(question, k=k, mode=retrieval, verify=verify, on_text=live)
    live.clear()
    for warning in answer.warnings:
        _warn(warning)
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
    else:
        _print_answer(answer)


app.command("ask")(ask)


def _print_summary(summary) -> None:
    typer.echo(f"Summary: {summary.scope}\n")
    citations = {}
    groups = [(f"Theme: {t.label} ({len(t.doc_ids)} article{'s' * (len(t.doc_ids) > 1)})", t.summary)
              for t in summary.themes] or [("", summary.summary)]
    for number, (heading, sentences) in enumerate(groups):
        if heading:
            typer.echo(("\n" if number else "") + heading)
        for sentence in sentences:
            markers = "".join(f"[{c.id}]" for c in sentence.citations)
            typer.echo(f"- {sentence.text} {markers}")
            citations.update({c.id: c for c in sentence.citations})
    if summary.key_figures:
        typer.echo("\nKey figures:")
        width = max(len(k.figure) for k in summary.key_figures)
        for k in summary.key_figures:
            typer.echo(f"  {k.figure:<{width}}  {k.measures}  [{k.citation.id}]")
            citations[k.citation.id] = k.citation
    if summary.disagreements:
        typer.echo("\nWhere sources disagree:")
        for d in summary.disagreements:
            sides = "; ".join(f"{f.figure} [{f.citation.id}]" for f in d.figures)
            typer.echo(f"  {d.about}: {sides}")
            citations.update({f.citation.id: f.citation for f in d.figures})
    typer.echo("\nSources:")
    for number in sorted(citations):
        c = citations[number]
        typer.echo(f"[{c.id}] {c.title} — \"{c.quote}\"\n    {c.path}, characters {c.start}-{c.end}")


@app.command("summarize")
def summarize_command(document: Optional[str] = typer.Argument(None, help="Article id, path or title fragment."),
                      all_articles: bool = typer.Option(False, "--all", help="Summarise across all articles, with disagreements."),
                      topic: Optional[str] = typer.Option(None, "--topic", help="Summarise what the corpus says on a topic."),
                      as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
                      no_llm: bool = typer.Option(False, "--no-llm", help="Purely extractive: quote the chosen sentences."),
                      corpus: Optional[Path] = CorpusOption, index: Optional[Path] = IndexOption,
        store: Optional[str] = StoreOption) -> None:
    """Summarise one article, all articles, or a topic; every sentence cited, figures checked."""
    from .pipeline import open_summarizer

    if sum(x is not None and x is not False for x in (document, topic, all_articles or None)) != 1:
        raise InputError("give exactly one of: an article (id, path or title words), --all, or --topic TEXT")
    summarizer = open_summarizer(_settings(corpus, index, store), use_llm=not no_llm)
    progress = None if as_json else _progress_printer("summarising")
    if all_articles:
        summary = summarizer.corpus(progress)
    elif topic is not None:
        summary = summarizer.topic(topic)
    else:
        summary = summarizer.document(document, progress)
    if as_json:
        typer.echo(summary.model_dump_json(indent=2, exclude={"scope"}))
    else:
        _print_summary(summary)


def _progress_printer(label: str):
    from .evaluation_runner import _progress_bar

    return _progress_bar(label) if sys.stderr.isatty() else None


METRIC_LABELS = [("answer_accuracy", "answer accuracy", "%"), ("cited_accuracy", "cited accuracy", "%"),
                 ("citation_precision", "citation precision", "%"), ("mean_quote_chars", "mean quote length", "chars"),
                 ("correct_refusal", "correct refusals", "%"), ("false_refusal", "false refusals", "%"),
                 ("retrieval_recall", "retrieval recall@k", "%"), ("latency_p50_s", "latency p50", "s"),
                 ("latency_p95_s", "latency p95", "s")]


def _format_metric(value, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if unit == "%" else f"{value:.0f}" if unit == "chars" else f"{value:.2f}s"


def _print_reports(reports) -> None:
    width = max(12, *(len(r.label) + 2 for r in reports))
    typer.echo(f"{'metric':<22}" + "".join(f"{r.label:>{width}}" for r in reports))
    for key, label, unit in METRIC_LABELS:
        typer.echo(f"{label:<22}" + "".join(f"{_format_metric(r.metrics.get(key), unit):>{width}}" for r in reports))
    typer.echo(f"{'cases':<22}" + "".join(f"{int(r.metrics['cases']):>{width}}" for r in reports))
    for report in reports:
        failures = [c for c in report.cases if not c.correct]
        if failures:
            typer.echo(f"\n{report.label}: {len(failures)} failed")
        for case in failures:
            expected = ", ".join(case.expected) if case.answerable else "a refusal"
            typer.echo(f"  [{case.id}] {case.question}\n      expected {expected}; got: {case.answer[:160]}")


@app.command("eval")
def eval_command(cases: Optional[Path] = typer.Option(None, "--cases", help="JSONL gold cases (default corpus/eval.jsonl) or a benchmark file whose cases carry documents."),
                 as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
                 retrieval: Optional[str] = typer.Option(None, "--retrieval", help="dense, lexical or hybrid (ablation)."),
                 no_verify: bool = typer.Option(False, "--no-verify", help="Skip figure verification (ablation)."),
                 baseline: Optional[str] = typer.Option(None, "--baseline", help="'naive': a tutorial-style RAG run beside the tool."),
                 limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
                 split: Optional[str] = typer.Option(None, "--split", help="Only the cases of this split: dev (tuned on) or test (never tuned on)."),
                 fail_under: Optional[float] = typer.Option(None, "--fail-under", help="Exit 1 when answer accuracy (0-1 or %) is lower."),
                 report: Optional[Path] = typer.Option(None, "--report", help="Write an HTML report (tables, charts, failures) to this folder."),
                 summaries: bool = typer.Option(False, "--summaries", help="Evaluate summaries against hand-written key facts, beside an LLM-only summary."),
                 facts: Optional[Path] = typer.Option(None, "--facts", help="JSONL key facts per article for --summaries (default CORPUS/summary_facts.jsonl)."),
                 corpus: Optional[Path] = CorpusOption, index: Optional[Path] = IndexOption,
        store: Optional[str] = StoreOption) -> None:
    """Run the gold questions through the same path as ask and report accuracy, citations, refusals, latency."""
    from .evaluation_runner import run_evaluation

    settings = _settings(corpus, index, store)
    if summaries:
        _evaluate_summaries(settings, facts or settings.corpus_dir / "summary_facts.jsonl", as_json, baseline != "none")
        return
    reports = run_evaluation(settings, cases, retrieval=retrieval, verify=not no_verify, baseline=baseline,
                             limit=limit, progress=not as_json, split=split)
    if as_json:
        from .evaluate import report_json

        typer.echo(report_json(reports))
    else:
        _print_reports(reports)
    if report is not None:
        from .report import write_html_report

        typer.echo(f"report written to {write_html_report(reports, report)}", err=True)
    accuracy = reports[0].metrics.get("answer_accuracy") or 0.0
    if fail_under is not None and accuracy < (fail_under / 100 if fail_under > 1 else fail_under):
        typer.echo(f"answer accuracy {accuracy:.1%} is under {fail_under}", err=True)
        raise typer.Exit(1)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command("serve")
def serve_command(host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; anything but loopback needs an API key."),
                  port: int = typer.Option(8000, "--port", min=1, max=65535),
                  api_key: Optional[str] = typer.Option(None, "--api-key", envvar="RAG_API_KEY", help="Required on every request (X-API-Key header)."),
                  corpus: Optional[Path] = CorpusOption, index: Optional[Path] = IndexOption,
        store: Optional[str] = StoreOption) -> None:
    """Serve the web page and the HTTP API, with the index and models loaded once for every user."""
    if host not in LOOPBACK and not api_key:
        raise InputError(f"--host {host} lets other machines in: give --api-key KEY (or set RAG_API_KEY)")
    _check_port_free(host, port)
    if host not in LOOPBACK:
        _warn(f"serving on {host}: anyone who can reach port {port} and holds the API key can read the corpus")
    import uvicorn

    from .server import create_app
    from .service import Service

    settings = _settings(corpus, index, store)
    typer.echo("rag: loading the index and models…", err=True)
    app_ = create_app(Service(settings), api_key=api_key, max_body_bytes=settings.serve.max_body_bytes)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"rag: starting http://{shown}:{port}/ (API docs at /docs); Ctrl-C stops", err=True)
    uvicorn.run(app_, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


def _check_port_free(host: str, port: int) -> None:
    """Fail before the models load, in one line, when the port is taken or the address is not this machine's."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise InputError(f"cannot listen on {host}:{port} ({reason}): pick another --port or --host, "
                         "or stop what uses it") from None


def _evaluate_summaries(settings, facts: Path, as_json: bool, baseline: bool) -> None:
    from .pipeline import open_summarizer
    from .summary_eval import evaluate_summaries, load_facts, scores_json

    gold = load_facts(facts)
    scores = evaluate_summaries(open_summarizer(settings), gold, baseline=baseline)
    if as_json:
        typer.echo(scores_json(scores))
        return
    typer.echo(f"{'':26}" + "".join(f"{s.label:>12}" for s in scores))
    for key, label in (("key_fact_recall", "key-fact recall"), ("unsupported_sentences", "unsupported sentences")):
        typer.echo(f"{label:26}" + "".join(f"{getattr(s, key):>12.1%}" for s in scores))
    typer.echo(f"{'seconds per article':26}" + "".join(f"{s.seconds_per_article:>12.2f}" for s in scores))
    typer.echo(f"{'sentences':26}" + "".join(f"{s.sentences:>12}" for s in scores))
    for s in scores:
        for line in [f"missed: {m}" for m in s.missed] + [f"unsupported: {u}" for u in s.unsupported]:
            typer.echo(f"  [{s.label}] {line}")


ask_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
ask_app.command()(ask)


def _run(typer_app: typer.Typer) -> None:
    """Run a typer app; our errors become one line and an exit code, never a traceback. Works whether click
    raises its Exit and Abort (click < 8.2) or returns the exit code (click >= 8.2, standalone_mode=False)."""
    try:
        result = typer_app(standalone_mode=False)
    except RagError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        _exit_for(error)
    if result == 130:  # newer click turns Ctrl-C into this return value
        _interrupted()
    if isinstance(result, int) and result:
        sys.exit(result)


def _interrupted() -> None:
    typer.echo("interrupted; the last good index is kept", err=True)
    sys.exit(130)


def _exit_for(error: Exception) -> None:
    """Click's own exceptions by behaviour, not class (typer may vendor its own copy of click)."""
    name = type(error).__name__
    if name == "Abort":
        _interrupted()
    if name == "Exit":
        sys.exit(getattr(error, "exit_code", 0))
    if hasattr(error, "show") and isinstance(getattr(error, "exit_code", None), int):
        error.show()
        sys.exit(error.exit_code)
    if os.environ.get("RAG_DEBUG"):
        raise error
    advice = _system_advice(error)
    if advice:
        typer.echo(f"error: {advice}", err=True)
        sys.exit(1)
    typer.echo(f"error: unexpected {type(error).__name__}: {error} (set RAG_DEBUG=1 to see the traceback)", err=True)
    sys.exit(1)


# How libraries report a failed allocation when they do not raise MemoryError (torch's mmap and allocator, the
# dynamic loader under `ulimit -v`).
_OUT_OF_MEMORY = re.compile(r"cannot allocate memory|can't allocate memory|bad_alloc|failed to map segment|"
                            r"out of memory", re.IGNORECASE)


def _system_advice(error: Exception) -> str | None:
    """One line that says what to do for the machine's own failures: disk full, read-only or wrong folders,
    memory."""
    import errno

    if isinstance(error, MemoryError) or _OUT_OF_MEMORY.search(str(error)):
        return "out of memory: close other programs, or raise the memory limit (ulimit -v) and try again"
    if not isinstance(error, OSError):
        return None
    where = f" ({error.filename})" if error.filename else ""
    messages = {
        errno.ENOSPC: f"no space left on the device{where}: free some space, or point --index at another disk",
        errno.EDQUOT: f"disk quota exceeded{where}: free some space, or point --index at another disk",
        errno.EROFS: f"read-only file system{where}: point --index (or RAG_INDEX) at a writable folder",
        errno.EACCES: f"permission denied{where}: point --index (or RAG_INDEX) at a folder you can write",
        errno.EPERM: f"operation not permitted{where}: point --index (or RAG_INDEX) at a folder you can write",
        errno.ENOTDIR: f"not a folder{where}: --index and --corpus must name folders, not files",
        errno.EEXIST: f"a file is in the way{where}: --index must name a folder, not a file",
        errno.ENOENT: f"no such file or folder{where}: check --corpus and --index",
    }
    return messages.get(error.errno)


def main() -> None:
    _run(app)


def ask_main() -> None:
    _run(ask_app)
