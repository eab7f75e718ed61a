// Load for `wxstream serve` (bench/serve_load.sh): CLIENTS live (SSE) clients that count the
// events they receive by kind, plus RPS API requests per second, for SECONDS; then prints one
// JSON object: per-kind counts (min and max over clients), clients that ended early, and the
// API's answers (count, non-200s, p50/p99 latency in ms). Loopback only.
// Usage: node serve_load_clients.mjs URL CLIENTS RPS SECONDS [STATION]
import http from 'node:http';

const [url, nClients, rps, seconds, station = '23907'] = process.argv.slice(2);
const base = new URL(url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) {
  console.error('serve_load_clients: loopback addresses only');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const KINDS = { 0x70: 'output', 0x6c: 'outlier', 0x6d: 'maxtemp', 0x64: 'dead', 0x68: 'health' }; // 'outPut', 'outLier'
const MARK = Buffer.from('event: ');
const O = 0x6f; // 'o'
const clients = [];

function startClient(i) {
  const c = { counts: { output: 0, outlier: 0, maxtemp: 0, dead: 0, health: 0 }, ended: false, carry: Buffer.alloc(0) };
  clients.push(c);
  const req = http.get({ host: base.hostname, port: base.port, path: '/events', agent: false }, (res) => {
    if (res.statusCode !== 200) { c.ended = `HTTP ${res.statusCode}`; res.resume(); return; }
    // Bytes, not strings: the search runs in C++ (Buffer.indexOf), so this load generator,
    // standing in for browsers on other machines, takes as little of the shared CPU as it can.
    res.on('data', (chunk) => {
      const s = c.carry.length ? Buffer.concat([c.carry, chunk]) : chunk;
      const limit = s.length - 16; // a marker cut by the chunk's end is counted next time
      let pos = 0;
      for (;;) {
        const at = s.indexOf(MARK, pos);
        if (at < 0 || at > limit) break;
        const k = s[at + 7] === O ? KINDS[s[at + 10]] : KINDS[s[at + 7]];
        if (k) c.counts[k]++;
        pos = at + 7;
      }
      c.carry = Buffer.from(s.subarray(Math.max(pos, limit, 0)));
    });
    res.on('end', () => { if (!stopping) c.ended = 'end'; });
    res.on('error', () => { if (!stopping) c.ended = 'error'; });
  });
  req.on('error', (e) => { if (!stopping) c.ended = e.code || 'error'; });
  c.req = req;
}

let stopping = false;
for (let i = 0; i < Number(nClients); i++) startClient(i);

const paths = ['/api/health', `/api/hourly?station=${station}&from=2020-01-01`, '/api/hottest?limit=200',
  '/api/outliers?limit=200', '/api/stations', '/api/deadletters?limit=20'];
const api = { sent: 0, done: 0, non200: 0, errors: 0, lat: [] };
const apiStart = performance.now();
const apiTimer = setInterval(() => {
  while (Number(rps) > 0 && api.sent < (Number(rps) * (performance.now() - apiStart)) / 1000) sendOne();
}, 10);
function sendOne() {
  const p = paths[api.sent++ % paths.length];
  const t0 = performance.now();
  http.get({ host: base.hostname, port: base.port, path: p, agent }, (res) => {
    if (res.statusCode !== 200) api.non200++;
    res.resume();
    res.on('end', () => { api.done++; api.lat.push(performance.now() - t0); });
  }).on('error', () => { api.errors++; });
}

setTimeout(() => {
  stopping = true;
  clearInterval(apiTimer);
  const kinds = ['output', 'maxtemp', 'outlier', 'dead', 'health'];
  const out = { clients: clients.length, rps: Number(rps), ended_early: clients.filter((c) => c.ended).length,
    ended_reasons: [...new Set(clients.filter((c) => c.ended).map((c) => c.ended))] };
  for (const k of kinds) {
    const v = clients.map((c) => c.counts[k]);
    out[k] = { min: v.length ? Math.min(...v) : 0, max: v.length ? Math.max(...v) : 0 };
  }
  api.lat.sort((a, b) => a - b);
  const q = (f) => (api.lat.length ? api.lat[Math.min(api.lat.length - 1, Math.floor(f * api.lat.length))] : null);
  out.api = { sent: api.sent, answered: api.done, non200: api.non200, errors: api.errors,
    p50_ms: q(0.5) && +q(0.5).toFixed(1), p99_ms: q(0.99) && +q(0.99).toFixed(1) };
  console.log(JSON.stringify(out));
  for (const c of clients) c.req.destroy();
  agent.destroy();
  setTimeout(() => process.exit(0), 200);
}, Number(seconds) * 1000);
