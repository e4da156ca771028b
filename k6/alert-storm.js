// k6 script for users: a storm of Alertmanager webhook payloads against a Release Pilot instance,
// most of them duplicates (as HA pairs and re-sends produce), to watch dedupe and latency.
//   k6 run -e RP=http://127.0.0.1:9095 k6/alert-storm.js
// (This machine has no k6; the Java harnesses run with k6/bench.sh.)
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 20, duration: '30s', thresholds: { http_req_duration: ['p(99)<50'] } };

const RP = __ENV.RP || 'http://127.0.0.1:9095';

export default function () {
  const episode = Math.floor(Math.random() * 50);
  const body = JSON.stringify({
    receiver: 'release-pilot', status: 'firing', version: '4', groupKey: '{}:{alertname="StormTest"}',
    truncatedAlerts: 0, externalURL: 'http://am-' + (__VU % 2) + ':9093',
    groupLabels: { alertname: 'StormTest' }, commonLabels: { alertname: 'StormTest' }, commonAnnotations: {},
    alerts: [{ status: 'firing', labels: { alertname: 'StormTest', episode: String(episode) }, annotations: {},
      startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '',
      fingerprint: episode.toString(16).padStart(16, '0') }],
  });
  const r = http.post(`${RP}/api/v1/alerts/alertmanager`, body, { headers: { 'Content-Type': 'application/json' } });
  check(r, { 'accepted': (res) => res.status === 200 });
}
