#!/usr/bin/env bash
# Whole-process benchmarks of podsec against the parse-only floor, with the
# performance targets checked (docs/performance.md). Reads only files of
# this repository: the inputs are built from tests/corpus under
# target/bench-data. Usage: bench/run.sh [RUNS] (default 5; median kept).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin podsec --example floor
exec python3 bench/run.py "${1:-5}"
