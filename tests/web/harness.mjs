// What the dashboard's browser tests share: the server under test (`liquida serve --demo` on a
// temporary data directory), Debian's chromium, tokens and API calls, pages, and bounded waits.
// Environment: dashboard.test.mjs says which variables it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE = process.env.LIQUIDA_SOURCE_DIR || path.resolve(here, '../..');
export const BIN = process.env.LIQUIDA_BIN || path.join(SOURCE, 'build/dev/cli/liquida');
export const CHROMIUM = process.env.LIQUIDA_CHROMIUM || '/usr/bin/chromium';
export const MEMORY_SECONDS = Number(process.env.LIQUIDA_MEMORY_SECONDS || 60);
// Screenshots of every screen, for review: under the build tree (CTest sets it).
export const ARTIFACTS = process.env.LIQUIDA_WEB_ARTIFACTS || path.join(here, 'artifacts');
export const DOCS_SHOT = path.join(SOURCE, 'docs/dashboard.png');
export const WAIT = 30_000;  // the longest any single wait may take
export const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// axe-core's WCAG 2.1 A and AA rules on the page as it stands: the violations, each with the
// elements at fault. (Evaluated through the browser's debugging protocol, which the page's
// Content-Security-Policy does not govern.)
export async function axeViolations(page) {
  await page.evaluate(AXE);
  const found = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return found.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')})`);
}

// The run's server, browser and data directory, set by startAll.
export const env = { dataDir: null, server: null, browser: null };
export const tokens = new Set();      // every token handed to a page: none may appear in a URL
export const urls = [];               // every request and websocket URL the pages opened
export const pageErrors = [];         // uncaught exceptions in the pages

// ---------- the server ----------
export function startServer(dir, port = 0) {
  const child = spawn(BIN, ['serve', '--data', dir, '--port', String(port), '--demo', '--demo-rate', '100',
    '--static', path.join(SOURCE, 'gateway/web')], { cwd: SOURCE, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => { log = (log + chunk).slice(-20_000); };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "listening on" line within ${WAIT} ms:\n${log}`));
    }, WAIT);
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(log);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, exited, url: m[1], port: Number(m[2]), log: () => log });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`liquida serve exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
}

export async function stopServer(s) {
  s.child.kill('SIGTERM');
  let timer;
  const result = await Promise.race([s.exited, new Promise((r) => { timer = setTimeout(() => r(null), WAIT); })]);
  clearTimeout(timer);
  if (result) return result;
  s.child.kill('SIGKILL');
  await s.exited;
  throw new Error(`liquida serve did not stop within ${WAIT} ms of SIGTERM:\n${s.log()}`);
}

export function token(role, subject, ttl) {
  const args = ['token', '--role', role, '--subject', subject, '--data', env.dataDir];
  if (ttl) args.push('--ttl', String(ttl));
  const out = execFileSync(BIN, args, { encoding: 'utf8', timeout: WAIT, stdio: ['ignore', 'pipe', 'pipe'] });
  const t = out.trim().split('\n').pop().trim();
  tokens.add(t);
  return t;
}

export async function api(method, target, tok, body) {
  const res = await fetch(new URL(target, env.server.url), {
    method,
    headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(WAIT),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* CSV or text */ }
  return { status: res.status, json, text };
}

// A provider of the test's own, in the padrón (recién matriculado: enrolled any month) and
// adhered to InSSSeP, through the same commands people issue; the demo feed never touches it.
// `seguroUntil`: its malpractice policy's last day in force. Numbers are handed out in order:
// drawn at random, two tests of one run could get the same one.
let nextProvider = 990_001;
export async function newProvider(colegio, seguroUntil = '2030-12-31') {
  const provider = nextProvider++;
  const commands = [{
    command: 'register_provider', provider, matricula: `MP-${provider}`, cuit: '27-35215358-9', razon_social: `PRUEBA ${provider}`,
    iva: 'monotributo', cbu: '2850590940090418135201', category: 'A', recien_matriculado: true, address: 'Calle 1',
    email: 'prueba@example.com', phone: '(343) 400000',
  }, { command: 'adhere_to_obra_social', provider, obra_social: 'insssep', provider_number: '3-333' }];
  for (const type of ['rnp', 'afip', 'cbu', 'seguro', 'anexo1']) {
    const id = `${provider}-${type}`;
    commands.push({ command: 'upload_document', provider, type, document_id: id, reference: id, expires_on: type === 'seguro' ? seguroUntil : '2030-12-31' },
      { command: 'verify_document', provider, document_id: id, approved: true, reason: '' });
  }
  commands.push({ command: 'enroll_in_padron', provider });
  for (const body of commands) {
    const r = await api('POST', '/v1/commands', colegio, body);
    assert.equal(r.status, 201, `${body.command}: ${r.text}`);
  }
  return provider;
}

// ---------- pages ----------
export async function openDashboard(tok, contextOptions = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'es-AR', ...contextOptions });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  if (tok !== undefined) await page.goto(`${env.server.url}#token=${tok}`);
  return { context, page };
}

export const numberIn = (page, id) => page.$eval(`#${id}`, (e) => {
  const t = e.textContent.replace(/\./g, '').trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
});
// Waits for #id to show an integer of at least `min`. (A data argument, not code: the
// page's Content-Security-Policy refuses eval, in the page as in the test.)
export async function waitNumber(page, id, min = 0) {
  await page.waitForFunction(([id, min]) => {
    const t = document.getElementById(id).textContent.replace(/\./g, '').trim();
    return /^-?\d+$/.test(t) && Number(t) >= min;
  }, [id, min], { timeout: WAIT });
  return numberIn(page, id);
}
export const waitLive = (page) => page.waitForFunction(() => document.getElementById('status').dataset.state === 'live', null, { timeout: WAIT });
// Waits for the confirmation of the action just sent and checks it against `pattern`.
export async function actionDone(page, pattern) {
  await page.waitForFunction((source) => {
    const done = document.getElementById('action-done');
    return !done.hidden && new RegExp(source).test(done.textContent);
  }, pattern.source, { timeout: WAIT }).catch(async (e) => {
    throw new Error(`${e.message}\n#action-done says: ${await page.$eval('#action-done', (d) => d.textContent)}`);
  });
}
// Presses a download button and returns its download. The dashboard fetches the file before
// handing it to the browser and says in #dl-msg how that went: a refusal fails here with the
// server's message, and a slow answer (a loaded CI machine, under ASan) gets DOWNLOAD_WAIT.
// The button is pressed from the keyboard, as a keyboard user does: a click waits for the
// button to stand still, and the live tables above the downloads keep moving it while they fill.
export const DOWNLOAD_WAIT = 3 * WAIT;
export async function downloadFrom(page, selector) {
  const download = page.waitForEvent('download', { timeout: DOWNLOAD_WAIT });
  download.catch(() => {});  // awaited below, once the message says it was fetched
  await page.focus(selector);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('dl-msg').textContent.startsWith('Descargando'), null, { timeout: DOWNLOAD_WAIT });
  const said = await page.$eval('#dl-msg', (p) => p.textContent);
  assert.match(said, /^Descargado /, `${selector}: the dashboard says "${said}"; the server's log ends:\n${env.server.log().slice(-4000)}`);
  return download;
}
// The headers of #tbodyId's table that the layout shows.
export const shownHeaders = (page, tbodyId) => page.$eval(`#${tbodyId}`, (tb) => [...tb.closest('table').querySelectorAll('thead th')]
  .filter((x) => getComputedStyle(x).display !== 'none').map((x) => x.textContent));
// On a phone the layout viewport widens to fit wide content, so compare with the device's
// 390 px as well as with innerWidth.
export async function fitsPhone(page, who) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth + 1 && scrollWidth <= 390 + 1, `${who}: scrollWidth ${scrollWidth}, innerWidth ${innerWidth}`);
}
// A function measuring the page's JS heap, DOM nodes and listeners after a garbage collection.
export async function memoryOf(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { heap: m.JSHeapUsedSize, nodes: m.Nodes, listeners: m.JSEventListeners };
  };
}

// ---------- lifecycle ----------
const t0 = Date.now();
export const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

export async function startAll() {
  assert.ok(existsSync(BIN), `LIQUIDA_BIN ${BIN} does not exist`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} does not exist (apt-get install chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  env.dataDir = mkdtempSync(path.join(tmpdir(), 'liquida-web-'));
  env.server = await startServer(env.dataDir);
  console.log(`liquida serve listening at ${env.server.url} after ${elapsed()}`);
  env.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    timeout: WAIT,
  });
  console.log(`chromium ${env.browser.version()} launched after ${elapsed()}`);
}

export async function stopAll() {
  if (env.browser) await env.browser.close().catch(() => {});
  if (env.server && env.server.child.exitCode === null && env.server.child.signalCode === null) await stopServer(env.server).catch(() => {});
  if (env.dataDir) rmSync(env.dataDir, { recursive: true, force: true });
  console.log(`done after ${elapsed()}`);
}

// The last test of a file: no token travelled in a URL, no page threw, and the server stops cleanly.
export function testNothingLeaked() {
  test('no token in any URL, no script errors, and the server stops cleanly', { timeout: 60_000 }, async () => {
    assert.ok(urls.length > 0);
    for (const u of urls) {
      // What reaches the server: everything but the fragment.
      const url = new URL(u);
      const sent = `${url.origin}${url.pathname}${url.search}`;
      for (const t of tokens) assert.ok(!sent.includes(t), `a token travelled in ${url.origin}${url.pathname}`);
      assert.ok(!url.searchParams.has('token') && !url.searchParams.has('auth'), `token-like query in ${url.origin}${url.pathname}`);
    }
    assert.deepEqual(pageErrors, []);
    const { code, signal } = await stopServer(env.server);
    assert.equal(code, 0, `liquida serve exit ${code ?? signal}:\n${env.server.log()}`);
  });
}
