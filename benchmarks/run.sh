#!/usr/bin/env bash
# Builds the benchmarks, runs the end-to-end scripts (unless --no-e2e): e2e.sh (plain Jetty) on every JDK measured,
# e2e-spring.sh (the Spring Boot comparison) and e2e-dpop.sh (DPoP against Bearer) on the first; then the JMH run on every JDK and the cache-memory
# measurement, and writes one BENCHMARKS.md at the repository root with every JDK's figures and issue 14's targets.
# BenchmarkMain also runs IntrospectionBenchmarks (issue 17, opaque tokens) on the first JDK and appends its rows.
# Takes about 45 minutes for two JDKs on 2 cores (the Spring scripts' long warm-ups are most of it). Loopback only.
#
# Usage: benchmarks/run.sh [--no-e2e | --reuse-e2e]   (--reuse-e2e keeps the last results of both scripts)
# JDKs: BENCH_JDKS="17=/usr/lib/jvm/java-17-openjdk-amd64 25=/usr/lib/jvm/temurin-25-jdk-amd64" (the default: those
#   of the two that are installed; the first also runs the 2-thread rows and the Spring comparison).
# JMH settings: -Dbench.forks, -Dbench.warmups, -Dbench.iterations, -Dbench.seconds via BENCH_OPTS (default
#   "-Dbench.iterations=8"), e.g. BENCH_OPTS="-Dbench.iterations=10" benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BENCH_JDKS:-}" ]; then
  BENCH_JDKS=""
  for candidate in "17=/usr/lib/jvm/java-17-openjdk-amd64" "25=/usr/lib/jvm/temurin-25-jdk-amd64"; do
    if [ -x "${candidate#*=}/bin/java" ]; then BENCH_JDKS="$BENCH_JDKS $candidate"; fi
  done
fi
read -r -a JDKS <<< "$BENCH_JDKS"
if [ ${#JDKS[@]} -eq 0 ]; then echo "no JDK to measure: set BENCH_JDKS"; exit 1; fi
FIRST_HOME=${JDKS[0]#*=}

echo "Machine load before the run: $(uptime)"
echo "JDKs: ${JDKS[*]}"
mvn -B -q -pl benchmarks -am package -DskipTests

case "${1:-}" in
  --no-e2e) rm -f benchmarks/target/e2e-*.md benchmarks/target/e2e-*.properties ;;
  --reuse-e2e) ls benchmarks/target/e2e-*.md >/dev/null 2>&1 || { echo "no earlier end-to-end result to reuse"; exit 1; } ;;
  *)
    rm -f benchmarks/target/e2e-*.md benchmarks/target/e2e-*.properties
    for jdk in "${JDKS[@]}"; do
      E2E_LABEL=${jdk%%=*} E2E_JAVA=${jdk#*=}/bin/java benchmarks/e2e.sh
    done
    PATH="$FIRST_HOME/bin:$PATH" benchmarks/e2e-spring.sh
    PATH="$FIRST_HOME/bin:$PATH" benchmarks/e2e-spring-security.sh
    E2E_JAVA=$FIRST_HOME/bin/java benchmarks/e2e-dpop.sh
    ;;
esac

# A cool-down between the wrk scripts and JMH: a server or wrk still exiting, or the kernel's socket clean-up, must
# not fall into the first JMH iterations (the load average is printed in BENCHMARKS.md either way).
for _ in $(seq 1 24); do
  if awk '{exit !($1 < 1.0)}' /proc/loadavg; then break; fi
  sleep 5
done
echo "Load before JMH: $(cut -d' ' -f1-3 /proc/loadavg)"
JDK_LIST=$(IFS=,; echo "${JDKS[*]}")
# 8 measured iterations instead of JMH's 5 here: on this 2-core machine the errors of 5 were ±15-30 %. (Setting
# BENCH_OPTS replaces this default: add -Dbench.iterations=8 to it to keep it.)
# shellcheck disable=SC2086
"$FIRST_HOME/bin/java" ${BENCH_OPTS:--Dbench.iterations=8} -Dbench.jdks="$JDK_LIST" \
  -Dbench.tokengate.fixture="$PWD/benchmarks/target/bench-fixture.properties" \
  -Dbench.output=BENCHMARKS.md -Dbench.e2e.dir=benchmarks/target -Dbench.raw=benchmarks/target \
  -jar benchmarks/target/benchmarks.jar
echo "Machine load after the run: $(uptime)"
