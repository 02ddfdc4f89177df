#!/usr/bin/env bash
# Declares the current public API as the baseline the build's API check (japicmp, `mvn verify`) compares with.
# Run it only in a commit that means to change the API incompatibly, and say so in that commit and in CHANGELOG.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# The modules whose public API is checked (each lists japicmp-maven-plugin in its pom), as directory:artifactId.
modules="filter:tokengate-filter spring-adapter:tokengate-spring-boot-starter test-kit:tokengate-test
  test-kit-spring:tokengate-test-spring"
dirs="$(for m in $modules; do printf '%s,' "${m%%:*}"; done)"
mvn -B -q "$@" -pl "${dirs%,}" -am package -DskipTests -Djapicmp.skip=true -Dshipping.skip=true
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
for m in $modules; do
  cp "${m%%:*}/target/${m#*:}-$version.jar" "api-baseline/${m#*:}.jar"
done
echo "api-baseline/ now holds the API of $(git describe --always --dirty)"
