#!/usr/bin/env python3
"""The Python 3.11 peer of Nursery's benchmarks: asyncio.TaskGroup, standard library only.

Same shapes as the .NET console modes (dotnet run -c Release --project Nursery.Benchmarks -- MODE ...):
  spawn  --children N [--runs R]  N children each yield once (await asyncio.sleep(0), asyncio's idiomatic yield)
                                  and return an int; the TaskGroup joins them; the parent sums the results.
  timers --children N [--runs R]  N children each sleep a random 0-50 ms (asyncio.sleep), joined by a TaskGroup.
  fanout --children N [--runs R]  N siblings sleep for an hour, one more child fails: time from the failure until
                                  the TaskGroup raises (every sibling cancelled and joined).
  memory --children N             N children sleeping at once: peak RSS (ru_maxrss) and RSS growth per child.
Each prints a human line and a 'RESULT {json}' line with the same fields as the .NET side.
"""
import argparse
import asyncio
import gc
import json
import os
import random
import resource
import sys
import time


def rss_bytes():
    """Current resident set size, from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def emit(shape, n, **fields):
    result = {"runtime": f"python {sys.version.split()[0]}", "shape": shape, "impl": "asyncio.TaskGroup", "n": n}
    result.update({k: round(v, 2) if isinstance(v, float) else v for k, v in fields.items()})
    result["peak_mib"] = round(peak_mib(), 2)
    print("RESULT " + json.dumps(result), flush=True)


async def yield_once():
    await asyncio.sleep(0)
    return 1


async def spawn_join(n):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(yield_once()) for _ in range(n)]
    return sum(t.result() for t in tasks)


async def sleep_then_return(seconds):
    await asyncio.sleep(seconds)
    return 1


async def timers(n):
    rng = random.Random(42)
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(sleep_then_return(rng.randint(0, 50) / 1000)) for _ in range(n)]
    return sum(t.result() for t in tasks)


class Failure(Exception):
    pass


async def fanout(n):
    failed_at = 0

    async def failing():
        nonlocal failed_at
        await asyncio.sleep(0)  # every sibling has started and is asleep by now
        failed_at = time.perf_counter_ns()
        raise Failure()

    raised_at = 0
    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(n):
                tg.create_task(sleep_then_return(3600))
            tg.create_task(failing())
    except* Failure:
        raised_at = time.perf_counter_ns()
    if not raised_at:
        raise RuntimeError("the failure did not come out of the TaskGroup")
    return raised_at - failed_at


def timed(shape, n, runs, make):
    """One warm-up run, then the best and median of `runs`, each in a fresh event loop."""
    check = asyncio.run(make(n))
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter_ns()
        check = asyncio.run(make(n))
        times.append(time.perf_counter_ns() - start)
    times.sort()
    best, median = times[0], times[len(times) // 2]
    print(f"{shape}: {n:,} children: best {best / 1e6:.1f} ms ({best / n:.0f} ns/child), median {median / 1e6:.1f} ms")
    emit(shape, n, runs=runs, ns_per_child=best / n, ns_per_child_median=median / n, checksum=check)


def memory(n):
    gc.collect()
    before = rss_bytes()
    at_peak = {}

    async def main():
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(sleep_then_return(1)) for _ in range(n)]
            await asyncio.sleep(0)  # every child has started and is asleep now
            at_peak["rss"] = rss_bytes()
        return sum(t.result() for t in tasks)

    start = time.perf_counter()
    total = asyncio.run(main())
    elapsed = time.perf_counter() - start
    assert total == n
    per_child = (at_peak["rss"] - before) / n
    print(f"{n:,} children sleeping at once: peak RSS {peak_mib():.0f} MiB (RSS {before / 2**20:.0f} MiB before, "
          f"{at_peak['rss'] / 2**20:.0f} MiB with all asleep), RSS growth {per_child:.0f} B/child, {elapsed:.2f} s")
    emit("memory", n, rss_b_per_child=per_child, ws_before_mib=before / 2**20, ws_all_asleep_mib=at_peak["rss"] / 2**20,
         seconds=elapsed)


def fanout_latency(n, runs):
    asyncio.run(fanout(n))  # warm-up
    times = sorted(asyncio.run(fanout(n)) / 1e6 for _ in range(runs))
    print(f"{n:,} sleeping siblings, one fails: failure -> TaskGroup raises best {times[0]:.1f} ms, median {times[len(times) // 2]:.1f} ms")
    emit("fanout", n, runs=runs, fanout_ms=times[0], fanout_ms_median=times[len(times) // 2])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shape", choices=["spawn", "timers", "fanout", "memory"])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.shape == "spawn":
        timed("spawn", args.children, args.runs, spawn_join)
    elif args.shape == "timers":
        timed("timers", args.children, args.runs, timers)
    elif args.shape == "fanout":
        fanout_latency(args.children, args.runs)
    else:
        memory(args.children)


if __name__ == "__main__":
    main()
