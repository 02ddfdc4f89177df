#!/usr/bin/env bash
# End-to-end cost of DPoP (RFC 9449) on loopback: wrk against Jetty with the tokengate filter (dpop-mode allowed),
# a cached Bearer token against the same cached token DPoP-bound with a fresh proof per request. Writes
# benchmarks/target/e2e-dpop.md, which run.sh puts into BENCHMARKS.md's DPoP section.
#
# wrk cannot sign a proof per request, and the filter accepts each proof once, so DpopEndToEndServer signs them in
# advance (ES256, each its own jti) and benchmarks/dpop-proofs.lua hands each request the next unused one. Should a
# run outrun them, the replays are refused and counted in the "errors" column: raise E2E_DPOP_PROOFS.
#
# Usage: benchmarks/e2e-dpop.sh   (E2E_SECONDS=10 E2E_WARMUP=5 E2E_CONNECTIONS=32 E2E_DPOP_PROOFS=150000;
#        E2E_JAVA=/path/to/java)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${E2E_SECONDS:-10}
WARMUP=${E2E_WARMUP:-5}
CONNECTIONS=${E2E_CONNECTIONS:-32}
PROOFS=${E2E_DPOP_PROOFS:-150000}
WRK_THREADS=2
JAVA=${E2E_JAVA:-java}
OUT=benchmarks/target/e2e-dpop
MD=benchmarks/target/e2e-dpop.md
JAR=benchmarks/target/benchmarks.jar
FIXTURE=$PWD/benchmarks/target/bench-fixture.properties
mkdir -p "$OUT"

for tool in wrk curl; do
  command -v $tool >/dev/null 2>&1 || { echo "$tool is needed (benchmarks/e2e.sh installs it)"; exit 1; }
done
if [ ! -f "$JAR" ]; then
  mvn -B -q -pl benchmarks -am package -DskipTests
fi

rm -f "$OUT/port"
"$JAVA" -Xms512m -Xmx512m -Dbench.tokengate.fixture="$FIXTURE" -Dbench.dpop.proofs="$PROOFS" -cp "$JAR" \
  dev.tokengate.benchmarks.DpopEndToEndServer "$OUT" > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT

# Signing the proofs takes a while; the port is written once they are ready.
for _ in $(seq 1 600); do
  if [ -s "$OUT/port" ]; then break; fi
  if ! kill -0 $SERVER 2>/dev/null; then echo "the server died:"; cat "$OUT/server.log"; exit 1; fi
  sleep 0.5
done
PORT=$(cat "$OUT/port")
URL=http://127.0.0.1:$PORT/gated/hello
TOKEN=$(cat "$OUT/token.txt")
DPOP_TOKEN=$(cat "$OUT/dpop-token.txt")
CHECK_PROOF=$(sed -n 1p "$OUT/check-proofs.txt")

status() { curl -s -o /dev/null -w '%{http_code}' "$@" "$URL"; }
# The Bearer token passes; the bound token passes once with a proof, not with the same proof again, not as Bearer.
[ "$(status -H "Authorization: Bearer $TOKEN")" = 200 ]
[ "$(status -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $CHECK_PROOF")" = 200 ]
[ "$(status -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $CHECK_PROOF")" = 401 ]
[ "$(status -H "Authorization: Bearer $DPOP_TOKEN")" = 401 ]

run() { # name, then wrk arguments
  local name=$1; shift
  timeout $((SECONDS_PER_RUN + 120)) wrk -t$WRK_THREADS -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" \
    > "$OUT/$name.txt"
}
dpop() { # name, proof file
  run "$1" -s benchmarks/dpop-proofs.lua "$URL" -- "$OUT/dpop-token.txt" "$2" "$WRK_THREADS"
}

echo "Warming up..."
timeout 60 wrk -t$WRK_THREADS -c"$CONNECTIONS" -d"${WARMUP}s" -H "Authorization: Bearer $TOKEN" "$URL" > /dev/null
timeout 120 wrk -t$WRK_THREADS -c"$CONNECTIONS" -d"${WARMUP}s" -s benchmarks/dpop-proofs.lua "$URL" -- \
  "$OUT/dpop-token.txt" "$OUT/proofs-warmup.txt" "$WRK_THREADS" > /dev/null

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Bearer, one cached token..."; run bearer-1 -H "Authorization: Bearer $TOKEN" "$URL"
echo "DPoP, the cached bound token and a fresh proof per request..."; dpop dpop "$OUT/proofs.txt"
echo "Bearer again..."; run bearer-2 -H "Authorization: Bearer $TOKEN" "$URL"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

rps() { awk '/^Requests\/sec:/ {print $2}' "$OUT/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p {print $2}' "$OUT/$1.txt"; }
requests() { awk '/requests in/ {print $1}' "$OUT/$1.txt"; }
errors() { awk '/Non-2xx or 3xx responses:/ {n=$5} /Socket errors:/ {s=$0} END {print (n ? n " non-2xx" : "none") (s ? "; " s : "")}' "$OUT/$1.txt"; }

{
  echo "### DPoP end to end (wrk on loopback)"
  echo
  echo "\`benchmarks/e2e-dpop.sh\`: Jetty 12 with the filter (\`dpop-mode\` allowed, in-process replay store) and wrk" \
    "($WRK_THREADS threads, $CONNECTIONS connections, ${SECONDS_PER_RUN} s per run after ${WARMUP} s warm-ups) on the same" \
    "machine. The DPoP run sends one cached bound token and, per request, the next of $PROOFS ES256 proofs" \
    "pre-signed with unique \`jti\` (wrk cannot sign; \`benchmarks/dpop-proofs.lua\`); a run that used them all" \
    "would show replays refused as errors. Load average (1, 5, 15 min) at start $LOAD_START, at end $LOAD_END." \
    "The raw wrk output is in \`$OUT/\`."
  echo
  echo "| run | requests/s | requests | p50 | p90 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|"
  for r in bearer-1 dpop bearer-2; do
    case $r in
      bearer-1) label="Bearer, one cached token" ;;
      dpop) label="DPoP, the cached bound token and a fresh ES256 proof per request" ;;
      bearer-2) label="Bearer again" ;;
    esac
    echo "| $label | $(rps $r) | $(requests $r) | $(pct $r 50) | $(pct $r 90) | $(pct $r 99) | $(errors $r) |"
  done
  echo
  echo "DPoP requests run at $(awk -v d="$(rps dpop)" -v a="$(rps bearer-1)" -v b="$(rps bearer-2)" \
    'BEGIN {printf "%.0f", d / ((a + b) / 2) * 100}') % of the Bearer rate (the mean of the two Bearer runs around it)."
} > "$MD"
cat "$MD"
