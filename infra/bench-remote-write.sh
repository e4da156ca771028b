#!/usr/bin/env bash
# remote_write ingest benchmark: our receiver vs Prometheus' own remote-write receiver, same payloads,
# same client, one run. Needs the prometheus binary (infra/test.sh installs it). Results and the
# reference numbers are in docs/benchmarks.md. Usage: infra/bench-remote-write.sh [--series=10000,100000]
#   [--timed-samples=2000000] [--warmup-samples=500000] [--connections=8] [--event-loops=2]
#   [--server-jvm-opts="-Xms32m -Xmx512m -XX:+UseSerialGC"]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl daemon test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="daemon/target/test-classes:daemon/target/classes:$(cat daemon/target/bench.classpath)"
exec java -Xmx3g -cp "$cp" dev.releasepilot.bench.RemoteWriteBench "$@"
