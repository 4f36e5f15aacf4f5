"""Fit the refusal thresholds (Settings.answer.min_margin, min_coverage, keep_similarity, name_keep_similarity,
unrelated_min_margin) and which sentences are shown (coverage_slack) on dev data, and print the curves.

Each dev case is answered once with those thresholds switched off, recording the refusal signals of its answer
(margin: the model's log-odds of answering against NOT FOUND; coverage: the cited sentence's share of the
question's term weight; similarity: its cosine to the question; name: whether the answer is a name). Every
combination of thresholds on a grid is then scored without running the model again: an answer whose signals fall
under them becomes a refusal (a sentence similar enough is kept whatever its coverage: keep_similarity for a figure
or date, name_keep_similarity for a name). The chosen combination maximises the mean, over the sets, of
overall accuracy (answerable answered right + unanswerable refused), smoothed over neighbouring grid points. Dev
data only: the gold set's `dev` split, RGB dev and FinanceBench dev.

Two settings change what the model sees or picks, coverage_slack (which sentences are shown) and support_weight
(how much corroboration by other documents counts in the pick), so the dev sets are answered once per pair of
values (about 1.5 minutes each on 2 cores) and each run gets its own best thresholds; the chosen pair is the one
whose best, averaged with those of the pairs beside it on the grid, scores best.

    .venv/bin/python benchmarks/sweep.py [--out sweep.json] [--sets gold-dev rgb-dev financebench-dev] \
        [--slacks ...] [--weights ...] [--fit name_keep_similarity ...]

`--fit` names the thresholds to fit and holds the others at their values in Settings: a new threshold is fitted
beside the ones already fitted, without moving them on the few cases it changes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "benchmarks"
MARGINS = [x / 2 for x in range(-10, 9)]  # -5.0 ... 4.0
COVERAGES = [x / 10 for x in range(0, 8)]  # 0.0 ... 0.7
SIMILARITIES = [x / 20 for x in range(10, 20)] + [1.0]  # 0.5 ... 0.95, and 1.0: coverage alone decides
UNRELATED_MARGINS = [-100.0] + [x / 2 for x in range(-8, 5)]  # off, then -4.0 ... 2.0
GRID = (MARGINS, COVERAGES, SIMILARITIES, SIMILARITIES, UNRELATED_MARGINS)  # in the order of AXES
SLACKS = [0.05, 0.1, 0.15, 0.2, 0.3, 1.0]  # coverage_slack; 1.0: every sentence about what is named is shown
WEIGHTS = [0.0, 1.0, 2.0, 4.0]  # support_weight; 0: corroboration plays no part
SETS = {"gold-dev": dict(cases=None, split="dev", corpus=ROOT / "corpus"),
        "rgb-dev": dict(cases=SHARED / "rgb-en" / "dev.jsonl"),
        "financebench-dev": dict(cases=SHARED / "financebench-dev" / "eval.jsonl",
                                 corpus=SHARED / "financebench-dev" / "corpus", index=Path("/tmp/rag-sweep-fb-index"))}


def dev_results(settings, names: list[str]) -> dict[str, list]:
    """Case results per dev set, answered with the refusal thresholds switched off."""
    from rag.evaluation_runner import run_evaluation

    off = settings.answer.model_copy(update={"min_margin": -1e9, "min_coverage": 0.0, "keep_similarity": 1.0})
    results = {}
    for name in names:
        spec = SETS[name]
        update = {"answer": off}
        if "corpus" in spec:
            update["corpus_dir"] = spec["corpus"]
        if "index" in spec:
            update["index_dir"] = spec["index"]
        run_settings = settings.model_copy(update=update)
        if "corpus" in spec:
            from rag.indexer import build_index

            build_index(run_settings)  # incremental: nothing to do when the index is fresh
        reports = run_evaluation(run_settings, spec["cases"], split=spec.get("split"))
        results[name] = reports[0].cases
    return results


def score_at(cases, min_margin: float, min_coverage: float, keep_similarity: float = 1.0,
             name_keep_similarity: float = 1.0, unrelated_min_margin: float = -100.0) -> dict[str, float]:
    """Answer accuracy, refusal rates and overall accuracy when answers under the thresholds are refused (a
    paraphrase's least coverage, Settings.answer.paraphrase_min_coverage, as given)."""
    from rag.policy import passes
    from rag.settings import AnswerSettings

    floor = AnswerSettings().paraphrase_min_coverage

    answerable = [c for c in cases if c.answerable]
    unanswerable = [c for c in cases if not c.answerable]

    def kept(c) -> bool:
        return c.answered and passes(c.signals, min_margin, min_coverage, keep_similarity, floor, name_keep_similarity,
                                     unrelated_min_margin)

    right = sum(c.correct and kept(c) for c in answerable)
    refused = sum(not kept(c) for c in unanswerable)
    return {"min_margin": min_margin, "min_coverage": min_coverage, "keep_similarity": keep_similarity,
            "name_keep_similarity": name_keep_similarity, "unrelated_min_margin": unrelated_min_margin,
            "answer_accuracy": right / len(answerable) if answerable else 0.0,
            "correct_refusal": refused / len(unanswerable) if unanswerable else 0.0,
            "false_refusal": sum(not kept(c) for c in answerable) / len(answerable) if answerable else 0.0,
            "overall": (right + refused) / len(cases)}


AXES = ("min_margin", "min_coverage", "keep_similarity", "name_keep_similarity", "unrelated_min_margin")


def fit(results: dict[str, list], grid_axes: tuple[list[float], ...] = GRID) -> tuple[list[dict], dict]:
    """Every grid point with its per-set scores, their mean, and that mean smoothed over the point's grid
    neighbours; the best point is the one with the best smoothed mean (ties: the least strict). The dev sets are
    small (a case moves a set's score by 1-4 points), so a lone peak beside a cliff is noise more often than
    signal: a point whose neighbours score well too is the one that holds on new questions."""
    points, grid = [], {}
    for at in itertools.product(*(range(len(values)) for values in grid_axes)):
        values = [axis[i] for axis, i in zip(grid_axes, at)]
        scores = {name: score_at(cases, *values) for name, cases in results.items()}
        mean = sum(s["overall"] for s in scores.values()) / len(scores)
        grid[at] = mean
        points.append({**dict(zip(AXES, values)), "mean_overall": mean, "sets": scores, "at": at})
    for point in points:
        at = point.pop("at")
        around = [grid[near] for near in itertools.product(*((i - 1, i, i + 1) for i in at)) if near in grid]
        point["smoothed"] = sum(around) / len(around)
    # ties: the least strict point (a lower similarity keeps more answers)
    best = max(points, key=lambda p: (round(p["smoothed"], 6), *(-p[axis] for axis in AXES)))
    return points, best


def print_curve(points: list[dict], best: dict) -> None:
    """Each threshold's curve with the other two held at the best point."""
    names = list(best["sets"])
    header = (f"{'margin':>7} {'cover':>5} {'simil':>5} {'name':>5} {'unrel':>6} "
              + " ".join(f"{n + ' acc/ref/false':>30}" for n in names)
              + "  mean overall  smoothed")
    for axis in AXES:
        print(f"\n{axis} sweep\n{header}")
        for p in points:
            if all(p[other] == best[other] for other in AXES if other != axis):
                cells = [f"{s['answer_accuracy']:.2f}/{s['correct_refusal']:.2f}/{s['false_refusal']:.2f}"
                         for s in p["sets"].values()]
                mark = "  <- best" if p is best else ""
                print(f"{p['min_margin']:>7.1f} {p['min_coverage']:>5.1f} {p['keep_similarity']:>5.2f} "
                      f"{p['name_keep_similarity']:>5.2f} {p['unrelated_min_margin']:>6.1f} "
                      + " ".join(f"{c:>30}" for c in cells)
                      + f"  {p['mean_overall']:.3f}         {p['smoothed']:.3f}{mark}")
    print(f"\nfitted: min_margin = {best['min_margin']}, min_coverage = {best['min_coverage']}, "
          f"keep_similarity = {best['keep_similarity']}, name_keep_similarity = {best['name_keep_similarity']}, "
          f"unrelated_min_margin = {best['unrelated_min_margin']} "
          "(AnswerSettings in rag/settings.py)")


def pick_run(bests: dict[tuple[float, float], dict]) -> tuple[float, float]:
    """The (coverage_slack, support_weight) pair whose best point, averaged with those of the pairs one grid step
    away on either axis, scores best (ties: the least strict slack, then the smaller weight): each pair changes
    what the model sees or picks, so each is a run of its own."""
    slacks, weights = sorted({s for s, _ in bests}), sorted({w for _, w in bests})

    def around(slack: float, weight: float) -> float:
        i, j = slacks.index(slack), weights.index(weight)
        near = [(slacks[a], weights[b]) for a, b in ((i, j), (i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))
                if 0 <= a < len(slacks) and 0 <= b < len(weights)]
        scores = [bests[pair]["smoothed"] for pair in near if pair in bests]
        return sum(scores) / len(scores)

    return max(bests, key=lambda pair: (round(around(*pair), 6), pair[0], -pair[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="Write the chosen pair's grid points as JSON here.")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS), help="Dev sets to fit on.")
    parser.add_argument("--slacks", nargs="+", type=float, default=SLACKS, help="coverage_slack values to run.")
    parser.add_argument("--weights", nargs="+", type=float, default=WEIGHTS, help="support_weight values to run.")
    parser.add_argument("--fit", nargs="+", default=list(AXES), choices=list(AXES),
                        help="Thresholds to fit; the others are held at their values in Settings.")
    parser.add_argument("--k", type=int, default=None, help="Chunks retrieved (Settings.retrieval.k) for every run; "
                        "compare the best of runs with different k to fit it.")
    args = parser.parse_args()
    from rag.settings import load_settings, offline_quiet_environment

    offline_quiet_environment()
    settings = load_settings()
    if args.k:
        settings = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"k": args.k})})
        print(f"retrieval k = {args.k}")
    runs = {}
    for slack in args.slacks:
        for weight in args.weights:
            answer = settings.answer.model_copy(update={"coverage_slack": slack, "support_weight": weight})
            results = dev_results(settings.model_copy(update={"answer": answer}), args.sets)
            grid = tuple(values if axis in args.fit else [getattr(answer, axis)] for axis, values in zip(AXES, GRID))
            runs[slack, weight] = (results, *fit(results, grid))
    chosen = pick_run({pair: best for pair, (_, _, best) in runs.items()})
    print("coverage_slack x support_weight sweep (each its best thresholds)")
    for (slack, weight), (_, _, best) in sorted(runs.items()):
        print(f"  slack {slack:>4.2f} weight {weight:>3.1f}: margin {best['min_margin']:>5.1f} coverage "
              f"{best['min_coverage']:.1f} similarity {best['keep_similarity']:.2f} (names "
              f"{best['name_keep_similarity']:.2f})  mean overall "
              f"{best['mean_overall']:.3f}  smoothed {best['smoothed']:.3f}" + ("  <- chosen" if (slack, weight) == chosen else ""))
    results, points, best = runs[chosen]
    print_curve(points, best)
    print(f"fitted: coverage_slack = {chosen[0]}, support_weight = {chosen[1]}")
    if args.out:
        cases = {name: [c.model_dump() for c in found] for name, found in results.items()}
        args.out.write_text(json.dumps({"coverage_slack": chosen[0], "support_weight": chosen[1], "points": points,
                                        "best": best, "cases": cases}, indent=2))


if __name__ == "__main__":
    main()
