#!/usr/bin/env bash
# Runs the order-independent unit tests under many schedule seeds: NURSERY_SCHEDULE_SEED=1..COUNT, each seed in a test
# host of its own, PARALLEL at a time, on an already built configuration. Every loop a test creates without options is
# then shuffled from the seed (see the guide, "Testing concurrent code").
#   bash .ci/seeds.sh [COUNT=20] [PARALLEL=4] [CONFIGURATION=Release]
# Left out: tests marked [Trait("Schedule", "Fifo")] (they check FIFO order on purpose), the real-time measurements
# that must run alone, most hosting tests, the slow concurrency campaigns and the API listing. A failing seed prints its failed tests and
# the command that replays it. The last line is "N passed, M failed", counting seeds.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
count=${1:-20}
parallel=${2:-4}
configuration=${3:-Release}
# Of the hosting tests only the dispatcher's and the events' run here: the others mostly wait on real threads and time.
filter='Schedule!=Fifo&(FullyQualifiedName!~.Hosting.|FullyQualifiedName~DispatcherTests|FullyQualifiedName~AsyncEventTests)'
for left_out in .Concurrency. .Api. DeadlockDetectionTests SlowCallbackTests IdleCpuTests; do
    filter="$filter&FullyQualifiedName!~$left_out"
done
logs="$(mktemp -d "${TMPDIR:-/tmp}/nursery-seeds.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
export filter logs configuration

run_seed() {
    NURSERY_SCHEDULE_SEED=$1 timeout 600 dotnet test Nursery.Tests -c "$configuration" --no-build --filter "$filter" > "$logs/seed-$1.log" 2>&1
    echo $? > "$logs/seed-$1.rc"
}
export -f run_seed
seq 1 "$count" | xargs -P "$parallel" -I{} bash -c 'run_seed {}'

passed=0
failed=0
for seed in $(seq 1 "$count"); do
    summary=$(grep -E '^(Passed|Failed)!' "$logs/seed-$seed.log" | tail -n 1)
    if [ "$(cat "$logs/seed-$seed.rc" 2> /dev/null)" = 0 ]; then
        passed=$((passed + 1))
        echo "seed $seed: ${summary:-passed}"
    else
        failed=$((failed + 1))
        echo "seed $seed FAILED: ${summary:-no summary (build missing or the test host crashed)}"
        grep -E '^\s+Failed |Error Message' -A3 "$logs/seed-$seed.log" | grep -vE '^\s+at ' | head -n 40 | sed 's/^/    /'
        echo "    replay: NURSERY_SCHEDULE_SEED=$seed dotnet test Nursery.Tests --filter \"$filter\""
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
