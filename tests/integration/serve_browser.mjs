// The browser half of test_serve_browser.sh: drives Debian's chromium with playwright-core (from
// web/node_modules; no browser download) against a running `wxstream serve`, and checks the
// page against the records the script read from the topics.
//
// Usage: node serve_browser.mjs CONFIG.json   (written by test_serve_browser.sh)
// Config: url, src, work, screenshot, brokers, prefix, hostile, restart (a command that
// restarts serve on the same address). Exit 0 when every check passes; a line per check on
// stderr; the first failure ends the run with exit 1.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const require = createRequire(path.join(cfg.src, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const note = (m) => process.stderr.write(`  - ${m}\n`);
let browser = null;
async function fail(m) {
  process.stderr.write(`FAIL: test_serve_browser: ${m}\n`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}

function readJsonl(name) {
  const p = path.join(cfg.work, name);
  return fs.readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function stationKey(rec, field = 'station', wbanField = 'wban') {
  const s = rec[field];
  if (typeof s === 'string') return /^[0-9]{1,4}$/.test(s) ? s.padStart(5, '0') : s;
  if (typeof s === 'number') return typeof rec[wbanField] === 'string' ? rec[wbanField] : String(s).padStart(5, '0');
  return null;
}

const secs = (iso) => Date.parse(iso) / 1000;

function kcatProduce(topic, key, value) {
  execFileSync('kcat', ['-b', cfg.brokers, '-P', '-t', cfg.prefix + topic, '-K', '\t'], { input: `${key}\t${value}\n` });
}

const output = readJsonl('Output.jsonl');
const maxtemp = readJsonl('MaxTemp.jsonl');
const outliers = readJsonl('Outliers.jsonl');

const userDataDir = fs.mkdtempSync(path.join(cfg.work, 'chromium-profile-'));
const ctx = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1500 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
browser = ctx;
const page = ctx.pages()[0] || (await ctx.newPage());
const consoleErrors = [];
let phase = 'first load';
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`[${phase}] ${m.text()}`); });
page.on('pageerror', (e) => consoleErrors.push(`[${phase}] page error: ${e.message}`));
let dialogs = 0;
page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });

await page.goto(cfg.url, { waitUntil: 'load' });
await page.waitForFunction(() => window.wxDashboard && window.wxDashboard.loaded, null, { timeout: 20000 })
  .catch(() => fail('the page did not load its data within 20 s'));
note('page loaded');

// ---------------------------------------------------------------- the chart, station by station
const byStation = new Map();
for (const r of output) {
  const k = stationKey(r);
  if (!byStation.has(k)) byStation.set(k, new Map());
  byStation.get(k).set(secs(r.window_start), r.mean_temp); // the last record of an hour counts
}
const pageStations = await page.evaluate(() => window.wxDashboard.stations());
const want = Array.from(byStation.keys()).sort();
if (JSON.stringify(pageStations) !== JSON.stringify(want))
  await fail(`stations on the page ${JSON.stringify(pageStations)} != stations on Output ${JSON.stringify(want)}`);
for (const k of want) {
  await page.evaluate((key) => window.wxDashboard.select([key]), k);
  const got = await page.evaluate((key) => window.wxDashboard.chartPoints(key), k);
  if (!got) await fail(`no chart series for station ${k}`);
  const exp = Array.from(byStation.get(k).entries()).filter(([, v]) => typeof v === 'number')
    .sort((a, b) => a[0] - b[0]);
  if (JSON.stringify(got) !== JSON.stringify(exp))
    await fail(`chart of ${k}: ${got.length} points, Output has ${exp.length}; first difference at ` +
      `${exp.findIndex((p, i) => JSON.stringify(p) !== JSON.stringify(got[i]))}`);
  note(`chart of station ${JSON.stringify(k)}: exactly its ${exp.length} Output points`);
}
await page.evaluate((keys) => window.wxDashboard.select(keys), want.filter((k) => /^[0-9]+$/.test(k)));

// ---------------------------------------------------------------- hottest station per hour
const hot = new Map();
for (const r of maxtemp) hot.set(secs(r.window_start), r);
const rows = await page.$$eval('#hottest-rows tr', (trs) => trs.map((tr) => ({
  t: Number(tr.dataset.windowStart), cells: Array.from(tr.children).map((td) => td.textContent) })));
const expHours = Array.from(hot.keys()).sort((a, b) => b - a).slice(0, 500);
if (rows.length !== expHours.length) await fail(`hottest table: ${rows.length} rows, MaxTemp has ${expHours.length} hours`);
for (let i = 0; i < rows.length; i++) {
  const r = hot.get(expHours[i]);
  const row = rows[i];
  if (row.t !== expHours[i]) await fail(`hottest row ${i}: hour ${row.t}, expected ${expHours[i]}`);
  const k = r.station === null ? null : stationKey(r);
  if (k === null ? !row.cells[1].startsWith('(no complete') : !row.cells[1].startsWith(k))
    await fail(`hottest row ${i}: station cell '${row.cells[1]}', MaxTemp says ${k}`);
  const mt = typeof r.max_temp === 'number' ? r.max_temp.toFixed(1) : '–';
  if (row.cells[2] !== mt) await fail(`hottest row ${i}: max '${row.cells[2]}', MaxTemp says ${mt}`);
  const mk = r.mean_station === null ? null : stationKey(r, 'mean_station', 'mean_wban');
  if (mk !== null && !row.cells[3].startsWith(mk)) await fail(`hottest row ${i}: mean station '${row.cells[3]}', MaxTemp says ${mk}`);
}
note(`hottest table: ${rows.length} hours, each as on MaxTemp`);

// ---------------------------------------------------------------- outliers, filtered
const outRows = async () => page.$$eval('#outlier-rows tr', (trs) => trs.map((tr) =>
  Array.from(tr.children).map((td) => td.textContent)));
const outKey = (k, utc, reason) => `${k}|${utc.replace('T', ' ').replace('Z', '')}|${reason}`;
const expOut = new Map();
for (const r of outliers) expOut.set(`${stationKey(r)}|${r.utc_time}`, r);
const expAll = Array.from(expOut.values());
async function checkOutliers(reason, station) {
  await page.selectOption('#f-reason', reason);
  await page.selectOption('#f-station', station);
  const exp = expAll.filter((r) => (!reason || r.reason === reason) && (!station || stationKey(r) === station));
  const got = await outRows();
  const n = Math.min(exp.length, 500);
  if (got.length !== n) await fail(`outliers (reason '${reason}', station '${station}'): ${got.length} rows, Outliers has ${exp.length}`);
  const gotKeys = new Set(got.map((c) => outKey(c[0].split(' ')[0], c[1], c[3])));
  if (exp.length <= 500) {
    for (const r of exp) {
      if (!gotKeys.has(outKey(stationKey(r), r.utc_time, r.reason)))
        await fail(`outlier ${stationKey(r)} ${r.utc_time} ${r.reason} is not in the table`);
    }
  }
  return exp.length;
}
const reasons = Array.from(new Set(expAll.map((r) => r.reason))).sort();
await checkOutliers('', '');
for (const reason of reasons) note(`outliers '${reason}': ${await checkOutliers(reason, '')} rows, as on the topic`);
const oneStation = stationKey(expAll[0]);
note(`outliers of ${oneStation}: ${await checkOutliers('', oneStation)} rows`);
note(`outliers '${reasons[0]}' of ${oneStation}: ${await checkOutliers(reasons[0], oneStation)} rows`);
await checkOutliers('', '');

// ---------------------------------------------------------------- dead letters by reason
const dead = readJsonl('DeadLetter.jsonl');
const deadCounts = {};
for (const r of dead) deadCounts[r.reason] = (deadCounts[r.reason] || 0) + 1;
const gotCounts = Object.fromEntries(await page.$$eval('#dead-counts tr', (trs) =>
  trs.map((tr) => [tr.children[0].textContent, Number(tr.children[1].textContent)])));
if (JSON.stringify(gotCounts) !== JSON.stringify(Object.fromEntries(Object.entries(deadCounts).sort())))
  await fail(`dead letters by reason on the page ${JSON.stringify(gotCounts)} != DeadLetter ${JSON.stringify(deadCounts)}`);
const deadRows = await page.$$eval('#dead-rows tr', (trs) => trs.map((tr) => tr.children[2].textContent));
if (deadRows.length !== Math.min(dead.length, 100) || !dead.every((r) => deadRows.includes(r.detail)))
  await fail(`recent dead letters: ${deadRows.length} rows for ${dead.length} records`);
note(`dead letters by reason as on the topic: ${JSON.stringify(deadCounts)}`);

// ---------------------------------------------------------------- hostile text stays text
const hostile = cfg.hostile;
const shown = await page.evaluate((h) => ({
  text: document.body.textContent.includes(h),
  imgs: document.querySelectorAll('img').length,
  inStations: Array.from(document.querySelectorAll('#stations span')).some((s) => s.textContent.includes(h)),
}), hostile);
if (!shown.text || !shown.inStations) await fail(`the hostile station name is not shown as text (${JSON.stringify(shown)})`);
if (shown.imgs !== 0 || dialogs !== 0) await fail(`the hostile station name became markup: ${shown.imgs} img, ${dialogs} dialogs`);
note('a station name <img src=x onerror=alert(1)> shows as text, no element, no dialog');

// ---------------------------------------------------------------- live: a record committed now
const liveStation = want.find((k) => /^[0-9]+$/.test(k));
const lastT = Math.max(...byStation.get(liveStation).keys());
const liveT = lastT + 3600; // the station's next hour
const liveRec = {
  station: Number(liveStation), wban: liveStation, lst_date: '2030-01-01', lst_hour: '00', mean_temp: 42.42,
  count: 12, expected: 12, min_temp: 40.0, max_temp: 44.0, partial: false,
  window_start: new Date(liveT * 1000).toISOString().replace('.000Z', 'Z'),
  window_end: new Date((liveT + 3600) * 1000).toISOString().replace('.000Z', 'Z'),
  station_name: output.find((r) => stationKey(r) === liveStation).station_name,
};
await page.evaluate((k) => window.wxDashboard.select([k]), liveStation);
kcatProduce('Output', `${liveStation}/${liveRec.window_start}`, JSON.stringify(liveRec));
const committed = Date.now();
await page.waitForFunction(([k, t]) => (window.wxDashboard.chartPoints(k) || []).some((p) => p[0] === t && p[1] === 42.42),
  [liveStation, liveT], { timeout: 2000, polling: 20 })
  .catch(() => fail('a record committed while the page was open did not show within 2 s'));
note(`a record committed while the page is open showed in the chart after ${Date.now() - committed} ms`);

// a corrected MaxTemp hour replaces the first one on the page
const corrT = expHours[expHours.length - 1];
const corr = { ...hot.get(corrT), max_temp: 99.9 };
kcatProduce('MaxTemp', corr.window_start, JSON.stringify(corr));
await page.waitForFunction((t) => {
  const tr = document.querySelector(`#hottest-rows tr[data-window-start="${t}"]`);
  return tr && tr.children[2].textContent === '99.9';
}, corrT, { timeout: 5000 }).catch(() => fail('a corrected MaxTemp record did not replace its hour on the page'));
const nRows = await page.$$eval('#hottest-rows tr', (trs) => trs.length);
if (nRows !== rows.length) await fail(`hottest table has ${nRows} rows after a correction, expected ${rows.length}`);
note('a corrected MaxTemp hour replaces the earlier record (still one row per hour)');

if (consoleErrors.length) await fail(`console errors: ${consoleErrors.join(' | ')}`);
note('no console errors');

await page.evaluate((keys) => window.wxDashboard.select(keys), want.filter((k) => /^[0-9]+$/.test(k)));
await page.waitForTimeout(300);
await page.screenshot({ path: cfg.screenshot, fullPage: true });
note(`screenshot: ${cfg.screenshot}`);

// ---------------------------------------------------------------- the server restarts
phase = 'restart';
execFileSync('bash', ['-c', cfg.stop]);
await page.waitForFunction(() => document.getElementById('h-status').textContent !== 'live', null, { timeout: 10000 })
  .catch(() => fail('the page did not notice the server going away'));
const afterT = liveT + 3600;
const afterRec = { ...liveRec, mean_temp: 43.43,
  window_start: new Date(afterT * 1000).toISOString().replace('.000Z', 'Z'),
  window_end: new Date((afterT + 3600) * 1000).toISOString().replace('.000Z', 'Z') };
kcatProduce('Output', `${liveStation}/${afterRec.window_start}`, JSON.stringify(afterRec));
execFileSync('bash', ['-c', cfg.start]);
await page.waitForFunction(([k, t]) => document.getElementById('h-status').textContent === 'live' &&
  (window.wxDashboard.chartPoints(k) || []).some((p) => p[0] === t), [liveStation, afterT], { timeout: 20000 })
  .catch(() => fail('after the server restarted the page did not reconnect and reload by itself within 20 s'));
note('the page reconnected by itself after a server restart and shows what was committed meanwhile');

await ctx.close();
process.stderr.write('PASS: test_serve_browser: the dashboard in chromium matches the topics\n');
