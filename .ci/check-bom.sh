#!/usr/bin/env bash
# tokengate-bom has no parent (a BOM must not hand users the parent's imports), so it cannot read the parent's
# version properties: this fails when the BOM's pinned versions or its own version drift from the parent pom.
set -euo pipefail
cd "$(dirname "$0")/.."

prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" pom.xml | head -1; }
managed() { # the <version> following <artifactId>$1</artifactId> in bom/pom.xml
  awk -v a="<artifactId>$1</artifactId>" 'index($0, a) { found = 1; next }
       found && /<version>/ { sub(/.*<version>/, ""); sub(/<\/version>.*/, ""); print; exit }' bom/pom.xml
}
project_version() { awk '/<parent>/ { p = 1 } /<\/parent>/ { p = 0; next } !p && /<version>/ {
  sub(/.*<version>/, ""); sub(/<\/version>.*/, ""); print; exit }' "$1"; }

status=0
check() {
  if [ "$2" != "$3" ]; then echo "bom/pom.xml: $1 is '$2', the parent pom says '$3'"; status=1; fi
}
check "caffeine" "$(managed caffeine)" "$(prop caffeine.version)"
check "nimbus-jose-jwt" "$(managed nimbus-jose-jwt)" "$(prop nimbus-jose-jwt.version)"
check "the BOM's version" "$(project_version bom/pom.xml)" "$(project_version pom.xml)"
check "project.build.outputTimestamp" "$(sed -n 's:.*<project.build.outputTimestamp>\(.*\)</project.build.outputTimestamp>.*:\1:p' bom/pom.xml)" "$(prop project.build.outputTimestamp)"
[ "$status" = 0 ] && echo "tokengate-bom agrees with the parent pom"
exit "$status"
