"""Benchmark: index build rate (cold, unchanged, one article changed), retrieval and warm answer latency,
cold start of `ask`, peak memory. Prints a table and JSON; each figure is the median of several runs.

    .venv/bin/python benchmarks/bench.py [--articles 200] [--runs 3]
    .venv/bin/python benchmarks/bench.py --summaries  # warm seconds per article and for --all, batched vs one by one
    .venv/bin/python benchmarks/bench.py --serve      # rag serve at 1, 4, 16 clients beside concurrent ask processes
    .venv/bin/python benchmarks/bench.py --scale    # 1k-article index, then dense search at 10k, 100k, 1M
    .venv/bin/python benchmarks/bench.py --scale --scale-articles 100000 --scale-embedder hashing --scale-vectors
    .venv/bin/python benchmarks/bench.py --scale --store disk milvus --scale-articles 1100 11000 --scale-vectors
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

from rag.embed import HashingEmbedder, MiniLMEmbedder  # noqa: E402
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


def synthetic_settings(scratch: str, articles: int, rng: random.Random) -> Settings:
    """Write `articles` synthetic articles under scratch/corpus; settings that index them into scratch/index."""
    corpus = Path(scratch) / "corpus"
    corpus.mkdir()
    for n in range(articles):
        (corpus / f"a{n:06d}.txt").write_text(synthetic_article(rng, n), encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=Path(scratch) / "index")


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
            settings = synthetic_settings(scratch, articles, rng)
            report = build_index(settings, embedder)
            chunks = report.chunks
            cold.append(report.chunks / report.seconds)
            warm.append(build_index(settings, embedder).seconds)
            (settings.corpus_dir / "a000000.txt").write_text(synthetic_article(rng, 99999), encoding="utf-8")
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


class _OneByOne:
    """The model asked once per sentence (how summaries ran before batching), for comparison."""

    def __init__(self, generator) -> None:
        self.generator = generator

    def generate_many(self, conversations, max_new_tokens):
        return [self.generator.generate(c, max_new_tokens) for c in conversations]


def bench_summaries(settings: Settings, runs: int) -> dict:
    """Warm seconds per shipped article and for `summarize --all` over the shipped corpus: one batched model
    call with drafts (the default), and the same sentences shortened one call each."""
    from rag.pipeline import open_summarizer
    from rag.summarize import Summarizer

    batched = open_summarizer(settings)
    single = Summarizer(batched.index, batched.embedder, _OneByOne(batched.generator), settings.summary)
    documents = list(batched.index.documents)
    batched.document(documents[0])  # warm: first torch calls, the instructions' cache
    figures = {}
    for label, summarizer in (("batched", batched), ("one_by_one", single)):
        per_article, corpus = [], []
        for _ in range(runs):
            for doc_id in documents:
                started = time.perf_counter()
                summarizer.document(doc_id)
                per_article.append(time.perf_counter() - started)
            started = time.perf_counter()
            summarizer.corpus()
            corpus.append(time.perf_counter() - started)
        figures[f"summary_{label}_article_s"] = statistics.median(per_article)
        figures[f"summary_{label}_article_max_s"] = max(per_article)
        figures[f"summary_{label}_all_s"] = statistics.median(corpus)
    return figures


def bench_serve(requests_per_client: int = 4) -> dict:
    """`rag serve` in a subprocess: throughput and latency at 1, 4 and 16 concurrent clients asking the gold
    questions; then 1 and 4 concurrent `ask` processes (16 would need 16 x 1.4 GB of memory)."""
    import socket
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    questions = [c.question for c in load_cases(REPO / "corpus" / "eval.jsonl")]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).parent / "rag"), "serve", "--port", str(port)], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url, figures = f"http://127.0.0.1:{port}", {}
    try:
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        httpx.post(f"{url}/ask", json={"question": questions[0]}, timeout=None)  # warm

        def client(number: int) -> list[tuple[float, bool]]:
            out = []
            for i in range(requests_per_client):
                question = questions[(number * requests_per_client + i) % len(questions)]
                started = time.perf_counter()
                reply = httpx.post(f"{url}/ask", json={"question": question}, timeout=None)
                out.append((time.perf_counter() - started, reply.status_code == 200))
            return out

        for clients in (1, 4, 16):
            started = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                results = [r for batch in pool.map(client, range(clients)) for r in batch]
            wall = time.perf_counter() - started
            latencies = [seconds for seconds, _ in results]
            figures[f"serve_{clients}_clients_p50_s"] = percentile(latencies, 50)
            figures[f"serve_{clients}_clients_p95_s"] = percentile(latencies, 95)
            figures[f"serve_{clients}_clients_per_s"] = len(results) / wall
            figures[f"serve_{clients}_clients_errors"] = float(sum(not ok for _, ok in results))
    finally:
        server.terminate()
        server.wait()
    ask = str(Path(sys.executable).parent / "ask")
    for count in (1, 4):
        started = time.perf_counter()
        processes = [subprocess.Popen([ask, questions[i % len(questions)]], cwd=REPO, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL) for i in range(count)]
        finished = []
        for process in processes:
            process.wait()
            finished.append(time.perf_counter() - started)
        figures[f"ask_{count}_processes_max_s"] = max(finished)
    return figures


def bench_cold_start(runs: int) -> dict:
    """Process start to the first streamed token (ask writes its draft to a terminal) and to the full answer,
    and the child's peak memory."""
    first_token, full = [], []
    ask = Path(sys.executable).parent / "ask"
    for _ in range(runs):
        ttft, total = _time_ask_in_terminal([str(ask), "What share does Alibaba hold in China?"])
        first_token.append(ttft)
        full.append(total)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"ask_cold_first_token_s": statistics.median(first_token), "ask_cold_full_answer_s": statistics.median(full),
            "ask_peak_rss_mb": peak}


def _time_ask_in_terminal(command: list[str]) -> tuple[float, float]:
    import pty
    import select

    leader, follower = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, HF_HUB_OFFLINE="1"))
    os.close(follower)
    first = None
    while True:
        ready, _, _ = select.select([leader], [], [], 0.01)
        if ready:
            try:
                data = os.read(leader, 4096)
            except OSError:
                break
            if not data:
                break
            first = first or time.perf_counter() - started
        elif process.poll() is not None:
            break
    process.wait()
    os.close(leader)
    return first or float("nan"), time.perf_counter() - started


def synthetic_vectors(count: int, dim: int = 384, clusters: int = 2000, seed: int = 0):
    """Unit vectors drawn around random topic centres, like sentence embeddings of a large news corpus."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    vectors = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, 100_000):
        stop = min(count, start + 100_000)
        picks = rng.integers(0, clusters, stop - start)
        block = centres[picks] + 0.8 * rng.standard_normal((stop - start, dim)).astype(np.float32)
        vectors[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def bench_dense_scale(count: int, queries: int = 200) -> dict:
    """Latency and recall@10 of the index the tool picks at this size, against exact search."""
    import faiss
    import numpy as np

    from rag.indexer import build_dense_index, dense_index_plan

    vectors = synthetic_vectors(count)
    settings = Settings()
    plan = dense_index_plan(count, settings)
    started = time.perf_counter()
    index, plan = build_dense_index(vectors, plan)
    build_s = time.perf_counter() - started
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    rng = np.random.default_rng(1)
    probe = vectors[rng.integers(0, count, queries)] + 0.3 * rng.standard_normal((queries, vectors.shape[1])).astype(np.float32)
    probe /= np.linalg.norm(probe, axis=1, keepdims=True)
    latencies, recalls = [], []
    _, truth = exact.search(probe, 10)
    for i in range(queries):
        started = time.perf_counter()
        _, found = index.search(probe[i:i + 1], 10)
        latencies.append(time.perf_counter() - started)
        recalls.append(len(set(found[0]) & set(truth[i])) / 10)
    return {f"dense_{count}_index": plan["type"], f"dense_{count}_nprobe": plan.get("nprobe", 0),
            f"dense_{count}_build_s": build_s,
            f"dense_{count}_p50_ms": percentile(latencies, 50) * 1000,
            f"dense_{count}_p95_ms": percentile(latencies, 95) * 1000, f"dense_{count}_recall_at_10": float(np.mean(recalls))}


def index_size_mb(index_dir: Path) -> float:
    return sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6


def store_size_mb(settings: Settings) -> float:
    if settings.store:
        from rag.milvus_store import parse_store

        target = parse_store(settings.store)
        return index_size_mb(target.lite_file.parent) if target.lite_file else float("nan")
    return index_size_mb(settings.index_dir)


def bench_text_scale(articles: int, embedder_name: str = "minilm", store: str = "") -> dict:
    """Build a real index (ingest, chunks, BM25, FAISS, manifest) over synthetic articles, then open it in a
    fresh process and time hybrid retrieval there.

    embedder_name "hashing" fills the dense side with the fast bag-of-words embedder at the same dimension
    (MiniLM needs ~3 h for 100k articles on two cores): the build rate is then reported without embedding,
    next to MiniLM's own rate measured on a sample of the same chunks, and every search is also charged the
    time MiniLM takes to embed the question.

    store "milvus" builds into a milvus-lite file instead (the same client code as a Milvus server)."""
    rng = random.Random(11)
    embedder = MiniLMEmbedder() if embedder_name == "minilm" else HashingEmbedder(384)
    prefix = f"text_{articles}" + (f"_{store}" if store else "")
    with tempfile.TemporaryDirectory(dir=os.environ.get("RAG_BENCH_TMP")) as scratch:
        settings = synthetic_settings(scratch, articles, rng)
        if store:
            settings.store = f"milvus://{scratch}/milvus/store.db"
        report = build_index(settings, embedder)
        figures = {f"{prefix}_embedder": embedder_name, f"{prefix}_chunks": report.chunks,
                   f"{prefix}_build_chunks_per_s": report.chunks / report.seconds,
                   f"{prefix}_build_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   f"{prefix}_index_mb": store_size_mb(settings)}
        if settings.store:
            from rag.milvus_store import disconnect

            disconnect(settings.store)  # the probe opens it in its own process
        if embedder_name != "minilm" and not settings.store:  # MiniLM's rate, once, on the on-disk tier's chunks
            sample = [c.text for c in load_index(settings.index_dir).chunks[:2000]]
            started = time.perf_counter()
            MiniLMEmbedder().embed(sample)
            rate = len(sample) / (time.perf_counter() - started)
            figures[f"{prefix}_minilm_embed_chunks_per_s"] = rate
            figures[f"{prefix}_projected_minilm_build_h"] = (report.seconds + report.chunks / rate) / 3600
        probe = subprocess.run([sys.executable, __file__, "--probe-index", settings.store or str(settings.index_dir),
                                "--probe-embedder", embedder_name, "--probe-articles", str(articles)],
                               capture_output=True, text=True)
        if probe.returncode:
            raise RuntimeError(f"the probe of {prefix} failed:\n{probe.stderr[-3000:]}")
        figures.update({f"{prefix}_{k}": v for k, v in json.loads(probe.stdout.splitlines()[-1]).items()})
        return figures


class ChargedHashingEmbedder(HashingEmbedder):
    """The hashing stand-in's vectors, after paying for MiniLM's embedding of the same text: searches on an
    index of stand-in vectors take as long as they would with MiniLM."""

    def __init__(self) -> None:
        super().__init__(384)
        self.minilm = MiniLMEmbedder()

    def embed(self, texts: list[str]):
        self.minilm.embed(texts)
        return super().embed(texts)


def probe_index(index_dir: str, embedder_name: str, articles: int, queries: int = 200) -> dict:
    """In a fresh process: open the index, run hybrid searches (each charged MiniLM's embedding of the question)
    for named questions (a company and number) and generic ones (only words that thousands of chunks share),
    measure recall@10 of the dense index against exact search on the stored vectors, and report memory."""
    import numpy as np

    from rag.pipeline import load_store

    rng = random.Random(5)
    started = time.perf_counter()
    where = Settings(store=index_dir) if index_dir.startswith("milvus://") else Settings(index_dir=Path(index_dir))
    index = load_store(where)
    open_s = time.perf_counter() - started
    embedder = MiniLMEmbedder() if embedder_name == "minilm" else ChargedHashingEmbedder()
    retriever = Retriever(index, embedder)
    latencies, search_only, vectors = {"named": [], "generic": []}, [], []

    def question(n: int) -> str:
        return (f"How much did {rng.choice(COMPANIES)} {rng.randint(0, articles)} say its {rng.choice(TOPICS)} rose?"
                if n % 2 else f"Which company said its {rng.choice(TOPICS)} rose in {rng.randint(2019, 2026)}?")

    for n in range(queries):
        asked = question(n)
        started = time.perf_counter()
        [hit.chunk.text for hit in retriever.search(asked)]  # embeds the question, then searches
        latencies["named" if n % 2 else "generic"].append(time.perf_counter() - started)
        vectors.append(embedder.embed([asked])[0])
    for n in range(queries):  # other questions, embedded before the clock starts
        asked = question(n)
        vector = embedder.embed([asked])[0]
        started = time.perf_counter()
        [hit.chunk.text for hit in retriever.search(asked, vector=vector)]
        search_only.append(time.perf_counter() - started)
    peak_mb = peak_rss_mb()
    recall = dense_recall_at_10(index, np.array(vectors, dtype=np.float32))
    plan = index.manifest.dense_index
    return {"open_s": open_s, "dense_index": plan["type"], "dense_codes": plan.get("codes", "flat"),
            "dense_nprobe": plan.get("nprobe", 0),
            "dense_build_recall_at_10": plan.get("recall_at_10", 1.0),
            **{f"retrieval_{kind}_p{pct}_ms": percentile(values, pct) * 1000
               for kind, values in latencies.items() for pct in (50, 95)},
            "retrieval_all_p95_ms": percentile(latencies["named"] + latencies["generic"], 95) * 1000,
            "search_without_question_embedding_p95_ms": percentile(search_only, 95) * 1000,
            "dense_recall_at_10": recall, "query_peak_rss_mb": peak_mb}


def dense_recall_at_10(index, probe) -> float:
    """Share of the exact top 10 (by inner product over the stored vectors) that the index finds; ties with
    the exact 10th count as found (templated text has many). The same measure the build calibrates on."""
    import numpy as np

    from rag.indexer import exact_tenth_scores, recall_with_ties

    if hasattr(index, "dense"):  # the on-disk FAISS index
        vectors = np.asarray(index.vectors)
        _, found = index.dense.search(probe, 10)
    else:  # any other store, through its own search
        vectors = index.chunk_vectors(list(range(len(index.chunks))))
        found = np.array([[row for row, _ in index.dense_search(vector, 10)] for vector in probe])
    return recall_with_ties(found, probe, vectors, exact_tenth_scores(probe, vectors))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not carry a parent's peak over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200, help="synthetic articles for the build benchmark")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", action="store_true",
                        help="scale run: real index over 1k synthetic articles, then dense search at 10k-1M vectors")
    parser.add_argument("--summaries", action="store_true", help="only the summary timings (shipped corpus)")
    parser.add_argument("--serve", action="store_true", help="only rag serve under 1/4/16 clients and concurrent asks")
    parser.add_argument("--scale-articles", type=int, nargs="+", default=[1000])
    parser.add_argument("--scale-embedder", choices=["minilm", "hashing"], default="minilm",
                        help="hashing: fast stand-in vectors for the 100k tier (MiniLM rate measured on a sample)")
    parser.add_argument("--store", choices=["disk", "milvus"], nargs="+", default=["disk"],
                        help="--scale: the stores to build the synthetic index into (milvus: a milvus-lite file)")
    parser.add_argument("--probe-index", help=argparse.SUPPRESS)
    parser.add_argument("--probe-embedder", default="minilm", help=argparse.SUPPRESS)
    parser.add_argument("--probe-articles", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--scale-vectors", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    if args.probe_index:
        print(json.dumps(probe_index(args.probe_index, args.probe_embedder, args.probe_articles)))
        return
    settings = load_settings()
    figures = {}
    if args.scale:
        runs = [lambda a=a, s=s: bench_text_scale(a, args.scale_embedder, "" if s == "disk" else s)
                for a in args.scale_articles for s in args.store]
        runs += [lambda c=c: bench_dense_scale(c) for c in args.scale_vectors]
        for run in runs:  # each size printed as it finishes: a long scale run keeps what it measured
            tier = run()
            for name, value in tier.items():
                print(f"{name:<36} {value:>12}" if isinstance(value, str) else f"{name:<36} {value:>12.3f}", flush=True)
            figures.update(tier)
        print(json.dumps(figures))
        return
    if args.summaries or args.serve:
        figures.update(bench_summaries(settings, args.runs) if args.summaries else bench_serve())
        for name, value in figures.items():
            print(f"{name:<32} {value:>10.3f}")
        print(json.dumps(figures))
        return
    figures.update(bench_cold_start(args.runs))
    figures.update(bench_answers(settings, args.runs))
    figures.update(bench_summaries(settings, args.runs))
    figures.update(bench_build(args.articles, args.runs))
    for name, value in figures.items():
        print(f"{name:<28} {value:>10.3f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
