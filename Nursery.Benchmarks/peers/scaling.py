"""The scaling section of docs/performance.md: for each shape, the cost per unit of work at each size, Nursery and
every peer side by side, so a reader sees where anything grows faster than linearly; and the same data as chart
definitions (scaling.json) that the benchmarks program's `plot` mode draws as log-log SVGs."""
import json
import os

# Per shape: the chart's file name part and title, what the size axis counts, which field of a result is the
# size, the cost per unit (from a result row) with its unit, and the size axis's log base.
SHAPES = [
    {"shape": "spawn", "name": "spawn", "title": "Spawn + yield once + join", "x": "children (N)", "size": lambda r: r["n"],
     "cost": lambda r: r.get("ns_per_child"), "y": "ns per child (best run)", "digits": 0, "base": 10},
    {"shape": "memory", "name": "memory", "title": "Children sleeping at once", "x": "children asleep (N)",
     "size": lambda r: r["n"], "cost": lambda r: r.get("rss_b_per_child"), "y": "working-set growth, B per child", "digits": 0,
     "base": 10, "extra": lambda r: f" ({r['peak_mib']:,.0f} MiB)" if r.get("peak_mib") is not None else ""},
    {"shape": "nesting", "name": "nesting", "title": "Nested scopes: a chain of D, joined", "x": "depth (D)", "size": lambda r: r["n"],
     "cost": lambda r: r.get("ns_per_level"), "y": "ns per level (best run)", "digits": 0, "base": 10},
    {"shape": "submit", "name": "submit", "title": "Cross-thread submit", "x": "producer threads (P)", "size": lambda r: r.get("producers", 1),
     "cost": lambda r: r.get("ns_per_item"), "y": "ns per item (best run)", "digits": 0, "base": 2},
    {"shape": "fanout", "name": "fanout", "title": "Failure fan-out: failure to rethrow", "x": "cancelled siblings (N)",
     "size": lambda r: r["n"], "cost": lambda r: r["fanout_ms"] * 1e6 / r["n"], "y": "ns per sibling (best run)", "digits": 0, "base": 10},
    {"shape": "fanout-finally", "name": "fanout-finally", "title": "Failure fan-out, every sibling's cleanup throws",
     "x": "cancelled siblings (N)", "size": lambda r: r["n"], "cost": lambda r: r["fanout_ms"] * 1e6 / r["n"],
     "y": "ns per sibling (best run)", "digits": 0, "base": 10},
]

CAPTIONS = {
    "spawn": "N children that each yield once and return an int, joined; cost per child.",
    "memory": "N children asleep at the same time (virtual sleeps for Nursery and the minimal loop, real timers for "
              "Task.Delay and the contexts, asyncio.sleep, setTimeout): working-set growth from the process's start until "
              "all are asleep, per child, and in brackets the process's peak working set. At small N the growth is "
              "mostly the runtime's own heap and page granularity, so read these rows from 100k up.",
    "nesting": "A chain of D scopes, each starting the next level as its child and joining it (Nursery: a TaskManager "
               "per level; Task.Run: `await Task.Run(next)`; the single-threaded .NET peers: a plain `await` of the next "
               "level; asyncio: a TaskGroup per level; Node: `await Promise.all([next])`); the innermost yields once. "
               "Each run repeats the chain until about the same number of levels has run, so the fixed cost of a chain "
               "weighs most at depth 1: falling per-level cost with depth is expected, rising is super-linear.",
    "submit": "Trivial work items submitted from P threads at once to a loop on its own thread, every result awaited "
              "(Python: `asyncio.run_coroutine_threadsafe` to a loop thread; Node has no cross-thread submission of "
              "work to its loop, so it has no row); cost per item. The items per run are in the size column's header. "
              f"This machine has {os.cpu_count()} logical cores: producers beyond that share them with the loop thread.",
    "fanout": "N siblings asleep, one fails: time from the failure until the join rethrows, per cancelled sibling.",
    "fanout-finally": "The same, but every cancelled sibling also throws from its `finally` block, so the join records "
                      "and reports N + 1 failures (issue 13, bug 7).",
}


# The console modes' short --impl names, as the charts and tables show them (the BenchmarkDotNet descriptions).
DOTNET_NAMES = {
    "nursery": "Nursery TaskManager", "inbox": "Nursery loop inbox (no host)", "loopthread": "Nursery LoopThread.Submit",
    "taskrun": "Task.Run + WhenAll", "async": "async calls + WhenAll", "minimal": "minimal loop (floor)",
    "taskperpost": "Task-per-post context", "asynccontext": "Nito AsyncContext", "taskdelay": "Task.Delay + WhenAll",
    "tokens": "CancellationTokenSource + WhenAll", "floor": "ConcurrentQueue + wake-up (floor)",
}


# Where a shape uses an implementation differently, its own name for it.
SHAPE_NAMES = {
    "nesting": {"taskrun": "Task.Run per level"},
    "submit": {"asynccontext": "Nito AsyncContextThread", "taskperpost": "Task-per-post context thread"},
}


def label(r):
    runtime = r["runtime"].split()[0]
    if runtime == "dotnet":
        return SHAPE_NAMES.get(r["shape"], {}).get(r["impl"]) or DOTNET_NAMES.get(r["impl"], r["impl"])
    return f"{r['impl']} ({ {'python': 'Python', 'node': 'Node'}.get(runtime, runtime)})"


def collect(results):
    """Per shape: {series label: {size: result row}}, series in the order they first appear (Nursery first)."""
    per_shape = {}
    for r in results:
        spec = next((s for s in SHAPES if s["shape"] == r["shape"]), None)
        if spec is None or spec["cost"](r) is None:
            continue
        series = per_shape.setdefault(spec["shape"], {})
        series.setdefault(label(r), {})[spec["size"](r)] = r
    for shape, series in per_shape.items():
        per_shape[shape] = dict(sorted(series.items(), key=lambda kv: (not kv[0].startswith("Nursery"), list(series).index(kv[0]))))
    return per_shape


def steepest_step(spec, points):
    """The largest rise of the cost per unit between two neighbouring sizes, with where it is (None if it never rises)."""
    sizes = sorted(points)
    worst = None
    for a, b in zip(sizes, sizes[1:]):
        ca, cb = spec["cost"](points[a]), spec["cost"](points[b])
        if ca and ca > 0 and cb / ca > 1 and (worst is None or cb / ca > worst[0]):
            worst = (cb / ca, a, b)
    return worst


def short(size):
    for div, suffix in ((1_000_000, "M"), (1_000, "k")):
        if size >= div and size % div == 0:
            return f"{size // div}{suffix}"
    return f"{size:,}"


def tables(results, plots_folder):
    """The markdown of the scaling section: one table and one chart per shape that has results."""
    per_shape = collect(results)
    lines = []
    for spec in SHAPES:
        series = per_shape.get(spec["shape"])
        if not series:
            continue
        sizes = sorted({size for points in series.values() for size in points})
        header = [f"{spec['x'].split(' (')[-1].rstrip(')')} = {short(s)}" for s in sizes]
        if spec["shape"] == "submit":
            items = sorted({p["n"] for points in series.values() for p in points.values()})
            header[0] += f" ({' / '.join(f'{i:,}' for i in items)} items per run)"
        lines += ["", f"### {spec['title']} — {spec['y']}", "", CAPTIONS[spec["shape"]], ""]
        lines.append("| implementation | " + " | ".join(header) + " | steepest rise per unit |")
        lines.append("|---|" + "--:|" * (len(sizes) + 1))
        for name, points in series.items():
            cells = []
            for s in sizes:
                r = points.get(s)
                cells.append("–" if r is None else f"{spec['cost'](r):,.{spec['digits']}f}{spec.get('extra', lambda _: '')(r)}")
            worst = steepest_step(spec, points)
            rise = "none" if worst is None else f"{worst[0]:.2f}× ({short(worst[1])} → {short(worst[2])})"
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {rise} |")
        lines += ["", f"![{spec['title']}, log-log]({plots_folder}/scaling-{spec['name']}.svg)"]
    return lines


def charts(results):
    """The chart definitions the `plot` mode reads (see Nursery.Benchmarks/Modes/ChartData.cs)."""
    per_shape = collect(results)
    out = []
    for spec in SHAPES:
        series = per_shape.get(spec["shape"])
        if not series:
            continue
        out.append({
            "name": spec["name"], "title": spec["title"], "x": spec["x"], "y": spec["y"], "xBase": spec["base"],
            "series": [{"name": name, "points": [[s, spec["cost"](points[s])] for s in sorted(points)]} for name, points in series.items()],
        })
    return out


def write_charts(results, path):
    with open(path, "w") as f:
        json.dump(charts(results), f, indent=1)
