/* wxstream serve's page: hourly means per station (uPlot), the hottest station per hour, the
 * outliers, the dead letters and a health strip — loaded from the JSON API, then kept current
 * by the server's Server-Sent Events (/events). On every (re)connection the page reloads its
 * data, so a restarted server is picked up without a reload of the page.
 *
 * Safety: every value that comes from the data is put into the page with textContent (or as a
 * property value), never as HTML. */
'use strict';

(function () {
  const MAX_SELECTED = 8;
  const MAX_ROWS = 500;
  const MAX_DEAD_ROWS = 100;
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

  const state = {
    hours: new Map(),    // station key -> Map(window_start seconds -> mean_temp or null)
    names: new Map(),    // station key -> station name
    hottest: new Map(),  // window_start seconds -> MaxTemp record (the last one for the hour)
    outliers: new Map(), // station key + utc_time -> Outliers record
    dead: [],            // recent DeadLetter records, newest first
    deadSeen: new Set(),
    deadCounts: {},
    selected: new Set(),
    userPicked: false,
    zoomed: false,
    health: null,
    loaded: false,
    updates: 0,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function stationKey(rec) {
    const s = rec.station;
    if (typeof s === 'string') return /^[0-9]{1,4}$/.test(s) ? s.padStart(5, '0') : s;
    if (typeof s === 'number') {
      if (typeof rec.wban === 'string' && rec.wban) return rec.wban;
      return String(s).padStart(5, '0');
    }
    return null;
  }

  function stationLabel(key, name) {
    const n = name || state.names.get(key);
    return n ? key + ' ' + n : key;
  }

  function secs(iso) {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? t / 1000 : null;
  }

  function isoHour(s) {
    return new Date(s * 1000).toISOString().slice(0, 16).replace('T', ' ');
  }

  function fmt(v, d) {
    return typeof v === 'number' ? v.toFixed(d === undefined ? 2 : d) : '–';
  }

  /* ------------------------------------------------------------ state updates */

  function addOutput(rec) {
    const key = stationKey(rec);
    const t = secs(rec.window_start);
    if (key === null || t === null) return;
    let m = state.hours.get(key);
    if (!m) {
      m = new Map();
      state.hours.set(key, m);
      if (!state.userPicked && state.selected.size < MAX_SELECTED) state.selected.add(key);
    }
    m.set(t, typeof rec.mean_temp === 'number' ? rec.mean_temp : null);
    if (typeof rec.station_name === 'string') state.names.set(key, rec.station_name);
  }

  function addHottest(rec) {
    const t = secs(rec.window_start);
    if (t !== null) state.hottest.set(t, rec);
  }

  function addOutlier(rec) {
    const key = stationKey(rec);
    if (key === null || typeof rec.utc_time !== 'string') return;
    state.outliers.set(key + '\u0000' + rec.utc_time, rec);
    if (typeof rec.station_name === 'string' && !state.names.has(key)) state.names.set(key, rec.station_name);
  }

  function addDead(rec, atFront) {
    const id = JSON.stringify(rec);
    if (state.deadSeen.has(id)) return;
    state.deadSeen.add(id);
    if (atFront) state.dead.unshift(rec); else state.dead.push(rec);
    while (state.dead.length > MAX_DEAD_ROWS) state.deadSeen.delete(JSON.stringify(state.dead.pop()));
  }

  function clearState() {
    state.hours.clear();
    state.hottest.clear();
    state.outliers.clear();
    state.dead = [];
    state.deadSeen.clear();
  }

  /* ------------------------------------------------------------ chart */

  let plot = null;
  let plotKeys = '';

  function chartData(keys) {
    const xs = new Set();
    for (const k of keys) for (const t of (state.hours.get(k) || new Map()).keys()) xs.add(t);
    const x = Array.from(xs).sort((a, b) => a - b);
    const data = [x];
    for (const k of keys) {
      const m = state.hours.get(k) || new Map();
      data.push(x.map((t) => (m.has(t) ? m.get(t) : null)));
    }
    return data;
  }

  function wheelZoom() {
    return {
      hooks: {
        ready: (u) => {
          u.over.addEventListener('wheel', (e) => {
            e.preventDefault();
            const min = u.scales.x.min, max = u.scales.x.max;
            if (min == null || max == null) return;
            const at = u.posToVal(e.offsetX, 'x');
            const f = e.deltaY < 0 ? 0.75 : 1 / 0.75;
            state.zoomed = true;
            u.setScale('x', { min: at - (at - min) * f, max: at + (max - at) * f });
          }, { passive: false });
        },
      },
    };
  }

  function renderChart() {
    const keys = Array.from(state.selected).filter((k) => state.hours.has(k)).sort();
    const data = chartData(keys);
    const box = $('chart');
    const width = Math.max(300, box.clientWidth || 800);
    if (!plot || plotKeys !== keys.join('\u0000')) {
      if (plot) plot.destroy();
      plotKeys = keys.join('\u0000');
      const series = [{}];
      keys.forEach((k, i) => series.push({
        label: stationLabel(k),
        stroke: COLORS[i % COLORS.length],
        width: 1.5,
        spanGaps: false,
        points: { show: true, size: 4 },
        value: (u, v) => (v == null ? '–' : v.toFixed(2)),
      }));
      plot = new uPlot({
        width, height: 320,
        series,
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        axes: [{}, { label: '°C' }],
        plugins: [wheelZoom()],
        hooks: {
          setSelect: [(u) => { if (u.select.width > 0) state.zoomed = true; }],
        },
      }, data, box);
      plot.over.addEventListener('dblclick', () => { state.zoomed = false; });
      plot.wxKeys = keys;
    } else {
      if (state.zoomed) {
        const min = plot.scales.x.min, max = plot.scales.x.max;
        plot.setData(data, false);
        plot.setScale('x', { min, max });
      } else {
        plot.setData(data);
      }
      if (plot.width !== width) plot.setSize({ width, height: 320 });
    }
  }

  function zoomBy(f) {
    if (!plot) return;
    const min = plot.scales.x.min, max = plot.scales.x.max;
    if (min == null || max == null) return;
    const mid = (min + max) / 2, half = ((max - min) / 2) * f;
    state.zoomed = true;
    plot.setScale('x', { min: mid - half, max: mid + half });
  }

  function panBy(f) {
    if (!plot) return;
    const min = plot.scales.x.min, max = plot.scales.x.max;
    if (min == null || max == null) return;
    const d = (max - min) * f;
    state.zoomed = true;
    plot.setScale('x', { min: min + d, max: max + d });
  }

  /* ------------------------------------------------------------ station picker */

  function renderStations() {
    const fs = $('stations');
    const keys = Array.from(state.hours.keys()).sort();
    const have = Array.from(fs.querySelectorAll('input')).map((i) => i.value);
    if (have.join('\u0000') !== keys.join('\u0000')) {
      fs.querySelectorAll('label').forEach((l) => l.remove());
      for (const k of keys) {
        const cb = document.createElement('input');
        cb.type = 'checkbox';
        cb.value = k;
        cb.addEventListener('change', () => {
          state.userPicked = true;
          if (cb.checked) state.selected.add(k); else state.selected.delete(k);
          renderChart();
        });
        const label = el('label');
        label.append(cb, el('span', stationLabel(k)));
        fs.append(label);
      }
    }
    fs.querySelectorAll('input').forEach((cb) => { cb.checked = state.selected.has(cb.value); });
    fs.querySelectorAll('label span').forEach((s, i) => { s.textContent = stationLabel(keys[i]); });
  }

  /* ------------------------------------------------------------ tables */

  function renderHottest() {
    const body = $('hottest-rows');
    const rows = Array.from(state.hottest.keys()).sort((a, b) => b - a).slice(0, MAX_ROWS);
    body.replaceChildren();
    for (const t of rows) {
      const r = state.hottest.get(t);
      const tr = el('tr');
      tr.dataset.windowStart = String(t);
      const maxKey = r.station === null || r.station === undefined ? null : stationKey(r);
      const meanKey = r.mean_station === null || r.mean_station === undefined ? null
        : stationKey({ station: r.mean_station, wban: r.mean_wban });
      tr.append(
        el('td', isoHour(t)),
        el('td', maxKey === null ? '(no complete station)' : stationLabel(maxKey, r.station_name), 'station'),
        el('td', fmt(r.max_temp, 1), 'num'),
        el('td', meanKey === null ? '–' : stationLabel(meanKey, r.mean_station_name), 'mean-station'),
        el('td', fmt(r.mean_temp), 'num'),
        el('td', Array.isArray(r.stations) ? String(r.stations.length) : '–', 'num'));
      body.append(tr);
    }
  }

  function evidence(r) {
    const parts = [];
    if (typeof r.expected === 'number') parts.push('expected ' + fmt(r.expected));
    if (typeof r.threshold === 'number') parts.push('threshold ' + fmt(r.threshold));
    return parts.join(', ') || '–';
  }

  function syncSelect(sel, values, label) {
    const cur = sel.value;
    const have = Array.from(sel.options).slice(1).map((o) => o.value);
    if (have.join('\u0000') !== values.join('\u0000')) {
      while (sel.options.length > 1) sel.remove(1);
      for (const v of values) {
        const o = document.createElement('option');
        o.value = v;
        o.textContent = label ? label(v) : v;
        sel.append(o);
      }
      sel.value = values.includes(cur) ? cur : '';
    }
  }

  function renderOutliers() {
    const all = Array.from(state.outliers.values());
    const reasons = Array.from(new Set(all.map((r) => String(r.reason)))).sort();
    const stations = Array.from(new Set(all.map((r) => stationKey(r)))).sort();
    syncSelect($('f-reason'), reasons);
    syncSelect($('f-station'), stations, (k) => stationLabel(k));
    const fr = $('f-reason').value, fs = $('f-station').value;
    const shown = all.filter((r) => (!fr || String(r.reason) === fr) && (!fs || stationKey(r) === fs))
      .sort((a, b) => (a.utc_time < b.utc_time ? 1 : a.utc_time > b.utc_time ? -1 : 0));
    $('outlier-count').textContent = shown.length + ' shown' + (shown.length > MAX_ROWS ? ' (newest ' + MAX_ROWS + ' listed)' : '');
    const body = $('outlier-rows');
    body.replaceChildren();
    for (const r of shown.slice(0, MAX_ROWS)) {
      const tr = el('tr');
      tr.append(
        el('td', stationLabel(stationKey(r), r.station_name), 'station'),
        el('td', String(r.utc_time).replace('T', ' ').replace('Z', ''), 'time'),
        el('td', fmt(r.temp, 1), 'num value'),
        el('td', r.reason, 'reason'),
        el('td', evidence(r), 'evidence'));
      body.append(tr);
    }
  }

  function renderDead() {
    const counts = $('dead-counts');
    counts.replaceChildren();
    for (const reason of Object.keys(state.deadCounts).sort()) {
      const tr = el('tr');
      tr.append(el('td', reason, 'reason'), el('td', state.deadCounts[reason], 'num'));
      counts.append(tr);
    }
    const body = $('dead-rows');
    body.replaceChildren();
    for (const r of state.dead) {
      const tr = el('tr');
      tr.append(el('td', r.reason, 'reason'), el('td', r.source, 'source'), el('td', r.detail, 'detail'));
      body.append(tr);
    }
  }

  function renderHealth() {
    const h = state.health;
    if (!h) return;
    $('h-rate').textContent = fmt(h.records_per_s, 1);
    $('h-lag').textContent = String(h.lag_total);
    $('h-last').textContent = h.last_update_ms ? new Date(h.last_update_ms).toISOString().slice(11, 19) + ' UTC' : 'none yet';
    $('h-clients').textContent = String(h.sse ? h.sse.clients : '–');
    $('h-index').textContent = h.index ? h.index.stations + ' stations, ' + h.index.hours + ' hours, ' + Math.round(h.index.bytes / 1024) + ' KiB' : '–';
    const ul = $('h-parts');
    ul.replaceChildren();
    for (const t of h.topics || []) {
      for (const p of t.partitions || []) {
        ul.append(el('li', t.topic + '/' + p.partition + ': ' + (p.newest_event || 'none') + ', lag ' + (p.lag === null ? '?' : p.lag)));
      }
    }
    if (h.dead_letters) state.deadCounts = h.dead_letters;
  }

  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => { renderTimer = null; renderAll(); }, 150);
  }

  function renderAll() {
    renderStations();
    renderChart();
    renderHottest();
    renderOutliers();
    renderDead();
    renderHealth();
    state.updates++;
  }

  /* ------------------------------------------------------------ loading and live events */

  async function getJSON(url) {
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r.json();
  }

  let loading = null;
  async function loadAll() {
    const [hourly, hottest, outliers, dead, health] = await Promise.all([
      getJSON('/api/hourly'), getJSON('/api/hottest'), getJSON('/api/outliers?limit=5000'),
      getJSON('/api/deadletters?limit=' + MAX_DEAD_ROWS), getJSON('/api/health')]);
    clearState();
    hourly.records.forEach(addOutput);
    hottest.records.forEach(addHottest);
    outliers.records.forEach(addOutlier);
    dead.records.forEach((r) => addDead(r, false));
    state.deadCounts = dead.counts;
    state.health = health;
    for (const e of pending) applyEvent(e.type, e.rec);
    pending = [];
    state.loaded = true;
    renderAll();
  }

  let pending = []; // events that arrive while a load is under way (applied after it)

  function applyEvent(type, rec) {
    if (type === 'output') addOutput(rec);
    else if (type === 'maxtemp') addHottest(rec);
    else if (type === 'outlier') addOutlier(rec);
    else if (type === 'dead') addDead(rec, true);
    else if (type === 'health') state.health = rec;
  }

  function onEvent(e) {
    let rec;
    try { rec = JSON.parse(e.data); } catch (err) { return; }
    if (loading) pending.push({ type: e.type, rec });
    else applyEvent(e.type, rec);
    if (e.type === 'health') renderHealth();
    else scheduleRender();
  }

  function setStatus(text, ok) {
    const s = $('h-status');
    s.textContent = text;
    s.className = ok ? 'ok' : 'bad';
  }

  // Events from the open stream are held while the snapshot loads, then applied on top of it;
  // a load that fails is tried again while the stream stays open.
  function startLoad() {
    pending = [];
    const stream = es;
    loading = loadAll().then(() => { setStatus('live', true); }, () => {
      setStatus('reload failed', false);
      setTimeout(() => { if (es === stream && es.readyState === EventSource.OPEN) startLoad(); }, 2000);
    }).finally(() => { loading = null; });
  }

  let es = null;
  function connect() {
    es = new EventSource('/events');
    for (const t of ['output', 'maxtemp', 'outlier', 'dead', 'health']) es.addEventListener(t, onEvent);
    es.addEventListener('open', () => {
      setStatus('live', true);
      startLoad();
    });
    es.addEventListener('error', () => {
      setStatus('reconnecting', false);
      if (es.readyState === EventSource.CLOSED) {
        es = null;
        setTimeout(connect, 1000); // the browser gave up (e.g. a 503): try again ourselves
      }
    });
  }

  function init() {
    $('zoom-in').addEventListener('click', () => zoomBy(0.5));
    $('zoom-out').addEventListener('click', () => zoomBy(2));
    $('pan-left').addEventListener('click', () => panBy(-0.5));
    $('pan-right').addEventListener('click', () => panBy(0.5));
    $('zoom-reset').addEventListener('click', () => { state.zoomed = false; renderChart(); if (plot) plot.setData(plot.data); });
    $('f-reason').addEventListener('change', renderOutliers);
    $('f-station').addEventListener('change', renderOutliers);
    window.addEventListener('resize', scheduleRender);
    connect();
  }

  /* For tests and the curious: what the page holds and shows. */
  window.wxDashboard = {
    get loaded() { return state.loaded; },
    get updates() { return state.updates; },
    stations: () => Array.from(state.hours.keys()).sort(),
    selected: () => Array.from(state.selected).sort(),
    select: (keys) => { state.userPicked = true; state.selected = new Set(keys); renderAll(); },
    /* The points drawn for a station: [window_start seconds, mean] where the mean is not null. */
    chartPoints: (key) => {
      if (!plot || !plot.wxKeys) return null;
      const i = plot.wxKeys.indexOf(key);
      if (i < 0) return null;
      const out = [];
      plot.data[0].forEach((t, j) => { const v = plot.data[i + 1][j]; if (v !== null && v !== undefined) out.push([t, v]); });
      return out;
    },
    xRange: () => (plot ? [plot.scales.x.min, plot.scales.x.max] : null),
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
