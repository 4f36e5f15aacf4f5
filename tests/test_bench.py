"""The benchmark script runs end to end at a tiny size and reports every figure it promises."""

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_scale_benchmark_reports_build_search_recall_and_memory(tmp_path):
    command = [sys.executable, str(REPO / "benchmarks" / "bench.py"), "--scale", "--scale-articles", "30",
               "--scale-embedder", "hashing", "--scale-vectors", "3000"]
    done = subprocess.run(command, capture_output=True, text=True,
                          env=dict(os.environ, HF_HUB_OFFLINE="1", RAG_BENCH_TMP=str(tmp_path)))
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["text_30_chunks"] == 30 * 16 and figures["text_30_dense_index"] == "flat"
    assert figures["text_30_dense_recall_at_10"] == 1.0 and figures["dense_3000_recall_at_10"] == 1.0
    for key in ("text_30_build_chunks_per_s", "text_30_minilm_embed_chunks_per_s", "text_30_retrieval_named_p95_ms",
                "text_30_retrieval_generic_p95_ms", "text_30_query_peak_rss_mb", "text_30_open_s", "dense_3000_p95_ms"):
        assert figures[key] > 0, key
    assert not list(tmp_path.iterdir())  # the scratch corpus and index are removed
