#!/usr/bin/env bash
# The whole CI run, N times in a row on fresh clones, with two CPU-bound processes beside it:
#   bash bench/ci_under_load.sh 5
# Prints each run's result and ends with one JSON line: {"runs", "passed", "seconds": [...]}.
set -uo pipefail
runs=${1:-5}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
clone="$repo/../ci-load-check"
commit=$(git -C "$repo" rev-parse HEAD)  # every run tests the commit the script started on
python3 -c "while True: pass" & hog1=$!
python3 -c "while True: pass" & hog2=$!
trap 'kill $hog1 $hog2 2>/dev/null' EXIT
passed=0; times=()
for i in $(seq 1 "$runs"); do
  rm -rf "$clone" && git clone -q "$repo" "$clone" && git -C "$clone" checkout -q "$commit"
  start=$(date +%s)
  if (cd "$clone" && bash .ci/run) >"/tmp/ci-under-load-$i.log" 2>&1; then
    passed=$((passed + 1)); status=passed
  else
    status="FAILED (log: /tmp/ci-under-load-$i.log)"
  fi
  took=$(( $(date +%s) - start )); times+=("$took")
  echo "run $i/$runs: $status in ${took}s: $(grep -E '[0-9]+ (passed|failed)' "/tmp/ci-under-load-$i.log" | tail -1)" >&2
done
rm -rf "$clone"
echo "{\"commit\": \"${commit:0:10}\", \"runs\": $runs, \"passed\": $passed, \"load\": \"2 busy processes\", \"seconds\": [$(IFS=,; echo "${times[*]}")]}"
