#!/usr/bin/env bash
# Builds README's "Testing your API" projects the way a user would: outside the reactor, every file taken from
# README.md, depending on tokengate as installed. The install goes to a private local repository (never ~/.m2, which
# other builds on this machine resolve SNAPSHOTs from), seeded from ~/.m2 so that it can run offline.
#   TOKENGATE_M2=/tmp/some-repo .ci/outside-projects.sh     # reuse or choose the private repository
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repo="${TOKENGATE_M2:-$work/m2}"
if [ ! -d "$repo" ]; then
  cp -r "$HOME/.m2/repository" "$repo"
fi
offline="${TOKENGATE_OFFLINE:--o}"   # TOKENGATE_OFFLINE= (empty) to let Maven download what the seed lacks

mvn -B -q $offline -Dmaven.repo.local="$repo" install -DskipTests -pl test-kit-spring,spring-adapter -am

# Each README block after <!-- file: test-kit-examples/<app>/<path> --> becomes <work>/<app>/<path>;
# user-pom.xml is the project's pom.xml.
awk -v work="$work" '
  /^<!-- file: test-kit-examples\/[^ ]+ -->$/ {
    path = $3; sub(/^test-kit-examples\//, "", path); sub(/user-pom\.xml$/, "pom.xml", path)
    target = work "/" path; pending = 1; next
  }
  pending && /^```/ { pending = 0; inside = 1; dir = target; sub(/\/[^\/]+$/, "", dir)
                      system("mkdir -p \"" dir "\""); printf "" > target; next }
  inside && /^```$/ { inside = 0; close(target); next }
  inside { print >> target }
' README.md

for app in servlet-app spring-app; do
  echo "== $app: $(cd "$work/$app" && find . -type f | sort | tr '\n' ' ')"
  (cd "$work/$app" && mvn -B $offline -Dmaven.repo.local="$repo" verify) | grep -E "Tests run:|BUILD|ERROR" || true
  (cd "$work/$app" && test -d target/surefire-reports && ! grep -l "<failure\|<error" target/surefire-reports/*.xml)
done
echo "outside projects built and tested against $repo"
