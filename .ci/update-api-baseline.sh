#!/usr/bin/env bash
# Declares the current public API as the baseline the build's API check (japicmp, `mvn verify`) compares with.
# Run it only in a commit that means to change the API incompatibly, and say so in that commit and in CHANGELOG.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q "$@" -pl filter,spring-adapter -am package -DskipTests -Djapicmp.skip=true -Dshipping.skip=true
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
cp "filter/target/tokengate-filter-$version.jar" api-baseline/tokengate-filter.jar
cp "spring-adapter/target/tokengate-spring-boot-starter-$version.jar" api-baseline/tokengate-spring-boot-starter.jar
echo "api-baseline/ now holds the API of $(git describe --always --dirty)"
