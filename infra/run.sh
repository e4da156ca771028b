#!/usr/bin/env bash
# Builds the fat jar (installing JDK 17 and Maven from Debian packages when missing) and runs the
# daemon on the embedded default: the example rules, a file journal in ./data, 127.0.0.1:9095.
# Extra arguments go to `release-pilot run` (e.g. --listen 0.0.0.0:9095 --admin-token-file FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mvn -B -ntp -q -DskipTests package
exec java @infra/jvm.options -jar daemon/target/release-pilot.jar run --config rules/example.yaml --data-dir data "$@"
