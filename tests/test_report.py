"""The HTML eval report renders in a real headless Chromium: the screenshot is not blank."""

import shutil
import subprocess

import pytest

from rag.evaluate import CaseResult, EvalReport, summarise
from rag.report import write_html_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _case(i, correct, seconds):
    return CaseResult(id=f"c{i}", question=f"Question {i}?", expected=["36%"], answerable=True,
                      answer="36% [1]" if correct else "4% [1]", answered=True, correct=correct,
                      cited_correct=correct, citations=1, precise_citations=int(correct), quote_chars=[120],
                      retrieval_hit=True, seconds=seconds)


def _reports():
    ours = [_case(i, i % 5 != 0, 0.5 + i / 20) for i in range(20)]
    naive = [_case(i, i % 2 == 0, 3 + i / 10) for i in range(20)]
    return [EvalReport(label="rag", cases=ours, metrics=summarise(ours)),
            EvalReport(label="naive", cases=naive, metrics=summarise(naive))]


def test_report_page_holds_table_chart_histogram_and_failures(tmp_path):
    page = write_html_report(_reports(), tmp_path).read_text()
    assert "answer accuracy" in page and "80.0%" in page and "50.0%" in page
    assert page.count("<svg") == 2 and "latency histogram" in page
    assert "[c0] Question 0?" in page


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make test installs it where it can)")
def test_report_renders_in_headless_chromium(tmp_path):
    from PIL import Image

    page = write_html_report(_reports(), tmp_path / "report")
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1000,900",
                    page.as_uri()], check=True, capture_output=True)
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours and len(colours) > 20, "the screenshot is blank"
    blue = sum(count for count, rgb in colours if rgb == (0x2f, 0x6f, 0xdf))
    assert blue > 500, "the bar chart did not render"
