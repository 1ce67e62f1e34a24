#!/usr/bin/env python3
"""Writes docs/performance.md (to stdout) from compare.sh's results: the console measurements of every runtime
(RESULT lines collected in results.jsonl) and BenchmarkDotNet's JSON and GitHub-markdown exports."""
import argparse
import datetime
import glob
import html
import json
import os
import platform
import re
import subprocess

import scaling


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def commit_clause():
    """Names the commit that was measured (and says so when the tree had changes other than this report's own
    outputs, which an earlier pass writes), so a report is traceable."""
    head = sh("git", "rev-parse", "--short", "HEAD")
    if head in ("", "?"):
        return ""
    dirty = sh("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/performance.md", ":!docs/plots")
    return f" from commit {head}" + (" with uncommitted changes" if dirty not in ("", "?") else "")


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return [
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("CPU", f"{cpu}, {os.cpu_count()} logical cores"),
        ("Memory", mem),
        ("Load average when the report was written", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        (".NET SDK", sh("dotnet", "--version")),
        ("Python", sh("python3", "--version")),
        ("Node", sh("node", "--version")),
    ]


def fmt(value, digits=0):
    if value is None:
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def load_results(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    return rows


def load_bdn(folder):
    """Every benchmark from BenchmarkDotNet's JSON exports: (type, method, params) -> (mean ns, allocated B/op)."""
    found = {}
    for path in glob.glob(os.path.join(folder, "*.json")):
        with open(path) as f:
            data = json.load(f)
        for b in data.get("Benchmarks", []):
            stats = b.get("Statistics") or {}
            if "Mean" not in stats:
                continue
            params = dict(p.split("=", 1) for p in (b.get("Parameters") or "").split("&") if "=" in p)
            found[(b["Type"], b["Method"], tuple(sorted(params.items())))] = {
                "mean": stats["Mean"],
                "alloc": (b.get("Memory") or {}).get("BytesAllocatedPerOperation"),
                "params": params,
                "title": b.get("MethodTitle", b["Method"]),
            }
    return found


def bdn_rows(bdn, type_name):
    return {k: v for k, v in bdn.items() if k[0] == type_name}


def bdn_get(bdn, type_name, method, **params):
    key = (type_name, method, tuple(sorted((k, str(v)) for k, v in params.items())))
    return bdn.get(key)


def by_param(bdn, type_name, name):
    return sorted({int(v["params"][name]) for v in bdn_rows(bdn, type_name).values() if name in v["params"]})


# Per table: the columns (header, value from a result row and N, decimals) and the field the ratio is taken on.
TABLES = {
    "time": ([("ns/child", lambda r, n: r["ns_per_child"], 0),
              ("median ns/child", lambda r, n: r.get("ns_per_child_median"), 0),
              ("B/child", lambda r, n: r.get("alloc_b_per_child"), 0),
              ("peak MiB", lambda r, n: r.get("peak_mib"), 0)], ("ns_per_child", "time")),
    "fanout": ([("failure → rethrow, best ms", lambda r, n: r["fanout_ms"], 1),
                ("median ms", lambda r, n: r.get("fanout_ms_median"), 1),
                ("ns/child (best)", lambda r, n: r["fanout_ms"] * 1e6 / n, 0),
                ("peak MiB", lambda r, n: r.get("peak_mib"), 0)], ("fanout_ms", "time")),
    "memory": ([("peak MiB", lambda r, n: r["peak_mib"], 0),
                ("RSS growth B/child (all asleep)", lambda r, n: r.get("rss_b_per_child"), 0),
                ("live heap B/child", lambda r, n: r.get("live_b_per_child"), 0),
                ("allocated B/child", lambda r, n: r.get("alloc_b_per_child"), 0)], ("peak_mib", "peak")),
}


def cross_runtime_table(results):
    lines = []
    order = {"spawn": 0, "timers": 1, "fanout": 2, "fanout-finally": 3, "memory": 4}
    titles = {
        "spawn": "Spawn + yield once + join (ns per child: best of the runs; B/child: allocated, .NET only)",
        "timers": "Real-clock timers, random 0–50 ms (the wall time is mostly the 50 ms itself)",
        "fanout": "Failure fan-out: time from one child's failure until the join rethrows (all siblings cancelled and joined)",
        "fanout-finally": "Failure fan-out where every cancelled sibling also throws from its `finally` (N + 1 failures to report)",
        "memory": "Children sleeping at once: peak working set / RSS",
    }
    # The small sizes run for the scaling section; here only the sizes the targets are about (memory: the largest).
    largest_memory = max((r["n"] for r in results if r["shape"] == "memory"), default=0)
    groups = {}
    for r in results:
        if r["shape"] in order and r["n"] >= 10_000 and (r["shape"] != "memory" or r["n"] == largest_memory):
            groups.setdefault((r["shape"], r["n"]), []).append(r)
    for (shape, n) in sorted(groups, key=lambda k: (order[k[0]], k[1])):
        rows = groups[(shape, n)]
        nursery = next((r for r in rows if r["runtime"].startswith("dotnet") and r["impl"] == "nursery"), None)
        lines.append(f"\n### {titles[shape]} — N = {n:,}\n")
        columns, ratio_key = TABLES["time" if shape in ("spawn", "timers") else "fanout" if shape.startswith("fanout") else shape]
        lines.append("| runtime | implementation | " + " | ".join(c[0] for c in columns) + f" | ratio to Nursery ({ratio_key[1]}) |")
        lines.append("|---|---|" + "--:|" * (len(columns) + 1))
        for r in rows:
            ratio = r[ratio_key[0]] / nursery[ratio_key[0]] if nursery else None
            cells = [fmt(get(r, n), digits) for _, get, digits in columns]
            lines.append(f"| {r['runtime']} | {r['impl']} | " + " | ".join(cells) + f" | {fmt(ratio, 2)}× |")
    return lines


def find(results, shape, impl_prefix, runtime_prefix="dotnet", n=None):
    for r in results:
        if r["shape"] == shape and r["runtime"].startswith(runtime_prefix) and r["impl"].startswith(impl_prefix) and (n is None or r["n"] == n):
            return r
    return None


def targets(results, bdn):
    """Every target of issue 11, its measurement and whether it was met (ratios from the same run)."""
    out = []

    def add(target, measured, ok):
        out.append((target, measured, "–" if ok is None else ("yes" if ok else "**no**")))

    # Each size from the class that runs it (a smoke run gives both classes the same tiny size: once is enough).
    spawn_sizes = {n: "SpawnJoin" for n in by_param(bdn, "SpawnJoin", "N")}
    spawn_sizes.update({n: "SpawnJoin1M" for n in by_param(bdn, "SpawnJoin1M", "N") if n not in spawn_sizes})
    for n, t in sorted(spawn_sizes.items()):
        nur = bdn_get(bdn, t, "Nursery", N=n)
        base = bdn_get(bdn, t, "TaskRunWhenAll", N=n)
        floor = bdn_get(bdn, t, "MinimalLoop", N=n)
        nito = bdn_get(bdn, t, "NitoAsyncContext", N=n)
        tpp = bdn_get(bdn, t, "TaskPerPost", N=n)
        if not nur:
            continue
        limit = 1.0 if n >= 1_000_000 else 0.5
        if base:
            r = nur["mean"] / base["mean"]
            add(f"spawn+yield+join ≤ {limit}× Task.Run+WhenAll (N = {n:,})", f"{r:.2f}×", r <= limit)
        if floor:
            r = nur["mean"] / floor["mean"]
            add(f"spawn+yield+join ≤ 2.5× the minimal loop (N = {n:,})", f"{r:.2f}×", r <= 2.5)
        if nur["alloc"] is not None:
            b = nur["alloc"] / n
            add(f"≤ 400 allocated B/child (N = {n:,})", f"{b:.0f} B", b <= 400)
        if nito:
            r = nito["mean"] / nur["mean"]
            add(f"spawn+yield+join ≥ 5× faster than Nito.AsyncEx's AsyncContext, its time ÷ Nursery's (N = {n:,})", f"{r:.2f}×", r >= 5)
        if tpp and floor:
            # The retired "≥ 3× the Task-per-post context" target, with the measurement that retired it: the floor's own margin.
            add(f"(retired: ≥ 3× faster than the Task-per-post context) spawn+yield+join (N = {n:,})",
                f"Nursery {tpp['mean'] / nur['mean']:.2f}×; the minimal loop (floor) {tpp['mean'] / floor['mean']:.2f}×", None)
        # The same children with Task.Yield (no Task per checkpoint): what the contract's Task-returning Yield costs.
        ty = bdn_get(bdn, t, "NurseryTaskYield", N=n)
        if ty and base:
            r = ty["mean"] / base["mean"]
            add(f"(for reference) the same with `Task.Yield` in the children: ≤ {limit}× Task.Run+WhenAll (N = {n:,})", f"{r:.2f}×, {ty['alloc'] / n:.0f} B/child" if ty["alloc"] is not None else f"{r:.2f}×", r <= limit)
    for n in sorted({r["n"] for r in results if r["shape"] == "spawn"}):
        nur, py = find(results, "spawn", "nursery", n=n), find(results, "spawn", "asyncio", "python", n=n)
        if nur and py:
            r = py["ns_per_child"] / nur["ns_per_child"]
            add(f"≥ 30× faster than asyncio.TaskGroup (N = {n:,})", f"{r:.1f}×", r >= 30)
    for n in by_param(bdn, "VirtualTimerBenchmarks", "N"):
        base = bdn_get(bdn, "VirtualTimerBenchmarks", "MinimalLoopPriorityQueue", N=n)
        for method, label in (("NurseryTaskManager", "TaskManager children"), ("NurserySleep", "bare EventLoop.Sleep")):
            nur = bdn_get(bdn, "VirtualTimerBenchmarks", method, N=n)
            if nur and base:
                r = nur["mean"] / base["mean"]
                add(f"virtual Sleep within 1.25× of the minimal loop's PriorityQueue, {label} (N = {n:,})", f"{r:.2f}×", r <= 1.25)
                if nur["alloc"] is not None:
                    b = nur["alloc"] / n
                    add(f"virtual Sleep ≤ 400 B/child, {label} (N = {n:,})", f"{b:.0f} B", b <= 400)
    mems = [r for r in results if r["shape"] == "memory" and r["runtime"].startswith("dotnet") and r["impl"] == "nursery"]
    mem = max(mems, key=lambda r: r["n"]) if mems else None  # the target is about 1,000,000 children
    if mem:
        add(f"{mem['n']:,} concurrently sleeping children in ≤ 400 MiB peak working set", f"{mem['peak_mib']:.0f} MiB", mem["peak_mib"] <= 400)
    for items in by_param(bdn, "CrossThreadSubmitBenchmarks", "Items"):
        def submit(method):
            return bdn_get(bdn, "CrossThreadSubmitBenchmarks", method, Items=items, Producers=1)
        tpp, nito, floor = submit("TaskPerPost"), submit("NitoAsyncContextThread"), submit("BareQueue")
        hosts = [(label, row) for label, row in (("LoopThread.Submit", submit("LoopThreadSubmit")),
                                                  ("the loop's inbox alone (the layer LoopThread builds on)", submit("NurseryInbox"))) if row]
        for label, nur in hosts:
            rate = items / (nur["mean"] / 1e9)
            add(f"cross-thread submit ≥ 1.5 M items/s from one producer, {label}", f"{rate / 1e6:.2f} M items/s", rate >= 1.5e6)
            if nito:
                add(f"(reported) cross-thread submit, Nito.AsyncEx's AsyncContextThread's time ÷ {label}'s", f"{nito['mean'] / nur['mean']:.2f}×", None)
        if tpp and floor and hosts:
            margins = "; ".join(f"{label.split(' (')[0]} {tpp['mean'] / row['mean']:.2f}×" for label, row in hosts + [("the bare-queue floor", floor)])
            add("(retired: ≥ 3× faster than the Task-per-post context) cross-thread submit, one producer", margins, None)
    for shape, what in (("fanout", "failure fan-out"), ("fanout-finally", "failure fan-out, every sibling's cleanup throws (issue 13 bug 7)")):
        fans = [r for r in results if r["shape"] == shape and r["runtime"].startswith("dotnet") and r["impl"] == "nursery"]
        fan = max(fans, key=lambda r: r["n"]) if fans else None  # the target is about 100k siblings
        peer = find(results, shape, "tokens", n=fan["n"]) if fan else None
        if fan and peer:
            r = fan["fanout_ms"] / peer["fanout_ms"]
            measured = f"{r:.2f}× ({fan['fanout_ms']:.1f} ms against {peer['fanout_ms']:.1f} ms)"
            if shape == "fanout":
                add(f"{what} of {fan['n']:,} siblings ≤ 1.0× the CancellationTokenSource + WhenAll peer", measured, r <= 1.0)
            else:
                add(f"(reported) {what}, {fan['n']:,} siblings, against the same peer", measured, None)
    idle = find(results, "idle", "nursery")
    if idle:
        add("an idle loop waiting on a real timer uses no CPU",
            f"{idle['cpu_ms']:.1f} ms CPU in {idle['wall_ms']:.0f} ms ({idle['cpu_percent']:.2f} % of a core, whole process)", idle["cpu_percent"] < 1)
    return out


def bdn_per_child(bdn):
    lines = []
    for type_name in sorted({k[0] for k in bdn}):
        rows = sorted(bdn_rows(bdn, type_name).values(), key=lambda v: (sorted(v["params"].items()), v["title"]))
        lines.append(f"\n#### {type_name}\n")
        lines.append("| method | parameters | mean | per child / item | allocated per child / item |")
        lines.append("|---|---|--:|--:|--:|")
        for v in rows:
            n = int(v["params"].get("N") or v["params"].get("Items") or 1)
            params = ", ".join(f"{k}={v2}" for k, v2 in sorted(v["params"].items()))
            alloc = f"{v['alloc'] / n:,.0f} B" if v["alloc"] is not None else "–"
            lines.append(f"| {v['title']} | {params} | {v['mean'] / 1e6:,.2f} ms | {v['mean'] / n:,.0f} ns | {alloc} |")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--bdn", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--allocs", default="", help="the output of the allocs console mode, shown as is")
    parser.add_argument("--note", default="", help="a caveat printed under the title (e.g. a quick or noisy run)")
    parser.add_argument("--plots", default="plots", help="the folder of the scaling charts, relative to the report")
    parser.add_argument("--charts", default="", help="where to write the scaling charts' data (scaling.json) for the plot mode")
    parser.add_argument("--analysis", default=os.path.join(os.path.dirname(__file__), "..", "ANALYSIS.md"),
                        help="hand-written explanation of the targets that are missed, included after the targets table")
    parser.add_argument("--sections", default=os.path.join(os.path.dirname(__file__), "..", "sections"),
                        help="a folder of hand-written sections (*.md, in name order) included before Reproduce")
    args = parser.parse_args()
    results = load_results(args.results)
    bdn = load_bdn(args.bdn)

    out = ["# Performance", ""]
    out.append(f"Generated by `{args.command}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
               f"{commit_clause()}. Every number below comes from that one run on this machine; ratios compare measurements of the same run. "
               "Nothing here is asserted by a test: CI only checks that the benchmarks still build and run (a tiny smoke run).")
    if args.note:
        out += ["", f"> **Note:** {args.note}"]
    out += ["", "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in machine()]

    out += ["", "## Targets (issue 11)", "", "| target | measured | met |", "|---|---|---|"]
    out += [f"| {t} | {m} | {ok} |" for t, m, ok in targets(results, bdn)]
    if args.analysis and os.path.exists(args.analysis):
        with open(args.analysis) as f:
            out += ["", f.read().rstrip()]

    out += ["", "## Nursery and its peers outside .NET", "",
            "Same machine, same shapes, same N; each measurement in its own process; one warm-up run, then the best "
            "(and median) of several. Children yield once and return an int that the parent collects: Nursery with "
            "`EventLoop.Yield()` in a `TaskManager`; .NET peers with `Task.Yield()`; Python with `await asyncio.sleep(0)` "
            "in an `asyncio.TaskGroup`; Node with `await new Promise(r => setImmediate(r))` (a real event-loop turn, the "
            "default) and, for reference, `await null` (microtask only) joined by `Promise.all`. Python and Node cannot "
            "report allocated bytes, so memory is compared by peak working set / RSS."]
    out += cross_runtime_table(results)

    out += ["", "## Scaling: cost per unit at each size", "",
            "Each cell is the cost of one unit of work (a child, a nesting level, a submitted item) at that size, from the "
            "same console runs as above (each size and implementation in its own process, best of the runs). A cost per "
            "unit that stays flat as the size grows is linear growth; the last column is the largest rise between two "
            "neighbouring sizes, so anything super-linear stands out. The charts plot the same numbers on log-log axes "
            "(drawn by the benchmarks program's `plot` mode with OxyPlot from `artifacts/compare/scaling.json`)."]
    out += scaling.tables(results, args.plots)
    if args.charts:
        scaling.write_charts(results, args.charts)

    out += ["", "## BenchmarkDotNet", "",
            "`dotnet run -c Release --project Nursery.Benchmarks -- --filter '*'` (BenchmarkDotNet 0.14, `[MemoryDiagnoser]`). "
            "The Ratio column is each row against the class's baseline (the peer marked `Baseline = true`)."]
    reports = sorted(glob.glob(os.path.join(args.bdn, "*-report-github.md")))
    if not reports:
        out += ["", "_BenchmarkDotNet was not run (compare.sh --no-bdn or --tiny)._"]
    for path in reports:
        with open(path) as f:
            text = f.read()
        title = re.sub(r"^Nursery\.Benchmarks\.|-report-github\.md$", "", os.path.basename(path))
        table = html.unescape("\n".join(l for l in text.splitlines() if l.startswith("|")))
        out += ["", f"### {title}", "", table]
    if bdn:
        out += ["", "### Per child (Mean / N, Allocated / N)"]
        out += bdn_per_child(bdn)

    if args.allocs and os.path.exists(args.allocs):
        with open(args.allocs) as f:
            out += ["", "## Where Nursery's per-child bytes go", "",
                    "`allocs` console mode: exact bytes per child for each phase of a child's life (the loop thread's "
                    "allocation counter, read by probe work items queued between the phases), the split by type (sampled "
                    "GC AllocationTick events, so approximate), and the exact size of each object involved.", "",
                    "```", f.read().rstrip(), "```"]

    # Hand-written sections (measurements made by hand, analysis of one feature's cost) survive each regeneration.
    for path in sorted(glob.glob(os.path.join(args.sections, "*.md"))):
        with open(path) as f:
            out += ["", f.read().rstrip()]

    out += ["", "## Reproduce", "", "```bash", args.command,
            "Nursery.Benchmarks/compare.sh --tiny          # every step once at the smallest sizes, into artifacts/compare/ (docs untouched)",
            "dotnet run -c Release --project Nursery.Benchmarks -- --filter '*'          # BenchmarkDotNet only",
            "dotnet run -c Release --project Nursery.Benchmarks -- memory --children 1000000",
            "dotnet run -c Release --project Nursery.Benchmarks -- nesting --depth 1000 --impl nursery",
            "dotnet run -c Release --project Nursery.Benchmarks -- submit --producers 8 --impl loopthread",
            "dotnet run -c Release --project Nursery.Benchmarks -- fanout --children 10000 --finally throw",
            "dotnet run -c Release --project Nursery.Benchmarks -- allocs --children 200000  # where the bytes go",
            "dotnet run -c Release --project Nursery.Benchmarks -- plot --data artifacts/compare/scaling.json --out docs/plots",
            "```", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
