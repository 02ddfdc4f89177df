#!/usr/bin/env bash
# The same Spring Boot endpoint (embedded Tomcat, GET /hello) protected by the tokengate starter and by Spring
# Security's resource server (oauth2ResourceServer(jwt), NimbusJwtDecoder with issuer and audience validators), with
# wrk on loopback: one repeated token, then 10,000 distinct tokens in rotation. Each server runs alone, one after the
# other, on the same keys and tokens. Writes benchmarks/target/e2e-spring.md (included in BENCHMARKS.md by run.sh).
# Every wrk run is bounded in time and each server exits by itself after 5 minutes at most.
#
# Usage: benchmarks/e2e-spring.sh   (E2E_SECONDS=10 E2E_CONNECTIONS=32 E2E_WARMUP=45 to change the load)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${E2E_SECONDS:-10}
CONNECTIONS=${E2E_CONNECTIONS:-32}
# Spring MVC, Tomcat and Spring Security take far longer than plain Jetty to reach steady state under the JIT (wrk
# on the same 2 cores leaves the compiler threads little CPU): with 15 s of warm-up Spring's resource server ran at a
# third of its later rate, and it was still speeding up after 60 s.
WARMUP=${E2E_WARMUP:-45}
# Which protection runs first; E2E_MODES="spring-security tokengate" to check the order does not matter. Spring
# Security with tokengate's decoder (mode tokengate-decoder) is measured by e2e-spring-security.sh.
MODES=${E2E_MODES:-tokengate spring-security}
WRK_THREADS=2
OUT=benchmarks/target/e2e-spring
FIXTURE=$PWD/benchmarks/target/bench-fixture.properties
CLASSPATH_FILE=$PWD/benchmarks/target/spring-classpath.txt
mkdir -p "$OUT"
# Results of an earlier run (another mode list) must not reach this run's report.
rm -f "$OUT"/*-same.txt "$OUT"/*-distinct.txt

if ! command -v wrk >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  echo "Installing wrk and curl from the Debian packages..."
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk curl >/dev/null
fi
# Spring Boot reads its auto-configuration lists from each jar, which a shaded jar would merge away: run from the
# module's own classpath instead.
mvn -B -q -pl benchmarks -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile="$CLASSPATH_FILE" -Dmdep.includeScope=runtime
CP=benchmarks/target/classes:$(cat "$CLASSPATH_FILE")

SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null || true' EXIT

start() { # mode
  rm -f "$OUT/port"
  java -Xms512m -Xmx512m -Dbench.tokengate.fixture="$FIXTURE" -cp "$CP" dev.tokengate.benchmarks.SpringEndToEndServer \
    "$1" "$OUT" > "$OUT/server-$1.log" 2>&1 &
  SERVER=$!
  # Signing 10,000 tokens takes a while the first time; they are kept for an hour.
  for _ in $(seq 1 600); do
    if [ -s "$OUT/port" ]; then break; fi
    if ! kill -0 $SERVER 2>/dev/null; then echo "the server died:"; cat "$OUT/server-$1.log"; exit 1; fi
    sleep 0.5
  done
  BASE=http://127.0.0.1:$(cat "$OUT/port")
  TOKEN=$(cat "$OUT/token.txt")
}
stop() { kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check() { # the token passes; none, one with a signature character changed and a truncated one are refused
  local sig=${TOKEN##*.} changed=0
  if [ "${sig:9:1}" = 0 ]; then changed=1; fi
  [ "$(code -H "Authorization: Bearer $TOKEN" "$BASE/hello")" = 200 ]
  [ "$(code "$BASE/hello")" = 401 ]
  [ "$(code -H "Authorization: Bearer ${TOKEN%.*}.${sig:0:9}$changed${sig:10}" "$BASE/hello")" = 401 ]
  [ "$(code -H "Authorization: Bearer ${TOKEN%.*}" "$BASE/hello")" = 401 ]
}
run() { # name, then wrk arguments
  local name=$1; shift
  timeout $((SECONDS_PER_RUN + 60)) wrk -t$WRK_THREADS -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" \
    > "$OUT/$name.txt"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for mode in $MODES; do
  echo "Spring Boot hello behind $mode..."
  start $mode
  check
  # Warm-up: the repeated token only. A warm-up with another 10,000 tokens would leave them in tokengate's cache of
  # 10,000, where the measured set would then compete with them (cache thrashing, not a first walk), so tokengate's
  # full validations are compiled during the distinct run itself: that run includes their warm-up.
  timeout $((WARMUP + 60)) wrk -t$WRK_THREADS -c"$CONNECTIONS" -d"${WARMUP}s" -H "Authorization: Bearer $TOKEN" \
    "$BASE/hello" > /dev/null
  run $mode-same -H "Authorization: Bearer $TOKEN" "$BASE/hello"
  run $mode-distinct -s benchmarks/rotating-tokens.lua "$BASE/hello" -- "$OUT/tokens-a.txt"
  check
  stop
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

rps() { awk '/^Requests\/sec:/ {print $2}' "$OUT/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p {print $2}' "$OUT/$1.txt"; }
errors() { awk '/Non-2xx or 3xx responses:/ {n=$5} /Socket errors:/ {s=$0} END {print (n ? n " non-2xx" : "none") (s ? "; " s : "")}' "$OUT/$1.txt"; }
ratio() { awk -v a="$(rps "$1")" -v b="$(rps "$2")" 'BEGIN {printf "%.2f", a / b}'; }

{
  echo "### Spring Boot endpoint: tokengate vs Spring Security resource server"
  echo
  echo "\`benchmarks/e2e-spring.sh\`: one Spring Boot 4.1 application (\`SpringEndToEndServer\`, embedded Tomcat," \
    "\`@RestController\` GET /hello answering the caller's name), run twice, each time alone: once with the" \
    "tokengate starter (\`tokengate.issuer\`, \`tokengate.audiences\`, default settings), once with Spring Security's" \
    "resource server (\`oauth2ResourceServer(jwt)\`, stateless, \`NimbusJwtDecoder.withJwkSetUri\` with" \
    "\`JwtValidators.createDefaultWithIssuer\` plus an audience validator). Same JWKS on loopback, same RS256 tokens," \
    "server JVM \`-Xms512m -Xmx512m\`, wrk ($WRK_THREADS threads, $CONNECTIONS connections, ${SECONDS_PER_RUN} s per" \
    "run after a warm-up of $WARMUP s with the repeated token; the distinct run's set is unseen when it starts) on" \
    "the same 2 cores; order of the runs: $MODES. Load average (1, 5, 15 min) at start" \
    "$LOAD_START, at end $LOAD_END. Raw wrk output in \`benchmarks/target/e2e-spring/\`."
  echo
  echo "| run | requests/s | p50 | p75 | p90 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|"
  for r in tokengate-same tokengate-decoder-same spring-security-same tokengate-distinct tokengate-decoder-distinct spring-security-distinct; do
    [ -f "$OUT/$r.txt" ] || continue
    case $r in
      tokengate-decoder-same) label="Spring Security resource server with tokengate's JwtDecoder, one repeated token" ;;
      tokengate-decoder-distinct) label="Spring Security resource server with tokengate's JwtDecoder, 10,000 distinct tokens in rotation" ;;
      tokengate-same) label="tokengate starter, one repeated token" ;;
      spring-security-same) label="Spring Security resource server, one repeated token" ;;
      tokengate-distinct) label="tokengate starter, 10,000 distinct tokens in rotation (first sight of each is a full validation)" ;;
      spring-security-distinct) label="Spring Security resource server, 10,000 distinct tokens in rotation" ;;
    esac
    echo "| $label | $(rps $r) | $(pct $r 50) | $(pct $r 75) | $(pct $r 90) | $(pct $r 99) | $(errors $r) |"
  done
  echo
  SAME=$(ratio tokengate-same spring-security-same); DISTINCT=$(ratio tokengate-distinct spring-security-distinct)
  TG_REQUESTS=$(awk '/ requests in / {print $1}' "$OUT/tokengate-distinct.txt")
  awk -v s="$SAME" -v d="$DISTINCT" -v n="$TG_REQUESTS" 'BEGIN {
    printf "Requests/s, tokengate / Spring Security: **%sx** with one repeated token, **%sx** with 10,000 distinct tokens (target: at least 1.5x: %s, %s). ", s, d, (s >= 1.5 ? "met" : "**not met**"), (d >= 1.5 ? "met" : "**not met**")
    printf "Spring Security verifies the signature on every request (NimbusJwtDecoder keeps no validated-token cache); tokengate verifies each distinct token once and then serves it from its cache of 10,000, so in the rotating run at most 10,000 of tokengate'"'"'s %d requests (%.0f %%) were full validations and the rest were cache hits.\n", n, (n > 0 ? 100 * (n < 10000 ? n : 10000) / n : 0) }'
  if [ -f "$OUT/tokengate-decoder-same.txt" ]; then
    echo
    awk -v s="$(ratio tokengate-decoder-same spring-security-same)" -v d="$(ratio tokengate-decoder-distinct spring-security-distinct)" 'BEGIN {
      printf "Requests/s, Spring Security with the tokengate starter (its JwtDecoder and BearerTokenResolver) / with NimbusJwtDecoder (same `oauth2ResourceServer(jwt)`): **%sx** with one repeated token (target: at least 5x: %s), **%sx** with 10,000 distinct tokens (target: at least 1.5x: %s).\n", s, (s >= 5 ? "met" : "**not met**"), d, (d >= 1.5 ? "met" : "**not met**") }'
  fi
} > benchmarks/target/e2e-spring.md
cat benchmarks/target/e2e-spring.md
