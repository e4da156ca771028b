#!/usr/bin/env bash
# Runs one benchmark harness (a main class in daemon/src/test/java/dev/releasepilot/bench) against
# real peers on loopback. Usage: k6/bench.sh ReactionBench [args...]
# BENCH_JVM_OPTS sets the options of the benchmark's own JVM, e.g. BENCH_JVM_OPTS=@infra/jvm.options to
# run an in-process daemon with the options it ships with.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: k6/bench.sh <BenchClass> [args...]}; shift
mvn -B -ntp -q -pl daemon -am -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
cp="daemon/target/test-classes:daemon/target/classes:$(cat daemon/target/bench.classpath)"
exec java ${BENCH_JVM_OPTS:-} -cp "$cp" "dev.releasepilot.bench.$name" "$@"
