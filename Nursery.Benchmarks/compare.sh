#!/usr/bin/env bash
# Runs Nursery's measurements and its peers outside .NET (Python 3.11 asyncio.TaskGroup, Node 20 Promise.all) on
# this machine, with the same shapes and sizes, then the BenchmarkDotNet suite, and writes docs/performance.md with
# the scaling table (cost per unit at each size) and its log-log charts, docs/plots/scaling-*.svg.
#
#   Nursery.Benchmarks/compare.sh            the full run (long: run it on a quiet machine)
#   Nursery.Benchmarks/compare.sh --quick    fewer runs, smaller sizes, BenchmarkDotNet's ShortRun job: a look, not a result
#   Nursery.Benchmarks/compare.sh --no-bdn   the cross-runtime and scaling tables only (skip BenchmarkDotNet)
#   Nursery.Benchmarks/compare.sh --tiny     every step at the smallest sizes, once, no BenchmarkDotNet, and the report
#                                            and charts under artifacts/compare/ (docs/ untouched): proves the pipeline
#
# Needs the .NET SDK, python3 (3.11+) and node (20+) on PATH. Raw results land in artifacts/compare/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

quick=0
tiny=0
bdn=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --tiny) tiny=1; bdn=0 ;;
        --no-bdn) bdn=0 ;;
        *) echo "unknown option: $arg (use --quick, --tiny, --no-bdn)" >&2; exit 2 ;;
    esac
done

command_line="Nursery.Benchmarks/compare.sh${*:+ $*}"
out=artifacts/compare
rm -rf "$out"
mkdir -p "$out"
results="$out/results.jsonl"
log="$out/console.log"
: > "$results"

# Sizes: spawn and memory run at every scaling size (the cross-runtime tables use 10k and up, and the largest memory
# size); nesting by depth and submit by producer count are the scaling table's own. Python submits a tenth of the
# items (its cost per item is ~100x .NET's); the per-item cost is what the table compares.
report=docs/performance.md; plots=docs/plots
if [ "$tiny" -eq 1 ]; then
    spawn_sizes="1000"; runs=1; big_runs=1; timer_n=1000; fanout_sizes="1000"; memory_sizes="1000"
    depths="1 10"; producers="1 2"; submit_items=2000; levels=1000; fanout_runs=1; node_signal_n=1000
    report="$out/performance.md"; plots="$out/plots"; bdn_job=()
elif [ "$quick" -eq 1 ]; then
    spawn_sizes="1000 10000 100000"; runs=3; big_runs=1; timer_n=10000; fanout_sizes="1000 10000 100000"
    memory_sizes="1000 10000 100000 1000000"; depths="1 10 100 1000"; producers="1 2 4 8"; submit_items=50000
    levels=10000; fanout_runs=3; node_signal_n=10000; bdn_job=(--job short)
else
    spawn_sizes="1000 10000 100000 1000000"; runs=7; big_runs=3; timer_n=100000; fanout_sizes="1000 10000 100000"
    memory_sizes="1000 10000 100000 1000000"; depths="1 10 100 1000"; producers="1 2 4 8"; submit_items=200000
    levels=20000; fanout_runs=5; node_signal_n=10000; bdn_job=()
fi

echo "== build (Release)"
dotnet build Nursery.Benchmarks -c Release -nologo -clp:NoSummary -v:q
dll=Nursery.Benchmarks/bin/Release/net10.0/Nursery.Benchmarks.dll

# Each measurement runs in its own process (peak working set is a per-process high-water mark).
measure() { # label, command...
    local label="$1"; shift
    echo "-- $label: $*" | tee -a "$log"
    "$@" 2>&1 | tee -a "$log" | grep '^RESULT ' | sed 's/^RESULT //' >> "$results" || echo "!! $label failed" | tee -a "$log"
}
nursery() { measure dotnet dotnet "$dll" "$@"; }
python_peer() { measure python python3 Nursery.Benchmarks/peers/taskgroup.py "$@"; }
node_peer() { measure node node --expose-gc Nursery.Benchmarks/peers/promise_all.mjs "$@"; }

echo "== spawn + yield once + join"
for n in $spawn_sizes; do
    r=$runs; [ "$n" -ge 1000000 ] && r=$big_runs
    for impl in nursery taskrun minimal taskperpost asynccontext; do nursery spawn --children "$n" --impl "$impl" --runs "$r"; done
    python_peer spawn --children "$n" --runs "$r"
    node_peer spawn --children "$n" --runs "$r"
    node_peer spawn --children "$n" --runs "$r" --yield microtask
done

echo "== real-clock timers (0-50 ms)"
nursery timers --children "$timer_n" --impl nursery --runs 3
nursery timers --children "$timer_n" --impl taskdelay --runs 3
python_peer timers --children "$timer_n" --runs 3
node_peer timers --children "$timer_n" --runs 3

echo "== failure fan-out (and with every cancelled sibling throwing from its finally block)"
for n in $fanout_sizes; do
    for finally in none throw; do
        nursery fanout --children "$n" --impl nursery --runs "$fanout_runs" --finally "$finally"
        nursery fanout --children "$n" --impl tokens --runs "$fanout_runs" --finally "$finally"
        python_peer fanout --children "$n" --runs 3 --finally "$finally"
        node_peer fanout --children "$n" --runs 3 --cancel shared --finally "$finally"
    done
done
# The idiomatic per-sleep AbortSignal listener makes Node's setup O(N²) (see promise_all.mjs): 10k only.
node_peer fanout --children "$node_signal_n" --runs 3 --cancel signal

echo "== memory: children sleeping at once"
for n in $memory_sizes; do
    for impl in nursery taskdelay minimal taskperpost asynccontext; do nursery memory --children "$n" --impl "$impl"; done
    python_peer memory --children "$n"
    node_peer memory --children "$n"
done

echo "== nested scopes by depth"
for d in $depths; do
    for impl in nursery taskrun minimal taskperpost asynccontext; do nursery nesting --depth "$d" --levels "$levels" --impl "$impl" --runs "$runs"; done
    python_peer nesting --depth "$d" --levels "$levels" --runs 3
    node_peer nesting --depth "$d" --levels "$levels" --runs "$runs"
done

echo "== cross-thread submit by producer count"
for p in $producers; do
    for impl in floor inbox loopthread taskperpost asynccontext; do nursery submit --producers "$p" --items "$submit_items" --impl "$impl" --runs "$runs"; done
    python_peer submit --producers "$p" --items $((submit_items / 10)) --runs 3
done

echo "== idle loop on a real timer"
if [ "$tiny" -eq 1 ]; then nursery idle --seconds 0.2; else nursery idle --seconds 3; fi

echo "== where Nursery's per-child bytes go"
if [ "$tiny" -eq 1 ]; then allocs_n=1000; else allocs_n=200000; fi
dotnet "$dll" allocs --children "$allocs_n" | tee "$out/allocs.txt"

if [ "$bdn" -eq 1 ]; then
    echo "== BenchmarkDotNet (every class; JSON and GitHub markdown in $out/bdn/results)"
    # A generous build timeout: BenchmarkDotNet builds a project per benchmark class, and its default (2 minutes) is
    # not enough on a busy machine, where the class then reports no results at all.
    dotnet run -c Release --no-build --project Nursery.Benchmarks -- --filter '*' "${bdn_job[@]}" --buildTimeout 1200 \
        --exporters json github --artifacts "$out/bdn" 2>&1 | tee "$out/bdn.log" | grep -E '^\||// \* Summary|Run time' || true
fi

echo "== $report and the scaling charts in $plots/"
mkdir -p "$(dirname "$report")"
note=""
[ "$quick" -eq 1 ] && note="A quick run (--quick: fewer runs, smaller sizes, BenchmarkDotNet's ShortRun job): a look, not a result."
[ "$tiny" -eq 1 ] && note="A tiny run (--tiny: the smallest sizes, one run each, no BenchmarkDotNet): proves the pipeline, measures nothing."
python3 Nursery.Benchmarks/peers/render_report.py --results "$results" --bdn "$out/bdn/results" \
    --allocs "$out/allocs.txt" --command "$command_line" --note "$note" \
    --charts "$out/scaling.json" --plots "$(realpath -m --relative-to="$(dirname "$report")" "$plots")" > "$report.new"
mv "$report.new" "$report"
dotnet "$dll" plot --data "$out/scaling.json" --out "$plots"
echo "wrote $report"
