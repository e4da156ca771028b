#!/usr/bin/env bash
# Class-data sharing for a faster start (docs/configuration.md, "Start-up"): writes an AppCDS archive of
# the classes one start of the daemon loads, so that later starts map them ready-made instead of reading,
# verifying and linking them from the jar. The daemon then starts with
#   java @jvm.options -XX:SharedArchiveFile=ARCHIVE -jar JAR run ...
# and falls back to loading from the jar, silently, when the archive is missing or was made for another
# jar or JVM (-Xshare:auto, the default; jvm.options turns the CDS warnings off).
#
# Usage: cds-archive.sh JAR ARCHIVE [JVM-OPTIONS-FILE]
# Does nothing while ARCHIVE is newer than both JAR and the JVM. Otherwise trains: starts the daemon
# once on built-in dry-run rules (loopback, a free port, a scratch data dir; no load balancer is
# touched), asks it for its status page, API and metrics, stops it, and the JVM writes the archive at
# exit (-XX:ArchiveClassesAtExit). Takes a few seconds. Never fails its caller: without an archive the
# daemon starts as before, only slower.
# Callers: infra/run.sh (next to the built jar), the systemd unit's ExecStartPre (in the state
# directory), the Dockerfile (at image build).
set -u
jar=${1:?usage: cds-archive.sh JAR ARCHIVE [JVM-OPTIONS-FILE]}
archive=${2:?usage: cds-archive.sh JAR ARCHIVE [JVM-OPTIONS-FILE]}
opts=${3:-}
java_bin=$(readlink -f "$(command -v java)") || exit 0
libjvm=$(dirname "$(dirname "$java_bin")")/lib/server/libjvm.so
[ -f "$libjvm" ] || libjvm=$java_bin
if [ -s "$archive" ] && [ "$archive" -nt "$jar" ] && [ "$archive" -nt "$libjvm" ]; then
  exit 0
fi
tmp=$(mktemp -d) || exit 0
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
# What a start loads: the YAML and PromQL parsers, every trigger kind, the HAProxy backend with its
# stats poller, the window stage and the HTTP API. dry_run and an address nobody listens on: nothing
# is actuated, and readiness does not wait for the backend.
cat > "$tmp/rules.yaml" <<'RULES'
services:
  - name: training
    backend: {type: haproxy, address: 127.0.0.1:1, backend: be, stable: [stable1], canary: [canary1],
              stats_poll: 250ms, timeout: 1s}
    triggers:
      - name: error-rate
        expr: sum(rate(http_requests_total{service="training",code=~"5.."}[1m]))
              / sum(rate(http_requests_total{service="training"}[1m])) > 0.02
        for: 120s
        requires: sum(increase(http_requests_total{service="training"}[1m])) >= 20
      - name: p95
        expr: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="training"}[5m]))) > 1.0
        for: 300s
      - name: health
        probe: {url: "http://127.0.0.1:1/health", interval: 2s, timeout: 1s}
        consecutive_failures: 3
      - name: paged
        alert: '{alertname=~"Training.*", severity="critical"}'
    on_trigger: rollback
    dry_run: true
    cooldown: 10m
RULES
java ${opts:+"@$opts"} -XX:ArchiveClassesAtExit="$tmp/archive.jsa" -Xlog:cds*=off -Xlog:cds+dynamic=off \
    -jar "$jar" run --config "$tmp/rules.yaml" --data-dir "$tmp/data" --listen 127.0.0.1:0 > "$tmp/log" 2>&1 &
pid=$!
port=
for _ in $(seq 600); do
  port=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -n "$port" ]; then
  for path in /-/ready /-/healthy / /api/v1/services /api/v1/services/training /api/v1/decisions /metrics; do
    if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
      printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
      cat <&3 >/dev/null
      exec 3<&-
    fi
  done
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
if [ -s "$tmp/archive.jsa" ]; then
  mkdir -p "$(dirname "$archive")" && cp "$tmp/archive.jsa" "$archive.tmp" && mv -f "$archive.tmp" "$archive" \
    && echo "class-data sharing archive written: $archive" >&2
else
  echo "no class-data sharing archive (the daemon starts without one): $(tail -n 3 "$tmp/log")" >&2
fi
exit 0
