#!/usr/bin/env bash
# Installs what the tests need when it is missing (JDK 17, Maven, and the real peers the tests start:
# HAProxy, Alertmanager, Prometheus, nats-server, PostgreSQL, NGINX, Caddy, headless Chromium and chromedriver for the status page,
# curl and procps for the exec actuator's test script, systemd-analyze for the unit's hardening check —
# all Debian packages),
# then runs every test. Usage: infra/test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")/.."

# binary:package pairs; a binary found on PATH or in sbin needs nothing.
peers=(
  java:openjdk-17-jdk-headless
  mvn:maven
  haproxy:haproxy
  prometheus-alertmanager:prometheus-alertmanager
  amtool:prometheus-alertmanager
  prometheus:prometheus
  promtool:prometheus
  nats-server:nats-server
  nginx:nginx-light
  caddy:caddy
  chromium:chromium
  chromedriver:chromium-driver
  curl:curl
  setsid:util-linux
  kill:procps
  systemd-analyze:systemd
  psql:postgresql-client
  runuser:util-linux
)
missing=()
for pair in "${peers[@]}"; do
  bin=${pair%%:*}; pkg=${pair#*:}
  # type -P finds files only: `kill` must be the procps binary, not the shell builtin
  if ! type -P "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ] && [ ! -x "/usr/bin/$bin" ] && [ ! -x "/bin/$bin" ]; then
    missing+=("$pkg")
  fi
done
# Debian keeps the PostgreSQL server binaries off PATH; the tests start their own clusters with them.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing test peers: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

exec mvn -B -ntp verify "$@"
