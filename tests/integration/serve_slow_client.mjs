// The client half of test_serve_slow_client.sh: one live client that never reads (its socket
// fills up, then serve's ring passes it) and one that reads; prints {"read": N, "ended": bool}
// for the reading client once serve has read WANT records (from /api/health) and counted a
// dropped client, or TIMEOUT s pass; seconds: until every record was read.
// Usage: node serve_slow_client.mjs URL WANT TIMEOUT
import http from 'node:http';

const [url, want, timeout] = process.argv.slice(2);
const base = new URL(url);
const stalled = http.get({ host: base.hostname, port: base.port, path: '/events', agent: false }, (res) => {
  res.pause(); // never read: the kernel's buffers fill, then serve's send blocks
});
stalled.on('error', () => {});
let read = 0, ended = false, lastRead = Date.now();
const MARK = 'event: output';
let tail = ''; // the end of the last chunk: a mark may be split between two chunks
http.get({ host: base.hostname, port: base.port, path: '/events', agent: false }, (res) => {
  res.setEncoding('latin1');
  res.on('data', (c) => {
    const s = tail + c;
    let i = -1;
    while ((i = s.indexOf(MARK, i + 1)) >= 0) read++;
    tail = s.slice(Math.max(0, s.length - (MARK.length - 1)));
    lastRead = Date.now();
  });
  res.on('end', () => { ended = true; });
}).on('error', () => { ended = true; });
process.stdout.write('connected\n');

const t0 = Date.now();
let allRead = null; // seconds until serve had read every record
const poll = setInterval(() => {
  http.get(new URL('/api/health', url), (res) => {
    let b = '';
    res.on('data', (c) => { b += c; });
    res.on('end', () => {
      const h = JSON.parse(b);
      if (h.records_total >= Number(want) && allRead === null) allRead = (Date.now() - t0) / 1000;
      // done when serve has read everything and dropped a client, and the reading client has
      // what serve sent it: all of it (WANT less the one invalid record), or nothing more for 2 s
      // (the last events may still be in flight)
      const settled = ended || read >= Number(want) - 1 || Date.now() - lastRead > 2000;
      if ((allRead !== null && h.sse.dropped_total >= 1 && settled) || Date.now() - t0 > Number(timeout) * 1000) {
        clearInterval(poll);
        process.stdout.write(JSON.stringify({ read, ended, records_total: h.records_total, dropped: h.sse.dropped_total,
          clients: h.sse.clients, seconds: allRead }) + '\n');
        stalled.destroy();
        process.exit(0);
      }
    });
  }).on('error', () => {});
}, 200);
