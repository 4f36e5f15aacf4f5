"""Exit codes through real processes (not CliRunner): bad flags 2, Ctrl-C 130, a missed --fail-under 1."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CORPUS = REPO / "corpus"
BIN = Path(sys.executable).parent


def rag(*args, env=None, **kwargs):
    return subprocess.run([str(BIN / "rag"), *args], cwd=REPO, capture_output=True, text=True,
                          env=env or dict(os.environ, HF_HUB_OFFLINE="1"), **kwargs)


def test_an_unknown_flag_exits_2_with_a_message():
    result = rag("ask", "--no-such-flag", "What?")
    assert result.returncode == 2 and "no-such-flag" in result.stderr and "Traceback" not in result.stderr


def test_an_empty_question_exits_2():
    result = rag("ask", "   ")
    assert result.returncode == 2 and "empty" in result.stderr


def test_ctrl_c_exits_130_and_says_the_index_is_kept(tmp_path):
    process = subprocess.Popen([str(BIN / "rag"), "ask", "--questions", "/dev/stdin"], cwd=REPO, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ, HF_HUB_OFFLINE="1", RAG_INDEX=str(tmp_path / "index")),
                               preexec_fn=_interruptible)
    _wait_until_reading_standard_input(process.pid)  # it has started and waits for questions
    process.send_signal(signal.SIGINT)
    _, err = process.communicate()
    process.stdin.close()
    assert process.returncode == 130 and "interrupted; the last good index is kept" in err
    assert "Traceback" not in err


def _interruptible() -> None:
    """Ctrl-C as a terminal delivers it: a suite run in the background (`make test &`) starts with SIGINT ignored,
    and a child inherits that, so it would never see the interrupt this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_until_reading_standard_input(pid: int, limit: float = 300.0) -> None:
    """However slow the start (imports take seconds on a loaded machine), until the process's main thread sits in
    a read() of its standard input; where /proc cannot tell (not Linux), a few seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            call, fd = Path(f"/proc/{pid}/syscall").read_text().split()[:2]
            if call == "0" and os.readlink(f"/proc/{pid}/fd/{int(fd, 16)}") == os.readlink(f"/proc/{pid}/fd/0"):
                return
        except FileNotFoundError:
            if not Path("/proc/self/syscall").exists():
                time.sleep(5.0)
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)


@pytest.mark.slow
def test_a_missed_fail_under_exits_1(tmp_path):
    case = {"id": "x", "question": "Who acquired Orbital Freight?", "answers": ["Nobody Of That Name"],
            "answerable": True,
            "documents": [{"doc_id": "p", "title": "", "text": "Nordline acquired Orbital Freight in 2021."}]}
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(case) + "\n")
    result = rag("eval", "--cases", str(cases), "--fail-under", "0.5")
    assert result.returncode == 1 and "under" in result.stderr


def test_an_index_path_that_is_a_file_gets_a_one_line_message(tmp_path):
    blocker = tmp_path / "index"
    blocker.write_text("not a folder")
    result = rag("index", "build", "--index", str(blocker))
    assert result.returncode != 0 and "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--index" in result.stderr


def test_an_index_under_proc_gets_a_one_line_message():
    result = rag("index", "build", "--index", "/proc/rag-index")
    assert result.returncode != 0 and "Traceback" not in result.stderr and "unexpected" not in result.stderr


def test_low_memory_gets_a_one_line_message(tmp_path):
    """Under `ulimit -v` torch cannot map the embedder's weights: say so, not 'unexpected RuntimeError'."""
    result = subprocess.run(["bash", "-c", f'ulimit -v 800000; exec "{BIN / "rag"}" index build '
                             f'--corpus "{SHIPPED_CORPUS}" --index "{tmp_path / "index"}"'],
                            capture_output=True, text=True, cwd=REPO, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert result.returncode == 1 and "out of memory" in result.stderr and "unexpected" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "no space left"), (errno.EROFS, "read-only"),
                                        (errno.EACCES, "permission denied")])
def test_disk_full_and_read_only_folders_get_a_one_line_message(tmp_path, code, words):
    """Writes fail inside the build (simulated: tests run as root, and no test may fill the disk)."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import errno, numpy\n"
        "def _fail(*args, **kwargs):\n"
        f"    raise OSError({code}, 'simulated', 'index/vectors.npy')\n"
        "numpy.save = _fail\n")
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(guard))
    result = subprocess.run([str(BIN / "rag"), "index", "build", "--corpus", str(SHIPPED_CORPUS),
                             "--index", str(tmp_path / "index")], capture_output=True, text=True, cwd=REPO, env=env)
    assert result.returncode == 1 and words in result.stderr and "unexpected" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_ctrl_c_while_the_cli_is_still_importing_exits_130_in_one_line(monkeypatch, capsys):
    import rag
    from rag import entry

    class Interrupting:  # a Ctrl-C that lands while rag.cli is being imported
        def find_spec(self, name, path=None, target=None):
            if name == "rag.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "rag.cli", raising=False)
    monkeypatch.delattr(rag, "cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    try:
        with pytest.raises(SystemExit) as exited:
            entry.main()
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped the entry point as a traceback")
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted; the last good index is kept\n"
