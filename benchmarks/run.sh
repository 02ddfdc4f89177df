#!/usr/bin/env bash
# Builds the benchmarks, runs the end-to-end script (unless --no-e2e) and the full JMH run, and writes
# BENCHMARKS.md at the repository root. Takes about 20 minutes on 2 cores. Loopback only.
#
# Usage: benchmarks/run.sh [--no-e2e]
# JMH settings: -Dbench.forks, -Dbench.warmups, -Dbench.iterations, -Dbench.seconds via BENCH_OPTS, e.g.
#   BENCH_OPTS="-Dbench.iterations=10" benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "Machine load before the run: $(uptime)"
mvn -B -q -pl benchmarks -am package -DskipTests

if [ "${1:-}" = "--no-e2e" ]; then
  rm -f benchmarks/target/e2e.md
else
  benchmarks/e2e.sh
fi

# shellcheck disable=SC2086
java ${BENCH_OPTS:-} -Dtokengate.bench.fixture="$PWD/benchmarks/target/bench-fixture.properties" \
  -Dbench.output=BENCHMARKS.md -Dbench.e2e=benchmarks/target/e2e.md -Dbench.raw=benchmarks/target \
  -jar benchmarks/target/benchmarks.jar
echo "Machine load after the run: $(uptime)"
