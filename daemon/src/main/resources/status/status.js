// Release Pilot's live status page: one server-sent-event stream (/api/v1/live), no polling, no build step.
'use strict';
(function () {
  const WINDOW_MS = 300000;
  const COLORS = {OK: '#2e7d32', PENDING: '#b26a00', FIRING: '#c62828', ERROR: '#c62828', NO_DATA: '#9e9e9e'};
  const STATE_COLORS = {STEADY: '#2e7d32', CANARY: '#1565c0', DEGRADED: '#b26a00', PAUSED: '#b26a00', FROZEN: '#b26a00',
    ROLLING_BACK: '#c62828', ROLLED_BACK: '#c62828'};
  const model = {meta: {}, history: {}, status: {}, records: [], cards: {}, now: Date.now(), skew: 0};
  let drawPending = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function weights(w) {
    if (!w) return '?';
    return Object.entries(w).map(([k, v]) => k + '=' + (v && typeof v === 'object' ? v.weight : v)).join(' ');
  }

  function card(name) {
    let c = model.cards[name];
    if (c) return c;
    const root = el('article', 'svc');
    root.dataset.service = name;
    const h = el('h3');
    const title = el('span', 'name', name);
    const badge = el('span', 'badge');
    h.append(title, badge);
    const meta = el('div', 'meta');
    const warn = el('div', 'warnline');
    const trigs = el('div', 'trigs');
    root.append(h, meta, warn, trigs);
    document.getElementById('services').append(root);
    c = {root, badge, meta, warn, trigs, rows: {}, strip: null};
    model.cards[name] = c;
    return c;
  }

  function triggerRow(c, t) {
    let r = c.rows[t.name];
    if (r) return r;
    const row = el('div', 'trig');
    const label = el('div', 'name');
    const name = el('span', null, t.name + ' ');
    const state = el('span', 'state');
    const value = el('div', 'value');
    const countdown = el('div', 'countdown');
    label.append(name, state, value, countdown);
    const canvas = el('canvas');
    canvas.width = 600;
    canvas.height = 46;
    canvas.setAttribute('aria-label', t.name + ' over the last 5 minutes');
    row.append(label, canvas);
    c.trigs.append(row);
    r = {row, state, value, countdown, canvas};
    c.rows[t.name] = r;
    return r;
  }

  function renderService(name) {
    const s = model.status[name];
    const m = model.meta[name] || {triggers: []};
    if (!s) return;
    const c = card(name);
    c.badge.textContent = s.state;
    c.badge.className = 'badge ' + s.state;
    c.root.classList.toggle('bad', ['ROLLED_BACK', 'ROLLING_BACK', 'ROLLBACK_BLOCKED'].includes(s.state));
    c.root.classList.toggle('warn', ['PAUSED', 'DEGRADED', 'FROZEN'].includes(s.state));
    c.root.dataset.state = s.state;
    const parts = [s.backend + (s.dry_run ? ' (dry run)' : ''), 'weights ' + weights(s.weights)];
    if (s.release) parts.push(releaseText(s.release));
    if (s.last_decision) parts.push('last: ' + s.last_decision.kind + ' by ' + s.last_decision.trigger + ' at ' + s.last_decision.at);
    c.meta.textContent = parts.join(' · ');
    const warnings = [];
    if (s.circuit && s.circuit.state !== 'closed') warnings.push('circuit ' + s.circuit.state + ' (' + s.circuit.consecutive_failures + ' failures)');
    if (s.journal_backlog > 0) warnings.push('journal backlog ' + s.journal_backlog);
    if (s.weights_error) warnings.push('weights: ' + s.weights_error);
    if (s.last_failure && s.state === 'ROLLING_BACK') warnings.push('last failure: ' + (s.last_failure.error || s.last_failure.reason));
    if (s.state === 'ROLLBACK_BLOCKED' && s.last_decision) warnings.push('rollback_blocked: ' + s.last_decision.reason);
    if (s.drift_unresolved) warnings.push('drift_unresolved: ' + s.drift_unresolved.detail);
    if (s.drift_rolled_back_by_others) warnings.push('drift: ' + s.drift_rolled_back_by_others.detail);
    if (s.firing_alerts && s.firing_alerts.length) warnings.push(s.firing_alerts.length + ' firing alert(s)');
    c.warn.textContent = warnings.join(' · ');
    const expr = s.expr_triggers || {};
    const exprs = m.triggers.filter(t => t.kind === 'expr');
    for (const t of exprs) {
      const r = triggerRow(c, t);
      const v = expr[t.name] || {};
      r.state.textContent = v.state || 'NO_DATA';
      r.state.className = 'state s-' + (v.state || 'NO_DATA');
      const val = v.value && v.value.length ? v.value[0].value : null;
      r.value.textContent = (val === null || val === undefined ? 'no data' : fmt(val))
        + (t.threshold === undefined ? '' : ' · fires when ' + t.op + ' ' + fmt(t.threshold))
        + (t.for_ms ? ' for ' + (t.for_ms / 1000) + ' s' : '');
      if (v.state === 'PENDING' && v.for_ms) {
        const left = Math.max(0, v.for_ms - (v.pending_for_ms || 0));
        r.countdown.textContent = 'fires in ' + (left / 1000).toFixed(0) + ' s unless it clears';
      } else {
        r.countdown.textContent = '';
      }
    }
    if (!exprs.length && !c.strip) {
      const row = el('div', 'trig');
      row.append(el('div', 'name', m.triggers.map(t => t.kind + ' ' + t.name).join(', ') || 'no triggers'));
      const canvas = el('canvas');
      canvas.width = 600;
      canvas.height = 20;
      canvas.setAttribute('aria-label', 'state over the last 5 minutes');
      row.append(canvas);
      c.trigs.append(row);
      c.strip = canvas;
    }
    applyFilter(c, name);
  }

  // A release walking its rollout plan: step, share, the hold left and each gate's state.
  function releaseText(r) {
    let t = 'release ' + (r.version || '');
    if (r.step) {
      t += ' step ' + r.step + '/' + r.steps + ' at ' + r.weight + '%' + (r.phase && r.phase !== 'canary' ? ' (' + r.phase.replace('_', ' ') + ')' : '');
      t += r.applied ? ' · hold ' + (r.hold_left_ms / 1000).toFixed(0) + ' s left (gates ' + r.gates_status + ')' : ' · applying';
      const gates = Object.entries(r.gates || {}).map(([n, g]) => n + ' ' + g.state);
      if (gates.length) t += ' · gates ' + gates.join(', ');
    }
    if (r.outcome && r.outcome !== 'in_progress') t += ' · ' + r.outcome.replace('_', ' ');
    return t;
  }

  function fmt(v) {
    if (v === null || v === undefined) return '?';
    const a = Math.abs(v);
    return a !== 0 && (a < 0.01 || a >= 10000) ? v.toExponential(2) : (+v.toFixed(4)).toString();
  }

  function draw() {
    drawPending = false;
    const end = model.now;
    for (const [name, c] of Object.entries(model.cards)) {
      if (c.root.hidden) continue;
      const points = model.history[name] || [];
      // The last five minutes, or since the page's history starts (at least 30 s): a fresh daemon's chart is not a sliver.
      const first = points.length ? points[0][0] : end;
      const start = Math.min(end - 30000, Math.max(end - WINDOW_MS, first));
      const m = model.meta[name] || {triggers: []};
      for (const t of m.triggers.filter(x => x.kind === 'expr')) {
        const r = c.rows[t.name];
        if (r) chart(r.canvas, points, t, start, end);
      }
      if (c.strip) strip(c.strip, points, start, end);
    }
  }

  function x(canvas, t, start, end) {
    return (t - start) / (end - start) * canvas.width;
  }

  function chart(canvas, points, t, start, end) {
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, canvas.width, canvas.height);
    let max = t.threshold !== undefined ? Math.abs(t.threshold) : 0;
    for (const p of points) {
      const v = p[2][t.name];
      if (v && typeof v[1] === 'number' && isFinite(v[1])) max = Math.max(max, Math.abs(v[1]));
    }
    max = max > 0 ? max * 1.15 : 1;
    const y = v => canvas.height - 2 - (v / max) * (canvas.height - 4);
    for (let i = 0; i < points.length; i++) { // state bands: NO_DATA grey, PENDING amber, FIRING red
      const v = points[i][2][t.name];
      const st = v ? v[0] : 'NO_DATA';
      if (st === 'OK') continue;
      const x0 = x(canvas, points[i][0], start, end);
      const x1 = i + 1 < points.length ? x(canvas, points[i + 1][0], start, end) : canvas.width;
      g.fillStyle = (COLORS[st] || '#9e9e9e') + '33';
      g.fillRect(Math.floor(x0), 0, Math.max(1, Math.ceil(x1 - x0) + 1), canvas.height);
    }
    if (t.threshold !== undefined) {
      g.strokeStyle = '#c62828';
      g.setLineDash([4, 3]);
      g.beginPath();
      g.moveTo(0, y(t.threshold));
      g.lineTo(canvas.width, y(t.threshold));
      g.stroke();
      g.setLineDash([]);
    }
    g.strokeStyle = '#1565c0';
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    for (const p of points) {
      const v = p[2][t.name];
      if (!v || typeof v[1] !== 'number' || !isFinite(v[1])) { pen = false; continue; }
      const px = x(canvas, p[0], start, end);
      if (pen) g.lineTo(px, y(v[1])); else g.moveTo(px, y(v[1]));
      pen = true;
    }
    g.stroke();
  }

  function strip(canvas, points, start, end) {
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < points.length; i++) {
      const x0 = x(canvas, points[i][0], start, end);
      const x1 = i + 1 < points.length ? x(canvas, points[i + 1][0], start, end) : canvas.width;
      g.fillStyle = STATE_COLORS[points[i][1]] || '#9e9e9e';
      g.fillRect(Math.floor(x0), 2, Math.max(1, Math.ceil(x1 - x0) + 1), canvas.height - 4);
    }
  }

  function scheduleDraw() {
    if (!drawPending) {
      drawPending = true;
      requestAnimationFrame(draw);
    }
  }

  function point(now, s) {
    const trig = {};
    for (const [n, v] of Object.entries(s.expr_triggers || {})) {
      trig[n] = [v.state, v.value && v.value.length ? v.value[0].value : null];
    }
    return [now, s.state, trig];
  }

  function addRecord(r, atTop) {
    const list = document.getElementById('timeline');
    const li = el('li', 't-' + r.type);
    li.dataset.service = r.service;
    const b = r.body || {};
    const what = [r.at || b.at, r.service, r.type, b.kind, b.trigger ? 'by ' + b.trigger : null, b.result,
      b.reason, b.error, b.detail].filter(Boolean).join(' · ');
    const details = el('details');
    details.append(el('summary', null, what), el('pre', null, JSON.stringify(b.evidence || b, null, 2)));
    li.append(details);
    if (atTop) list.prepend(li); else list.append(li);
    while (list.children.length > 200) list.lastChild.remove();
  }

  function applyFilter(c, name) {
    const f = document.getElementById('filter').value.trim().toLowerCase();
    c.root.hidden = f !== '' && !name.toLowerCase().includes(f);
  }

  function connect() {
    const conn = document.getElementById('conn');
    const es = new EventSource('/api/v1/live');
    es.addEventListener('open', () => { conn.textContent = 'live'; conn.className = 'conn live'; });
    es.addEventListener('error', () => { conn.textContent = 'reconnecting…'; conn.className = 'conn down'; });
    es.addEventListener('init', e => {
      const d = JSON.parse(e.data);
      model.meta = d.services;
      model.history = d.history || {};
      model.now = d.now;
      for (const s of d.status) model.status[s.name] = s;
      document.getElementById('services').replaceChildren();
      model.cards = {};
      for (const name of Object.keys(model.meta)) renderService(name);
      document.getElementById('timeline').replaceChildren();
      for (const r of (d.records || []).slice().reverse()) addRecord(r, false);
      scheduleDraw();
    });
    es.addEventListener('tick', e => {
      const d = JSON.parse(e.data);
      model.now = d.now;
      for (const s of d.status) {
        model.status[s.name] = s;
        const h = model.history[s.name] || (model.history[s.name] = []);
        h.push(point(d.now, s));
        while (h.length && h[0][0] < d.now - WINDOW_MS) h.shift();
        renderService(s.name);
      }
      scheduleDraw();
    });
    es.addEventListener('service', e => {
      const s = JSON.parse(e.data);
      model.status[s.name] = s;
      renderService(s.name);
    });
    es.addEventListener('record', e => addRecord(JSON.parse(e.data), true));
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('filter').addEventListener('input', () => {
      for (const [name, c] of Object.entries(model.cards)) applyFilter(c, name);
      scheduleDraw();
    });
    connect();
  });
})();
