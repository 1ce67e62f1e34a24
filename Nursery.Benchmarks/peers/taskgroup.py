#!/usr/bin/env python3
"""The Python 3.11 peer of Nursery's benchmarks: asyncio.TaskGroup, standard library only.

Same shapes as the .NET console modes (dotnet run -c Release --project Nursery.Benchmarks -- MODE ...):
  spawn  --children N [--runs R]  N children each yield once (await asyncio.sleep(0), asyncio's idiomatic yield)
                                  and return an int; the TaskGroup joins them; the parent sums the results.
  timers --children N [--runs R]  N children each sleep a random 0-50 ms (asyncio.sleep), joined by a TaskGroup.
  fanout --children N [--runs R] [--finally none|throw]
                                  N siblings sleep for an hour, one more child fails: time from the failure until
                                  the TaskGroup raises (every sibling cancelled and joined). With --finally throw
                                  every cancelled sibling also raises from its finally block (N + 1 failures).
  memory --children N             N children sleeping at once: peak RSS (ru_maxrss) and RSS growth per child.
  nesting --depth D [--levels L] [--runs R]
                                  a chain of D nested TaskGroups (each level starts the next in its own group and
                                  joins it; the innermost yields once), repeated until about L levels have run: ns per level.
  submit --producers P [--items N] [--runs R]
                                  N trivial coroutines submitted in total from P threads to a loop running in its own
                                  thread (asyncio.run_coroutine_threadsafe), every result awaited: ns per item.
Each prints a human line and a 'RESULT {json}' line with the same fields as the .NET side.
"""
import argparse
import asyncio
import concurrent.futures
import gc
import json
import os
import random
import resource
import sys
import threading
import time


def rss_bytes():
    """Current resident set size, from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def emit(shape, n, **fields):
    impl = "asyncio.run_coroutine_threadsafe" if shape == "submit" else "asyncio.TaskGroup"
    result = {"runtime": f"python {sys.version.split()[0]}", "shape": shape, "impl": impl, "n": n}
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


async def sleep_then_fail_in_finally(seconds):
    try:
        await asyncio.sleep(seconds)
        return 1
    finally:
        raise Failure("cleanup failed while the task was cancelled")  # the point: cleanup that fails on cancellation


async def fanout(n, siblings_throw=False):
    failed_at = 0
    sibling = sleep_then_fail_in_finally if siblings_throw else sleep_then_return

    async def failing():
        nonlocal failed_at
        await asyncio.sleep(0)  # every sibling has started and is asleep by now
        failed_at = time.perf_counter_ns()
        raise Failure()

    raised_at = 0
    failures = 0
    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(n):
                tg.create_task(sibling(3600))
            tg.create_task(failing())
    except* Failure as group:
        raised_at = time.perf_counter_ns()
        failures = len(group.exceptions)
    expected = n + 1 if siblings_throw else 1
    if failures != expected:
        raise RuntimeError(f"expected {expected} failures out of the TaskGroup, got {failures}")
    return raised_at - failed_at


# Every runtime warms up for the same time before it is measured: long enough for .NET's tiered JIT and V8's
# optimizing tiers to replace their first code, so a small N measures the steady state, not the compiler.
WARM_UP_NS = 1_000_000_000


def timed(shape, n, runs, make, units=None, unit="child", **fields):
    """Warm-up runs for at least WARM_UP_NS (at least one), then the best and median of `runs` (each calls `make`,
    which returns a checksum); reports ns per unit of work (`units` per run: children by default)."""
    units = units or n
    warm_until = time.perf_counter_ns() + WARM_UP_NS
    check = make()
    while time.perf_counter_ns() < warm_until:
        check = make()
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter_ns()
        check = make()
        times.append(time.perf_counter_ns() - start)
    times.sort()
    best, median = times[0], times[len(times) // 2]
    print(f"{shape}: {units:,} x {unit}: best {best / 1e6:.1f} ms ({best / units:.0f} ns/{unit}), median {median / 1e6:.1f} ms")
    emit(shape, n, runs=runs, checksum=check, **fields, **{f"ns_per_{unit}": best / units, f"ns_per_{unit}_median": median / units})


async def level(depth):
    """One level of the nesting chain: start the next level in a TaskGroup of its own and join it."""
    if depth == 0:
        return await yield_once()
    async with asyncio.TaskGroup() as tg:
        inner = tg.create_task(level(depth - 1))
    return inner.result()


async def nesting(depth, repetitions):
    total = 0
    for _ in range(repetitions):
        total += await level(depth)
    return total


async def trivial():
    return 1


def submit(loop, items, producers):
    """Submits `items` coroutines in total from `producers` threads started together; each waits for its results."""
    start = threading.Barrier(producers)
    sums = [0] * producers

    def produce(index, count):
        start.wait()
        futures = [asyncio.run_coroutine_threadsafe(trivial(), loop) for _ in range(count)]
        sums[index] = sum(f.result() for f in futures)

    with concurrent.futures.ThreadPoolExecutor(producers) as pool:
        jobs = [pool.submit(produce, p, items // producers + (items % producers if p == 0 else 0)) for p in range(producers)]
        for job in jobs:
            job.result()
    total = sum(sums)
    if total != items:
        raise RuntimeError(f"expected {items} results, got {total}")
    return total


def submit_scaling(items, producers, runs):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="asyncio-loop", daemon=True)
    thread.start()
    try:
        timed("submit", items, runs, lambda: submit(loop, items, producers), unit="item", producers=producers)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


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


def fanout_latency(n, runs, siblings_throw):
    asyncio.run(fanout(n, siblings_throw))  # warm-up
    times = sorted(asyncio.run(fanout(n, siblings_throw)) / 1e6 for _ in range(runs))
    what = "each cancelled sibling raises in finally" if siblings_throw else "one fails"
    print(f"{n:,} sleeping siblings, {what}: failure -> TaskGroup raises best {times[0]:.1f} ms, median {times[len(times) // 2]:.1f} ms")
    emit("fanout-finally" if siblings_throw else "fanout", n, runs=runs, fanout_ms=times[0], fanout_ms_median=times[len(times) // 2])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shape", choices=["spawn", "timers", "fanout", "memory", "nesting", "submit"])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--finally", dest="on_finally", choices=["none", "throw"], default="none")
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--levels", type=int, default=20_000)
    parser.add_argument("--producers", type=int, default=1)
    parser.add_argument("--items", type=int, default=200_000)
    args = parser.parse_args()
    n = args.children
    if args.shape == "spawn":
        timed("spawn", n, args.runs, lambda: asyncio.run(spawn_join(n)))
    elif args.shape == "timers":
        timed("timers", n, args.runs, lambda: asyncio.run(timers(n)))
    elif args.shape == "fanout":
        fanout_latency(n, args.runs, args.on_finally == "throw")
    elif args.shape == "nesting":
        repetitions = max(1, args.levels // args.depth)
        timed("nesting", args.depth, args.runs, lambda: asyncio.run(nesting(args.depth, repetitions)),
              units=args.depth * repetitions, unit="level", repetitions=repetitions)
    elif args.shape == "submit":
        submit_scaling(args.items, args.producers, args.runs)
    else:
        memory(n)


if __name__ == "__main__":
    main()
