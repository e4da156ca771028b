#!/usr/bin/env bash
# Five-minute demo: HAProxy with a stable and a canary server, Alertmanager routing to Release Pilot,
# one critical alert, the canary drained. Everything on loopback; Ctrl-C stops it all.
# Needs: haproxy, prometheus-alertmanager (amtool), curl, python3, a built jar (infra/run.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

[ -f daemon/target/release-pilot.jar ] || mvn -B -ntp -q -DskipTests package

echo "== upstreams: stable on 127.0.0.1:8081, canary on 127.0.0.1:8082 (both answer /health)"
for port in 8081 8082; do
  mkdir -p "$work/www$port" && echo ok > "$work/www$port/health"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www$port" > "$work/up$port.log" 2>&1 & pids+=($!)
done

echo "== HAProxy: be_checkout = stable1 (weight 100) + canary1 (weight 10), runtime API on 127.0.0.1:9999"
haproxy -db -f infra/haproxy/demo.cfg > "$work/haproxy.log" 2>&1 & pids+=($!)

echo "== Release Pilot on 127.0.0.1:9095 with rules/example.yaml, journal in $work/data"
echo demo-token > "$work/admin.token"
java @infra/jvm.options -jar daemon/target/release-pilot.jar run --config rules/example.yaml --data-dir "$work/data" \
     --admin-token-file "$work/admin.token" > "$work/release-pilot.log" 2>&1 & pids+=($!)

echo "== Alertmanager on 127.0.0.1:9093 with alerting/alertmanager.yml"
prometheus-alertmanager --config.file=alerting/alertmanager.yml --storage.path="$work/am" \
    --web.listen-address=127.0.0.1:9093 --cluster.listen-address= > "$work/am.log" 2>&1 & pids+=($!)

for url in http://127.0.0.1:9095/-/ready http://127.0.0.1:9093/-/ready; do
  for _ in $(seq 100); do curl -fs "$url" >/dev/null && break; sleep 0.1; done
done
weights() { curl -s http://127.0.0.1:9095/api/v1/services/checkout | python3 -c \
  'import json,sys; s=json.load(sys.stdin); print(s["state"], {k:v["weight"] for k,v in (s["weights"] or {}).items()})'; }
echo "== before:"; weights

echo "== firing CheckoutErrors (severity=critical) through Alertmanager"
amtool --alertmanager.url=http://127.0.0.1:9093 alert add alertname=CheckoutErrors severity=critical \
    service=checkout --annotation=summary="canary 5xx above 2%"
for _ in $(seq 100); do weights | grep -q ROLLED_BACK && break; sleep 0.1; done
echo "== after:"; weights
echo "== why (the journal):"
curl -s 'http://127.0.0.1:9095/api/v1/decisions?service=checkout' | python3 -m json.tool | head -40 || true
echo "== resume (admin token), then Ctrl-C to stop the demo"
curl -s -X POST -H 'Authorization: Bearer demo-token' -H 'Content-Type: application/json' \
     -d '{"reason":"demo over"}' http://127.0.0.1:9095/api/v1/services/checkout/resume | python3 -c \
     'import json,sys; print("state:", json.load(sys.stdin)["state"])'
wait
