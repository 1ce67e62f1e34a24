#!/usr/bin/env bash
# Runs Nursery's measurements and its peers outside .NET (Python 3.11 asyncio.TaskGroup, Node 20 Promise.all) on
# this machine, with the same shapes and sizes, then the BenchmarkDotNet suite, and writes docs/performance.md.
#
#   Nursery.Benchmarks/compare.sh            the full run (long: run it on a quiet machine)
#   Nursery.Benchmarks/compare.sh --quick    fewer runs, smaller sizes, BenchmarkDotNet's ShortRun job: a look, not a result
#   Nursery.Benchmarks/compare.sh --no-bdn   the cross-runtime table only (skip BenchmarkDotNet)
#
# Needs the .NET SDK, python3 (3.11+) and node (20+) on PATH. Raw results land in artifacts/compare/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

quick=0
bdn=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --no-bdn) bdn=0 ;;
        *) echo "unknown option: $arg (use --quick, --no-bdn)" >&2; exit 2 ;;
    esac
done

command_line="Nursery.Benchmarks/compare.sh${*:+ $*}"
out=artifacts/compare
rm -rf "$out"
mkdir -p "$out"
results="$out/results.jsonl"
log="$out/console.log"
: > "$results"

if [ "$quick" -eq 1 ]; then
    spawn_sizes="10000 100000"; runs=3; big_runs=1; timer_n=10000; fanout_n=100000; memory_n=1000000; bdn_job=(--job short)
else
    spawn_sizes="10000 100000 1000000"; runs=7; big_runs=3; timer_n=100000; fanout_n=100000; memory_n=1000000; bdn_job=()
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
    for impl in nursery taskrun minimal taskperpost; do nursery spawn --children "$n" --impl "$impl" --runs "$r"; done
    python_peer spawn --children "$n" --runs "$r"
    node_peer spawn --children "$n" --runs "$r"
    node_peer spawn --children "$n" --runs "$r" --yield microtask
done

echo "== real-clock timers (0-50 ms)"
nursery timers --children "$timer_n" --impl nursery --runs 3
nursery timers --children "$timer_n" --impl taskdelay --runs 3
python_peer timers --children "$timer_n" --runs 3
node_peer timers --children "$timer_n" --runs 3

echo "== failure fan-out"
for n in 10000 "$fanout_n"; do
    nursery fanout --children "$n" --impl nursery --runs 5
    nursery fanout --children "$n" --impl tokens --runs 5
    python_peer fanout --children "$n" --runs 3
    node_peer fanout --children "$n" --runs 3 --cancel shared
done
# The idiomatic per-sleep AbortSignal listener makes Node's setup O(N²) (see promise_all.mjs): 10k only.
node_peer fanout --children 10000 --runs 3 --cancel signal

echo "== memory: children sleeping at once"
for impl in nursery taskdelay minimal; do nursery memory --children "$memory_n" --impl "$impl"; done
python_peer memory --children "$memory_n"
node_peer memory --children "$memory_n"

echo "== idle loop on a real timer"
nursery idle --seconds 3

echo "== where Nursery's per-child bytes go"
dotnet "$dll" allocs --children 200000 | tee "$out/allocs.txt"

if [ "$bdn" -eq 1 ]; then
    echo "== BenchmarkDotNet (every class; JSON and GitHub markdown in $out/bdn/results)"
    dotnet run -c Release --no-build --project Nursery.Benchmarks -- --filter '*' "${bdn_job[@]}" \
        --exporters json github --artifacts "$out/bdn" 2>&1 | tee "$out/bdn.log" | grep -E '^\||// \* Summary|Run time' || true
fi

echo "== docs/performance.md"
mkdir -p docs
note=""
[ "$quick" -eq 1 ] && note="A quick run (--quick: fewer runs, smaller sizes, BenchmarkDotNet's ShortRun job): a look, not a result."
python3 Nursery.Benchmarks/peers/render_report.py --results "$results" --bdn "$out/bdn/results" \
    --allocs "$out/allocs.txt" --command "$command_line" --note "$note" > docs/performance.md.new
mv docs/performance.md.new docs/performance.md
echo "wrote docs/performance.md"
