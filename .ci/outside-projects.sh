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
# Read, then gone: the Spring Boot project's tests inherit this environment, and the starter refuses to start on a
# TOKENGATE_* variable that is not a tokengate property ("Property 'tokengate.m2' ... is not a tokengate property").
unset TOKENGATE_M2 TOKENGATE_OFFLINE

# Each shipped module installs on its own, as README's Installation section says: first the BOM and the filter (with
# what they need: the parent and, for the filter's tests, the test kit), then the starter and the Spring test kit.
mvn -B -q $offline -Dmaven.repo.local="$repo" install -DskipTests -pl bom,filter -am
mvn -B -q $offline -Dmaven.repo.local="$repo" install -DskipTests -pl spring-adapter,test-kit-spring -am
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
for artifact in tokengate-filter tokengate-spring-boot-starter tokengate-test tokengate-test-spring; do
  for classifier in "" -sources -javadoc; do
    jar="$repo/dev/tokengate/$artifact/$version/$artifact-$version$classifier.jar"
    test -s "$jar" || { echo "not installed: $jar"; exit 1; }
  done
done
test -s "$repo/dev/tokengate/tokengate-bom/$version/tokengate-bom-$version.pom"
echo "installed: the BOM, and 4 artifacts each with its sources and Javadoc jars"

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

# Spring Boot's dependency management says Caffeine 3.2.x; the user's Spring Boot app, which imports tokengate-bom
# first as README shows, must get the Caffeine tokengate is built and tested with.
tested_caffeine="$(sed -n 's:.*<caffeine.version>\(.*\)</caffeine.version>.*:\1:p' pom.xml)"
resolved_caffeine="$(cd "$work/spring-app" && mvn -B $offline -Dmaven.repo.local="$repo" \
  org.apache.maven.plugins:maven-dependency-plugin:3.9.0:list -DincludeArtifactIds=caffeine -DoutputAbsoluteArtifactFilename=false \
  | sed -n 's/.*com.github.ben-manes.caffeine:caffeine:jar:\([^:]*\):.*/\1/p' | head -1)"
if [ "$resolved_caffeine" != "$tested_caffeine" ]; then
  echo "spring-app resolves Caffeine '$resolved_caffeine', tokengate is tested with $tested_caffeine"; exit 1
fi
echo "spring-app resolves Caffeine $resolved_caffeine, the version tokengate is tested with"
echo "outside projects built and tested against $repo"
