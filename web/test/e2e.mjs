// End-to-end test of the demo page in Debian's chromium (never a downloaded
// browser): clicks points, trains an SVC, and checks the page's nSV and
// training accuracy against the native `kern` binary on the same points and
// parameters; then the approximation, 1,000 points, and GP regression's band.
// Usage: node test/e2e.mjs KERN_BINARY   (from web/, after build.sh)
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, normalize } from 'node:path';
import assert from 'node:assert/strict';

const kern = process.argv[2];
assert.ok(kern && existsSync(kern), `usage: node test/e2e.mjs KERN_BINARY (got ${kern})`);
const dist = new URL('../dist/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kern-web-'));

// A static server on loopback that serves .wasm as application/wasm.
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
  const file = join(dist, path || 'index.html');
  if (!file.startsWith(dist) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});
const problems = [];
let failed = false;
let page;
try {
  page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(url);
  await page.waitForFunction(() => window.kernDemo && document.getElementById('status').textContent.includes('click'));

  const idle = () => page.waitForFunction(() => window.kernDemo.idle(), null, { timeout: 60000 });
  const setControl = (id, value) => page.evaluate(([id, value]) => {
    const el = document.getElementById(id);
    el.value = String(value);
    el.dispatchEvent(new Event(el.type === 'range' ? 'input' : 'change'));
  }, [id, value]);
  const text = (id) => page.locator(`#${id}`).textContent();

  // 1. Click 30 points of two interleaved classes, then set C and gamma.
  await setControl('task', 'Svc');
  await setControl('kernel', 'Rbf');
  const box = await page.locator('#plot').boundingBox();
  for (let k = 0; k < 30; k++) {
    const angle = 2.399963 * k; // golden-angle spiral: no two points alike
    const radius = 0.1 + 0.85 * Math.sqrt((k + 0.5) / 30);
    const position = { x: box.width * (0.5 + 0.45 * radius * Math.cos(angle)), y: box.height * (0.5 + 0.45 * radius * Math.sin(angle)) };
    const classB = radius > 0.55 !== (k % 7 === 0); // a ring, with a few points on the wrong side
    await page.locator('#plot').click({ position, modifiers: classB ? ['Shift'] : [] });
  }
  await setControl('c', 1); // C = 10
  await setControl('gamma', 0.7); // γ = 10^0.7
  await idle();
  const shown = { nsv: Number(await text('nsv')), accuracy: await text('accuracy') };
  const reply = await page.evaluate(() => window.kernDemo.lastReply());
  const csv = await page.evaluate(() => window.kernDemo.pointsCsv());
  const command = await page.evaluate(() => window.kernDemo.cliCommand());
  assert.equal(csv.trim().split('\n').length, 31, 'thirty points and a header');

  // The same fit by the native binary, from the command the page shows.
  writeFileSync(join(work, 'points.csv'), csv);
  const args = command.split(' ').slice(1).map((a) => (a === 'points.csv' || a === 'points.model' ? join(work, a) : a));
  const fitted = JSON.parse(execFileSync(kern, [...args, '--json'], { encoding: 'utf8' }));
  const predicted = JSON.parse(execFileSync(kern,
    ['predict', join(work, 'points.model'), join(work, 'points.csv'), '-o', join(work, 'predictions.txt'), '--json'],
    { encoding: 'utf8' }));
  console.log(`svc: page nSV ${shown.nsv}, accuracy ${shown.accuracy}; native nSV ${fitted.n_support}, accuracy ${predicted.accuracy}`);
  console.log(`     native command: ${command}`);
  assert.equal(shown.nsv, fitted.n_support, 'nSV equals the native binary\'s');
  assert.equal(reply.exact.accuracy, predicted.accuracy, 'training accuracy equals the native binary\'s');
  assert.equal(shown.accuracy, `${(100 * predicted.accuracy).toFixed(2)} %`);
  assert.equal(reply.exact.support.length, fitted.n_support, 'one ring per support vector');
  assert.equal(await page.locator('#plot').getAttribute('data-drawn'), 'classifier');

  // 2. The approximation beside it.
  await setControl('approx', 'Nystroem');
  await setControl('components', 30);
  await idle();
  const approxText = await text('approx-figures');
  assert.match(approxText, /^nystroem with 30 features: accuracy \d+\.\d\d %/, approxText);

  // 3. 1,000 points: the fit runs in the worker, so the page keeps painting.
  await page.evaluate(() => {
    const pts = window.kernDemo.points.Svc;
    pts.length = 0;
    for (let k = 0; k < 1000; k++) {
      const x = Math.cos(k * 12.9898) * 0.95;
      const y = Math.sin(k * 78.233) * 0.7;
      pts.push({ x: Math.round(x * 1e4) / 1e4, y: Math.round(y * 1e4) / 1e4, cls: x * y > 0 ? 1 : 0 });
    }
  });
  await setControl('approx', '');
  const longestPause = await page.evaluate(() => new Promise((done) => {
    let last = performance.now();
    let worst = 0;
    const tick = () => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      if (window.kernDemo.idle() && worst > 0) done(worst);
      else setTimeout(tick, 5);
    };
    document.getElementById('gamma').dispatchEvent(new Event('input'));
    setTimeout(tick, 5);
  }));
  await idle();
  const big = await page.evaluate(() => window.kernDemo.lastReply());
  console.log(`1,000 points: fit ${big.fitMs.toFixed(0)} ms in the worker, nSV ${big.exact.nSv}, longest main-thread pause ${longestPause.toFixed(0)} ms`);
  assert.ok(longestPause < 250, `the page froze for ${longestPause} ms`);
  await page.locator('#xor').click();
  await setControl('approx', 'Nystroem');
  await idle();
  await page.screenshot({ path: join(dist, 'screenshot-svc.png'), fullPage: true });

  // 4. GP regression: the noisy sine, the band drawn around the mean.
  await setControl('task', 'Gp');
  await page.locator('#sine').click();
  await setControl('approx', 'Rff');
  await setControl('components', 40);
  await idle();
  assert.equal(await page.locator('#plot').getAttribute('data-drawn'), 'gp-band');
  const gp = await page.evaluate(() => window.kernDemo.lastReply());
  assert.ok(Number.isFinite(gp.exact.lml), 'a log marginal likelihood');
  assert.ok(gp.exact.std.every((s) => s > 0), 'a band of positive width');
  // Band pixels: just above the mean, half a σ up, the canvas is tinted blue.
  const tinted = await page.evaluate(() => {
    const r = window.kernDemo.lastReply();
    const canvas = document.getElementById('plot');
    const ctx = canvas.getContext('2d');
    let count = 0;
    for (let i = 10; i < r.msg.grid.length - 10; i += 10) {
      const x = ((r.msg.grid[i] + 1) / 2) * canvas.width;
      const y = ((0.75 - (r.exact.values[i] + 1.5 * r.exact.std[i])) / 1.5) * canvas.height;
      const [red, green, blue] = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
      if (blue > red + 15 && blue > green) count += 1;
    }
    return count;
  });
  assert.ok(tinted >= 15, `band pixels found at ${tinted} of 22 places`);
  // The GP at held hyperparameters has the native binary's log marginal likelihood.
  const gpCommand = await page.evaluate(() => window.kernDemo.cliCommand());
  writeFileSync(join(work, 'points.csv'), await page.evaluate(() => window.kernDemo.pointsCsv()));
  const gpArgs = gpCommand.split(' ').slice(1).map((a) => (a === 'points.csv' || a === 'points.model' ? join(work, a) : a));
  const gpNative = JSON.parse(execFileSync(kern, [...gpArgs, '--json'], { encoding: 'utf8' }));
  console.log(`gp: page log marginal likelihood ${gp.exact.lml}, native ${gpNative.log_marginal_likelihood}`);
  assert.ok(Math.abs(gp.exact.lml - gpNative.log_marginal_likelihood) < 1e-9 * Math.abs(gpNative.log_marginal_likelihood) + 1e-9);
  await page.screenshot({ path: join(dist, 'screenshot-gp.png'), fullPage: true });

  // 5. A GP on 1,000 points, for the record (the worker's time).
  await page.evaluate(() => {
    const pts = window.kernDemo.points.Regression;
    pts.length = 0;
    for (let k = 0; k < 1000; k++) {
      const x = -0.99 + (1.98 * k) / 999;
      pts.push({ x: Math.round(x * 1e4) / 1e4, y: Math.round((0.4 * Math.sin(5 * x) + 0.05 * Math.sin(k * 91.7)) * 1e4) / 1e4 });
    }
    document.getElementById('gamma').dispatchEvent(new Event('input'));
  });
  await idle();
  const bigGp = await page.evaluate(() => window.kernDemo.lastReply());
  assert.ok(bigGp, `GP on 1,000 points: ${await text('status')}`);
  console.log(`GP on 1,000 points: fit ${bigGp.fitMs.toFixed(0)} ms, with the grid, band, draws and RFF ${bigGp.totalMs.toFixed(0)} ms`);

  assert.deepEqual(problems, [], 'no console errors');
  console.log('web test: ok');
} catch (e) {
  failed = true;
  console.error(`web test FAILED: ${e.message}`);
  if (page) console.error(`page status: ${await page.locator('#status').textContent()}`);
  if (problems.length) console.error(problems.join('\n'));
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
