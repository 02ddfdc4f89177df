#!/usr/bin/env bash
# Builds the benchmarks, runs the end-to-end scripts (e2e.sh, plain Jetty, and e2e-spring.sh, the Spring Boot
# comparison; unless --no-e2e) and the full JMH run, and writes BENCHMARKS.md at the repository root. Takes about
# 22 minutes on 2 cores. Loopback only.
#
# Usage: benchmarks/run.sh [--no-e2e | --reuse-e2e]   (--reuse-e2e keeps the last results of both scripts)
# JMH settings: -Dbench.forks, -Dbench.warmups, -Dbench.iterations, -Dbench.seconds via BENCH_OPTS, e.g.
#   BENCH_OPTS="-Dbench.iterations=10" benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "Machine load before the run: $(uptime)"
mvn -B -q -pl benchmarks -am package -DskipTests

case "${1:-}" in
  --no-e2e) rm -f benchmarks/target/e2e.md benchmarks/target/e2e-spring.md benchmarks/target/e2e-spring-security.md ;;
  --reuse-e2e) test -f benchmarks/target/e2e.md || { echo "no earlier benchmarks/e2e.sh result to reuse"; exit 1; } ;;
  *) benchmarks/e2e.sh; benchmarks/e2e-spring.sh; benchmarks/e2e-spring-security.sh ;;
esac

# shellcheck disable=SC2086
java ${BENCH_OPTS:-} -Dbench.tokengate.fixture="$PWD/benchmarks/target/bench-fixture.properties" \
  -Dbench.output=BENCHMARKS.md -Dbench.e2e=benchmarks/target/e2e.md \
  -Dbench.e2e.spring=benchmarks/target/e2e-spring.md -Dbench.raw=benchmarks/target \
  -jar benchmarks/target/benchmarks.jar
echo "Machine load after the run: $(uptime)"
