// Live latency of the dashboard (bench/serve_latency.sh): from the input record that closes a
// station's hour to that hour's Output record arriving at an open live (SSE) client of serve.
// Input arrivals are seen by a kcat consumer of the input topic, results by an SSE client, both
// stamped with this process's clock. The closing record of an hour is the station's latest
// input record that arrived before the result (stations send a reading every 300/SPEED s, far
// longer than the latency measured, so no later reading can be mistaken for it; the script
// reports how far past the hour's end the closing readings were, which is the same for all
// when the attribution holds).
// Usage: node serve_latency.mjs URL BROKERS INPUT_TOPIC SECONDS OUT.json
import http from 'node:http';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

const [url, brokers, topic, seconds, outFile] = process.argv.slice(2);
const base = new URL(url);
const inputs = new Map(); // station -> [{at, event}] in arrival order
const samples = [];
const offsets = new Map(); // closing event time - window end (s) -> count

const kcat = spawn('kcat', ['-b', brokers, '-C', '-u', '-q', '-o', 'end', '-t', topic, '-f', '%k %T\n',
  '-X', 'fetch.wait.max.ms=5', '-X', 'fetch.error.backoff.ms=5'], { stdio: ['ignore', 'pipe', 'inherit'] });
readline.createInterface({ input: kcat.stdout }).on('line', (line) => {
  const at = performance.timeOrigin + performance.now();
  const [key, ts] = line.split(' ');
  if (!inputs.has(key)) inputs.set(key, []);
  inputs.get(key).push({ at, event: Number(ts) / 1000 });
});

function stationKey(r) {
  if (typeof r.station === 'string') return r.station;
  return typeof r.wban === 'string' ? r.wban : String(r.station).padStart(5, '0');
}

function onOutput(rec, at) {
  const list = inputs.get(stationKey(rec));
  if (!list) return; // an hour closed by input read before we started
  let closing = null;
  for (let i = list.length - 1; i >= 0; i--) if (list[i].at <= at) { closing = list[i]; break; }
  if (!closing) return;
  const end = Date.parse(rec.window_end) / 1000;
  if (closing.event < end) return; // not closed by live input (e.g. the end of the run)
  samples.push(at - closing.at);
  const off = closing.event - end;
  offsets.set(off, (offsets.get(off) || 0) + 1);
}

let buf = '';
const req = http.get({ host: base.hostname, port: base.port, path: '/events' }, (res) => {
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    const at = performance.timeOrigin + performance.now();
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const msg = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let ev = '', data = '';
      for (const l of msg.split('\n')) {
        if (l.startsWith('event: ')) ev = l.slice(7);
        else if (l.startsWith('data: ')) data = l.slice(6);
      }
      if (ev === 'output') onOutput(JSON.parse(data), at);
    }
  });
});

setTimeout(() => {
  req.destroy();
  kcat.kill();
  const s = samples.slice().sort((a, b) => a - b);
  const q = (f) => (s.length ? +s[Math.min(s.length - 1, Math.floor(f * s.length))].toFixed(1) : null);
  const out = { hours: s.length, p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), max_ms: s.length ? +s[s.length - 1].toFixed(1) : null,
    closing_offset_s: Object.fromEntries(offsets) };
  fs.writeFileSync(outFile, JSON.stringify(out) + '\n');
  process.exit(0);
}, Number(seconds) * 1000);
