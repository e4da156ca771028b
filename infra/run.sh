#!/usr/bin/env bash
# First run: builds the fat jar and brings the embedded default up as a working whole on loopback:
# the daemon on the example rules (rules/example.yaml) with its file journal in ./data, a real HAProxy
# (infra/haproxy/demo.cfg) in front of a stable and a canary upstream, and a small traffic generator.
# It prints the status page's URL and a one-line way to break the canary; Ctrl-C stops everything.
# Installs what is missing from Debian packages (JDK 17, Maven, HAProxy, curl, python3).
#
# For a real deployment run the daemon alone:
#   infra/run.sh --daemon-only [run flags, e.g. --config FILE --listen 0.0.0.0:9095 --admin-token-file F]
set -euo pipefail
cd "$(dirname "$0")/.."
daemon_only=false
if [ "${1:-}" = "--daemon-only" ]; then daemon_only=true; shift; fi

need=(java:openjdk-17-jdk-headless mvn:maven)
$daemon_only || need+=(haproxy:haproxy curl:curl python3:python3-minimal)
missing=()
for pair in "${need[@]}"; do
  bin=${pair%%:*}
  type -P "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mvn -B -ntp -q -Dstyle.color=never -DskipTests package
jar=daemon/target/release-pilot.jar
# Class-data sharing archive beside the jar, trained again only when the jar or the JVM changed.
infra/cds-archive.sh "$jar" daemon/target/release-pilot.jsa infra/jvm.options
cds=-XX:SharedArchiveFile=daemon/target/release-pilot.jsa
export MALLOC_ARENA_MAX=2   # as the systemd unit and the image: glibc's 8 arenas per core only add resident memory

if $daemon_only; then
  exec java @infra/jvm.options "$cds" -jar "$jar" run "$@"   # defaults: --config rules/example.yaml --data-dir data
fi

haproxy=$(type -P haproxy || echo /usr/sbin/haproxy)
for port in 8080 8081 8082 9095 9999; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port on 127.0.0.1 is taken; the first run needs 8080-8082, 9095 and 9999 free" >&2
    exit 1
  fi
done
work=data/first-run
mkdir -p "$work"
rm -f "$work"/*.broken
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

python3 infra/demo/upstream.py 8082 stable "$work" & pids+=($!)
python3 infra/demo/upstream.py 8081 canary "$work" & pids+=($!)
"$haproxy" -db -f infra/haproxy/demo.cfg > "$work/haproxy.log" 2>&1 & pids+=($!)
[ -f "$work/admin.token" ] || { head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$work/admin.token"; chmod 600 "$work/admin.token"; }
java @infra/jvm.options "$cds" -jar "$jar" run --config rules/example.yaml --data-dir data \
    --admin-token-file "$work/admin.token" > "$work/release-pilot.log" 2>&1 & pids+=($!)
for _ in $(seq 150); do curl -fs http://127.0.0.1:9095/-/ready >/dev/null && break; sleep 0.1; done
curl -fs http://127.0.0.1:9095/-/ready >/dev/null || { echo "the daemon did not start; see $work/release-pilot.log" >&2; exit 1; }
python3 infra/demo/traffic.py http://127.0.0.1:8080/ 40 > "$work/traffic.log" 2>&1 & pids+=($!)

cat <<MSG

Release Pilot is up on loopback (logs in $work/):
  status page      http://127.0.0.1:9095/
  the service      java -jar $jar status checkout
  traffic          40 requests/s through HAProxy on 127.0.0.1:8080 (stable1 weight 100, canary1 weight 10)

Break the canary and watch the rollback (HAProxy's counters see it within a second or two):
  touch $work/canary.broken; sleep 3; java -jar $jar status checkout; java -jar $jar decisions checkout

Put it back: rm $work/canary.broken, then resume (the admin token is in $work/admin.token):
  RELEASE_PILOT_TOKEN=\$(cat $work/admin.token) java -jar $jar resume checkout

Ctrl-C stops everything.
MSG
wait
