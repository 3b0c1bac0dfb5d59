"""Synthesis benchmarks: the three approaches side by side (time, size, memory), the cost per
policy across stacks, the cost of starting, and the chart BENCHMARKS.md shows."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from report import Report

ROOT = Path(__file__).resolve().parents[1]
APPROACHES = ("shared_sms", "native", "aws_custom_resource")
LABELS = {"shared_sms": "shared_sms", "native": "native CfnResourcePolicy", "aws_custom_resource": "AwsCustomResource"}
GOALS = {100: 1.15, 400: 1.25}  # synth time vs native, whole process, median
MANY, MANY_STACKS = 1000, 3


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "constructs"), str(ROOT)]),
    }


def synth_once(approach: str, count: int, stacks: int = 1) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "synth_app.py"), approach, str(count), outdir, str(stacks)],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=900,
        )
        wall = time.perf_counter() - start
        if run.returncode != 0:
            return {"approach": approach, "count": count, "error": run.stderr.strip().splitlines()[-1][:200]}
        import json

        result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
        result["wall"] = wall
        result["asset_hashes"] = sorted(p.name for p in Path(outdir).iterdir() if p.name.startswith("asset."))
        return result


class Results:
    """Every run by (approach, N, stacks), with medians."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, int, int], list[dict[str, Any]]] = {}

    def add(self, approach: str, count: int, stacks: int, result: dict[str, Any]) -> None:
        self.runs.setdefault((approach, count, stacks), []).append(result)

    def ok(self, approach: str, count: int, stacks: int = 1) -> list[dict[str, Any]]:
        return [r for r in self.runs.get((approach, count, stacks), []) if "error" not in r]

    def median(self, approach: str, count: int, key: str = "wall", stacks: int = 1) -> float:
        return statistics.median(r[key] for r in self.ok(approach, count, stacks))

    def one(self, approach: str, count: int) -> dict[str, Any]:
        return self.ok(approach, count)[0]


def bench_synth(report: Report, sizes: list[int], repetitions: int, chart: Path, many: bool) -> None:
    results = Results()
    for count in sizes:
        for _ in range(repetitions):
            for approach in APPROACHES:  # interleaved, so drift on the machine hits all three alike
                results.add(approach, count, 1, synth_once(approach, count))
    if many:
        for _ in range(repetitions):
            for approach in ("shared_sms", "native"):  # AwsCustomResource cannot hold 400 in one stack
                results.add(approach, MANY, MANY_STACKS, synth_once(approach, MANY, MANY_STACKS))
    report.tables.append(_table(results))
    _figures(report, results, sizes)
    if many:
        _per_policy_figures(report, results, sizes)
    _chart(results, sizes, chart)
    report.tables.append(f"### Synthesis curve\n\n![synthesis time and memory by N]({chart.name})")
    twice = [synth_once("shared_sms", sizes[0]) for _ in range(2)]
    same = (
        all("error" not in t for t in twice)
        and twice[0]["template_sha"] == twice[1]["template_sha"]
        and twice[0]["asset_hashes"] == twice[1]["asset_hashes"]
    )
    report.add("two synths: identical templates and asset hashes", "yes" if same else "no", "identical", same)


def _table(results: Results) -> str:
    lines = [
        "| approach | N | stacks | synth s (min / median) | peak memory MiB (median) | template bytes | resources "
        "| asset bytes | largest IAM policy chars |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (approach, count, stacks), runs in sorted(results.runs.items(), key=lambda item: (item[0][1], item[0][0])):
        ok = [r for r in runs if "error" not in r]
        if not ok:
            lines.append(f"| {approach} | {count} | {stacks} | failed: {runs[0]['error']} | | | | | |")
            continue
        walls = [r["wall"] for r in ok]
        first = ok[0]
        lines.append(
            f"| {approach} | {count} | {stacks} | {min(walls):.2f} / {statistics.median(walls):.2f} | "
            f"{statistics.median(r['peak_rss_mib'] for r in ok):.0f} | {first['template_bytes']:,} | "
            f"{first['resources']} | {first['asset_bytes']:,} | {first['largest_iam_policy_chars']:,} |"
        )
    return (
        "### Synthesis\n\nWhole process, median of the runs; memory is the peak of Python and the jsii Node "
        "processes together; template figures are the first stack's.\n\n" + "\n".join(lines)
    )


def _figures(report: Report, results: Results, sizes: list[int]) -> None:
    small, big = sizes[0], max(s for s in sizes if s <= 100)
    if big > small:
        per_policy = {
            a: (results.one(a, big)["template_bytes"] - results.one(a, small)["template_bytes"]) / (big - small)
            for a in APPROACHES
        }
        per_resource = {
            a: (results.one(a, big)["resources"] - results.one(a, small)["resources"]) / (big - small)
            for a in APPROACHES
        }
        ratio = per_policy["shared_sms"] / per_policy["native"]
        report.add(
            f"template bytes per policy vs native (N={small}..{big})",
            f"{ratio:.2f}x ({per_policy['shared_sms']:.0f} vs {per_policy['native']:.0f}; AwsCustomResource "
            f"{per_policy['aws_custom_resource'] / per_policy['native']:.2f}x)",
            "<= 1.2x",
            ratio <= 1.2,
        )
        report.add(
            "template resources per policy",
            f"{per_resource['shared_sms']:.0f} (native "
            f"{per_resource['native']:.0f}, AwsCustomResource {per_resource['aws_custom_resource']:.0f})",
            "1",
            per_resource["shared_sms"] == 1,
        )
    for count in [s for s in sizes if s >= 10]:
        goal = GOALS.get(count)
        ratio = results.median("shared_sms", count) / results.median("native", count)
        custom = results.ok("aws_custom_resource", count)
        other = (
            f"; AwsCustomResource {results.median('aws_custom_resource', count) / results.median('native', count):.2f}x"
            if custom
            else "; AwsCustomResource cannot synthesize"
        )
        memory = results.median("shared_sms", count, "peak_rss_mib") / results.median("native", count, "peak_rss_mib")
        report.add(
            f"synth time vs native at N={count} (median, whole process)",
            f"{ratio:.2f}x ({results.median('shared_sms', count):.2f} s vs {results.median('native', count):.2f} s"
            f"{other}; peak memory {memory:.2f}x)",
            f"<= {goal}x" if goal else "",
            ratio <= goal if goal else None,
        )
    if 400 in sizes:
        _limits(report, results)


def _limits(report: Report, results: Results) -> None:
    for approach in APPROACHES:
        ok = results.ok(approach, 400)
        goal = "<= 500, <= 1 MB, <= 10,240" if approach == "shared_sms" else ""
        if not ok:
            report.add(
                f"N=400 within CloudFormation and IAM limits: {approach}",
                "cannot synthesize",
                goal,
                False if approach == "shared_sms" else None,
                results.runs[(approach, 400, 1)][0]["error"],
            )
            continue
        r = ok[0]
        fits = r["resources"] <= 500 and r["template_bytes"] <= 1_000_000 and r["largest_iam_policy_chars"] <= 10_240
        report.add(
            f"N=400 within CloudFormation and IAM limits: {approach}",
            f"{r['resources']} resources, {r['template_bytes']:,} bytes, largest IAM policy "
            f"{r['largest_iam_policy_chars']:,} chars",
            goal,
            fits if approach == "shared_sms" else None,
            "" if fits else "does not fit",
        )


def _per_policy_figures(report: Report, results: Results, sizes: list[int]) -> None:
    """The cost of one more policy (time over the N=1 run) stays flat from 400 in one stack to
    1,000 over three."""
    for approach in ("shared_sms", "native"):
        base = results.median(approach, 1)
        at_400 = (results.median(approach, 400) - base) / 399 * 1000
        at_many = (results.median(approach, MANY, stacks=MANY_STACKS) - base) / (MANY - 1) * 1000
        report.add(
            f"synth ms per policy, N={MANY} over {MANY_STACKS} stacks vs N=400 in one: {LABELS[approach]}",
            f"{at_many:.2f} ms vs {at_400:.2f} ms ({at_many / at_400:.2f}x)",
            "flat (<= 1.15x)" if approach == "shared_sms" else "",
            at_many / at_400 <= 1.15 if approach == "shared_sms" else None,
        )
    ratio = results.median("shared_sms", MANY, stacks=MANY_STACKS) / results.median("native", MANY, stacks=MANY_STACKS)
    report.add(f"synth time vs native at N={MANY} over {MANY_STACKS} stacks", f"{ratio:.2f}x", "", None)


def _chart(results: Results, sizes: list[int], path: Path) -> None:
    """Time and peak memory by N, one line per approach (matplotlib, SVG)."""
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "shared-sms"  # stable element ids: diffs show real changes
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for approach in APPROACHES:
        counts = [n for n in sizes if results.ok(approach, n)]
        left.plot(counts, [results.median(approach, n) for n in counts], marker="o", label=LABELS[approach])
        right.plot(counts, [results.median(approach, n, "peak_rss_mib") for n in counts], marker="o")
    for axis, title in ((left, "synth wall time, s (median)"), (right, "peak memory, MiB (median)")):
        axis.set_xscale("log")
        axis.set_xticks(sizes, [str(n) for n in sizes])
        axis.set_xlabel("policies in one stack (N)")
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
    left.legend()
    figure.tight_layout()
    figure.savefig(path, metadata={"Date": None})
    plt.close(figure)


def bench_first_construct(report: Report, repetitions: int) -> None:
    """``import shared_sms`` and its first construct, over an app that only imports aws_cdk."""
    walls: dict[str, list[float]] = {"cdk": [], "shared_sms": []}
    for _ in range(repetitions):
        for mode in walls:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "first_construct.py"), mode],
                env=_env(),
                check=True,
                capture_output=True,
            )
            walls[mode].append(time.perf_counter() - start)
    extra = statistics.median(walls["shared_sms"]) - statistics.median(walls["cdk"])
    report.add(
        "import shared_sms and its first construct, over import aws_cdk alone",
        f"{extra:.2f} s ({statistics.median(walls['shared_sms']):.2f} s vs {statistics.median(walls['cdk']):.2f} s, "
        f"median of {repetitions}, whole process)",
        "<= 0.15 s",
        extra <= 0.15,
    )
