"""Interrupted builds, concurrent readers, CLI behaviour on bad input."""

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from rag.indexer import build_index
from rag.store import build_lock
from rag.store import load_index

from conftest import REPO

BUILD_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from rag.embed import HashingEmbedder
    from rag.indexer import build_index
    from rag.settings import Settings

    class Slow(HashingEmbedder):
        def embed(self, texts):
            time.sleep(0.002 * len(texts))
            return super().embed(texts)

    settings = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
    build_index(settings, Slow(), force=True)
""")


def _grow_corpus(corpus: Path, count: int) -> None:
    for n in range(count):
        (corpus / f"extra{n:03d}.txt").write_text(
            f"Extra article {n}\nCompany {n} grew revenue {n % 90 + 1}% to ${n + 1} billion. Margins held at 12%.",
            encoding="utf-8")


def test_build_killed_at_random_points_keeps_the_previous_index(settings, corpus, embedder, tmp_path):
    build_index(settings, embedder)
    _grow_corpus(corpus, 120)
    script = tmp_path / "build.py"
    script.write_text(BUILD_SCRIPT)
    rng = random.Random(3)
    for _ in range(4):
        process = subprocess.Popen([sys.executable, str(script), str(corpus), str(settings.index_dir)], cwd=REPO)
        time.sleep(rng.uniform(0.3, 2.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        index = load_index(settings.index_dir)  # never raises: the last good generation is still current
        assert index.manifest.counts["documents"] in (2, 122)
    report = build_index(settings, embedder)
    assert load_index(settings.index_dir).manifest.counts["documents"] == 122
    assert report.documents == 122


def _read_repeatedly(index_dir: str, seconds: float, results) -> None:
    deadline = time.monotonic() + seconds
    loads = 0
    try:
        while time.monotonic() < deadline:
            index = load_index(Path(index_dir))
            assert len(index.chunks) == index.manifest.counts["chunks"] == index.dense.ntotal
            loads += 1
        results.put(("ok", loads))
    except Exception as error:  # noqa: BLE001 - reported to the parent
        results.put(("error", repr(error)))


def test_readers_during_rebuilds_always_see_a_whole_index(settings, corpus, embedder):
    build_index(settings, embedder)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    readers = [context.Process(target=_read_repeatedly, args=(str(settings.index_dir), 3.0, results))
               for _ in range(8)]
    for reader in readers:
        reader.start()
    for round_number in range(6):
        (corpus / f"round{round_number}.txt").write_text(
            f"Round {round_number} news\nThe index grew by {round_number + 5}% this round.", encoding="utf-8")
        build_index(settings, embedder)
    outcomes = [results.get() for _ in readers]
    for reader in readers:
        reader.join()
    assert all(status == "ok" and loads > 0 for status, loads in outcomes), outcomes


def run_cli(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([str(Path(sys.executable).parent / "rag"), *args], capture_output=True, text=True,
                          env=env, cwd=REPO)


def test_cli_help_is_instant_and_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("ask", "index", "eval", "summarize"):
        assert command in result.stdout


def test_every_command_has_help_text_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for command in (["ask"], ["index", "build"], ["index", "status"], ["eval"], ["summarize"]):
        result = run_cli(*command, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout
        assert f"rag {' '.join(command)}" in readme


def test_empty_question_exits_2_with_one_line(tmp_path):
    result = run_cli("ask", "   ", env_extra={"RAG_INDEX": str(tmp_path / "none")})
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "empty" in result.stderr


def test_missing_corpus_exits_3_without_a_traceback(tmp_path):
    result = run_cli("index", "build", "--corpus", str(tmp_path / "absent"), "--index", str(tmp_path / "index"))
    assert result.returncode == 3 and "Traceback" not in result.stderr and "does not exist" in result.stderr


def test_damaged_index_status_exits_4_with_a_rebuild_hint(settings, embedder):
    build_index(settings, embedder)
    (settings.index_dir / "CURRENT").write_text("gen-missing")
    result = run_cli("index", "status", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir))
    assert result.returncode == 4 and "rag index build" in result.stderr and "Traceback" not in result.stderr


def test_a_reader_on_a_missing_index_waits_for_the_running_build_instead_of_failing(settings, embedder,
                                                                                   monkeypatch):
    import math
    import threading
    import time

    from rag import pipeline
    from rag.pipeline import open_index

    waits = []
    real_build = pipeline.build_index
    monkeypatch.setattr(pipeline, "build_index", lambda *a, **k: waits.append(k.get("wait_seconds")) or real_build(*a, **k))

    released = threading.Event()

    def hold_the_lock():
        with build_lock(settings.index_dir, 5):
            time.sleep(1.0)
        released.set()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    time.sleep(0.2)
    index = open_index(settings, embedder)
    holder.join()
    assert released.is_set() and len(index.documents) == 2
    assert waits == [math.inf]  # however long the other build takes, the reader does not give up
