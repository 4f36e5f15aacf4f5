"""An HTML page for `rag eval --report DIR`: the metric table, a chart per metric, a latency histogram and
the failures. Plain HTML with inline SVG: it opens in any browser, offline."""

from __future__ import annotations

import html
from pathlib import Path

from .evaluate import EvalReport

CHART_METRICS = [("answer_accuracy", "answer accuracy"), ("cited_accuracy", "cited accuracy"),
                 ("citation_precision", "citation precision"), ("correct_refusal", "correct refusals"),
                 ("retrieval_recall", "retrieval recall")]
TABLE_METRICS = CHART_METRICS + [("false_refusal", "false refusals"), ("mean_quote_chars", "mean quote length"),
                                 ("latency_p50_s", "latency p50"), ("latency_p95_s", "latency p95")]
COLOURS = ["#2f6fdf", "#e0812b", "#3aa35b", "#9b59b6"]
STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .7rem;text-align:right}
th:first-child,td:first-child{text-align:left}.fail{font-size:.9rem;margin:.4rem 0}.q{font-weight:600}"""


def _format(key: str, value) -> str:
    if value is None:
        return "–"
    if key.endswith("_s"):
        return f"{value:.2f} s"
    if key == "mean_quote_chars":
        return f"{value:.0f} chars"
    return f"{value * 100:.1f}%"


def _table(reports: list[EvalReport]) -> str:
    head = "".join(f"<th>{html.escape(r.label)}</th>" for r in reports)
    rows = "".join(f"<tr><td>{label}</td>" + "".join(f"<td>{_format(key, r.metrics.get(key))}</td>" for r in reports)
                   + "</tr>" for key, label in TABLE_METRICS)
    return f"<table><tr><th>metric</th>{head}</tr>{rows}</table>"


def _bar_chart(reports: list[EvalReport]) -> str:
    """Grouped bars, one group per metric, one bar per run, on a 0-100% scale."""
    width, height, left, bottom = 760, 260, 40, 40
    group = (width - left) / len(CHART_METRICS)
    bar = group * 0.7 / len(reports)
    parts = [f'<svg width="{width}" height="{height + 30}" role="img" aria-label="metrics per run">']
    for tick in (0, 25, 50, 75, 100):
        y = height - bottom - tick / 100 * (height - bottom - 10)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.0f}" y2="{y:.0f}" stroke="#ddd"/>'
                     f'<text x="0" y="{y + 4:.0f}" font-size="11">{tick}%</text>')
    for g, (key, label) in enumerate(CHART_METRICS):
        x0 = left + g * group + group * 0.15
        for r, report in enumerate(reports):
            value = report.metrics.get(key) or 0.0
            bar_height = value * (height - bottom - 10)
            parts.append(f'<rect x="{x0 + r * bar:.1f}" y="{height - bottom - bar_height:.1f}" width="{bar - 2:.1f}" '
                         f'height="{bar_height:.1f}" fill="{COLOURS[r % len(COLOURS)]}"><title>{html.escape(report.label)}: '
                         f'{value:.1%}</title></rect>')
        parts.append(f'<text x="{x0:.0f}" y="{height - bottom + 16}" font-size="11">{label}</text>')
    for r, report in enumerate(reports):
        parts.append(f'<rect x="{left + r * 120}" y="{height}" width="12" height="12" fill="{COLOURS[r % len(COLOURS)]}"/>'
                     f'<text x="{left + r * 120 + 16}" y="{height + 11}" font-size="12">{html.escape(report.label)}</text>')
    return "".join(parts) + "</svg>"


def _latency_histogram(report: EvalReport, bins: int = 12) -> str:
    seconds = [c.seconds for c in report.cases]
    if not seconds:
        return ""
    top = max(max(seconds), 1e-6)
    counts = [0] * bins
    for s in seconds:
        counts[min(int(s / top * bins), bins - 1)] += 1
    width, height = 600, 180
    step = width / bins
    most = max(counts)
    parts = [f'<svg width="{width}" height="{height + 20}" role="img" aria-label="latency histogram">']
    for i, count in enumerate(counts):
        h = count / most * (height - 10)
        parts.append(f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{step - 2:.1f}" height="{h:.1f}" '
                     f'fill="{COLOURS[0]}"><title>{count} answers</title></rect>')
    parts.append(f'<text x="0" y="{height + 15}" font-size="11">0 s</text>'
                 f'<text x="{width - 40}" y="{height + 15}" font-size="11">{top:.1f} s</text>')
    return "".join(parts) + "</svg>"


def _failures(report: EvalReport) -> str:
    failed = [c for c in report.cases if not c.correct]
    items = "".join(f'<div class="fail"><span class="q">[{html.escape(c.id)}] {html.escape(c.question)}</span><br>'
                    f'expected {html.escape(", ".join(c.expected) or "a refusal")}; got: {html.escape(c.answer[:200])}</div>'
                    for c in failed)
    return f"<h3>{html.escape(report.label)}: {len(failed)} failed</h3>{items}"


def write_html_report(reports: list[EvalReport], folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body = (f"<h1>rag evaluation</h1><p>{int(reports[0].metrics.get('cases') or 0)} cases.</p>{_table(reports)}"
            f"<h2>Metrics</h2>{_bar_chart(reports)}<h2>Latency of {html.escape(reports[0].label)}</h2>"
            f"{_latency_histogram(reports[0])}<h2>Failures</h2>{''.join(_failures(r) for r in reports)}")
    page = folder / "index.html"
    page.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>rag evaluation</title>"
                    f"<style>{STYLE}</style></head><body>{body}</body></html>", encoding="utf-8")
    return page
