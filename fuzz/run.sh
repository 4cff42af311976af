#!/usr/bin/env bash
# Runs one fuzz target for a number of seconds: fuzz/run.sh TARGET SECONDS [JOBS]
# Targets: loader, rules, dockerfile, fixer. Needs the nightly toolchain and
# cargo-fuzz (`cargo install cargo-fuzz`). Seeds come from the test fixtures
# and the corpus in the repository; what the fuzzer learns stays in
# fuzz/corpus/TARGET (not committed), crashes go to fuzz/artifacts/TARGET.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET SECONDS [JOBS]}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS [JOBS]}
jobs=${3:-1}
root=..
seeds=corpus/$target
mkdir -p "$seeds" "artifacts/$target"
if [ -z "$(ls -A "$seeds")" ]; then
  case $target in
    dockerfile)
      find "$root/tests/corpus/dockerfiles" "$root/examples" -type f \( -name 'Dockerfile*' -o -name '*.Dockerfile' \) -print0 |
        xargs -0 -I{} sh -c 'cp "{}" "$0/$(printf %s "{}" | md5sum | cut -c1-16)"' "$seeds" ;;
    *)
      find "$root/tests/fixtures" "$root/examples" "$root/tests/corpus/k8s" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -size -64k -print0 |
        xargs -0 -I{} sh -c 'cp "{}" "$0/$(printf %s "{}" | md5sum | cut -c1-16)"' "$seeds" ;;
  esac
fi
# Fork mode keeps going after a finding and records each one; -rss_limit_mb
# and -malloc_limit_mb make an over-budget allocation a finding, -timeout a
# hang.
exec cargo +nightly fuzz run "$target" "$seeds" -- \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -max_len=65536 -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -artifact_prefix="artifacts/$target/"
