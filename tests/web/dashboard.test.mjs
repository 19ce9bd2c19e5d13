// The dashboard in a real browser: Debian's chromium driven by playwright-core, against
// `liquida serve --demo` on a temporary data directory. Every wait is bounded.
//
//   LIQUIDA_BIN=build/dev/cli/liquida node --test tests/web/dashboard.test.mjs
//
// Environment: LIQUIDA_BIN (the binary), LIQUIDA_SOURCE_DIR (the checkout, for gateway/web),
// LIQUIDA_CHROMIUM (default /usr/bin/chromium), LIQUIDA_MEMORY_SECONDS (default 60),
// LIQUIDA_WEB_ARTIFACTS (where screenshots go; default tests/web/artifacts),
// LIQUIDA_WRITE_DOCS_SCREENSHOT=1 to refresh docs/dashboard.png (written when missing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS, DOCS_SHOT, DOWNLOAD_WAIT, MEMORY_SECONDS, WAIT, actionDone, api, axeViolations, downloadFrom, env, fitsPhone, memoryOf,
  newProvider, numberIn, openDashboard, shownHeaders, startAll, stopAll, testNothingLeaked, token, tokens, waitLive, waitNumber,
} from './harness.mjs';
import {
  anularOneItem, anularWhole, auditPresentation, billableProvider, consumableBudgets, consumeItem, debitInvoice, fillBudgetAffiliate,
  loadInvoice, payAndFollow, presentBilling, presentablePeriod, presentationRow, providerPage, refusedBilling, sendAndAccept,
  verifyDocument, waitA9, waitPresentation,
} from './steps.mjs';

before(startAll);
after(stopAll);

// ---------- tests ----------

test('the three views render and a command shows up without reload', { timeout: 120_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const { context, page } = await openDashboard(colegio);
  try {
    await waitLive(page);
    assert.equal(new URL(page.url()).hash, '', 'the token is cleared from the fragment');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('liquida.token')), colegio);
    assert.equal(await page.$eval('#who', (e) => e.textContent.startsWith('Colegio: colegio')), true);

    // Padrón, pending consumption and settlement all show numbers; the demo fills them.
    assert.ok(await waitNumber(page, 'padron-total', 1) > 0);
    await waitNumber(page, 'padron-in');
    await waitNumber(page, 'padron-out');
    assert.ok(await waitNumber(page, 'pending-total', 1) > 0);
    // A non-zero amount in the Argentine format, $ 1.234.567,89.
    await page.waitForFunction(() => [...document.querySelectorAll('#settlement-rows td.num')]
      .some((td) => /^\$ [1-9]\d{0,2}(\.\d{3})*,\d{2}$/.test(td.textContent)), null, { timeout: 60_000 });
    assert.ok(await page.$$eval('#chart rect', (r) => r.filter((x) => Number(x.getAttribute('height')) > 0).length) > 0, 'chart bars drawn');
    assert.match(await page.$eval('#period-select', (s) => s.selectedOptions[0]?.textContent || ''), /^\d{2}\/\d{4}$/);
    // The demo consumes what it authorizes: wait for a pending row rather than trust the count.
    const cell = await page.waitForSelector('#pending-rows tr td', { timeout: WAIT });
    assert.match(await cell.textContent(), /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    await page.waitForFunction(() => document.querySelectorAll('#feed-list li').length > 0, null, { timeout: WAIT });

    // A command through the API: the padrón moves on the page, same document (no reload).
    await page.evaluate(() => { window.__sameDocument = true; });
    const before = await numberIn(page, 'padron-total');
    const res = await api('POST', '/v1/commands', colegio, {
      command: 'register_provider', provider: 999001, matricula: 'MP-9', cuit: '27-35215358-9',
      razon_social: 'Prueba', iva: 'monotributo', cbu: '2850590940090418135201', category: 'A',
    });
    assert.ok(res.status === 201 || res.status === 200, `register_provider: ${res.status} ${res.text}`);
    await waitNumber(page, 'padron-total', before + 1);
    await page.waitForFunction(() => [...document.querySelectorAll('#out-rows td')].some((td) => td.textContent === 'Prueba'),
      null, { timeout: WAIT });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');

    // In Spanish, with names: the board says whose it is, the feed's events are labels from
    // /v1/meta (no snake_case), the obras sociales are named.
    assert.equal(await page.$eval('#board-title', (e) => e.textContent), 'tablero del colegio');
    await page.waitForFunction(() => [...document.querySelectorAll('#feed-list .kind')]
      .some((k) => /^(Orden|Presupuesto|Factura|Prácticas|Documento|Token|Elegibilidad|Alta|Prestador|Adhesión)/.test(k.textContent)),
    null, { timeout: WAIT });
    const kinds = await page.$$eval('#feed-list .kind', (l) => l.map((k) => k.textContent));
    assert.ok(kinds.every((k) => !k.includes('_') && /^[A-ZÁÉÍÓÚ]/.test(k)), `feed kinds: ${kinds.slice(0, 5)}`);
    await page.waitForFunction(() => [...document.querySelectorAll('#settlement-rows tr td:first-child')]
      .some((td) => td.textContent === 'SanCor Salud'), null, { timeout: WAIT });
    // The invoices card follows the period the settlement shows.
    const shown = await page.$eval('#period-select', (s) => s.selectedOptions[0].textContent);
    await page.waitForFunction((p) => document.getElementById('invoices-period').textContent === `del período ${p}`, shown, { timeout: WAIT });
    await page.waitForFunction(() => document.querySelectorAll('#invoice-rows tr').length > 0
      || document.getElementById('invoices-empty').textContent === 'No hay facturas de este período.', null, { timeout: WAIT });
    const invoicePeriods = await page.$$eval('#invoice-rows tr', (rows) => rows.map((r) => r.children[3].textContent));
    assert.ok(invoicePeriods.every((p) => p === shown), `invoices of ${shown} only: ${invoicePeriods.slice(0, 5)}`);
    assert.equal(await page.$$eval('#invoices thead th', (h) => h.map((x) => x.textContent).slice(-3).join('|')), 'Orden de pago|Planilla de débitos|Acción');
    // The feed is capped.
    assert.ok(await page.$$eval('#feed-list li', (l) => l.length) <= 50);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  } finally {
    await context.close();
  }
});

test('CSV downloads of the invoice listing and the validation report', { timeout: 6 * DOWNLOAD_WAIT }, async () => {
  const { context, page } = await openDashboard(token('colegio', 'colegio'), { acceptDownloads: true });
  try {
    await waitLive(page);
    await page.waitForFunction(() => /^\d{4}-\d{2}$/.test(document.getElementById('dl-period').value), null, { timeout: 60_000 });
    const period = await page.$eval('#dl-period', (i) => i.value);
    // CSV: UTF-8 with a byte order mark, names beside ids; the file named by the server.
    await page.selectOption('#dl-format', 'csv');
    for (const [button, header, name] of [['#dl-invoices', '\uFEFFPrestador;Razon social;CUIT;Obra social', new RegExp(`^facturas-${period}\\.csv$`)],
      ['#dl-validation', '\uFEFFObra social;Nombre obra social;Prestador', new RegExp(`^validacion-${period}\\.csv$`)],
      ['#dl-payment-orders', '\uFEFFComprobante;Nro comprobante orden;Fecha de pago;Retenciones;Obra social', new RegExp(`^ordenes-de-pago-${period}\\.csv$`)]]) {
      const download = await downloadFrom(page, button);
      assert.match(download.suggestedFilename(), name);
      const file = await download.path();
      assert.ok(readFileSync(file, 'utf8').startsWith(header), `${button}: CSV header`);
    }
    // XLSX, the default: a zip (an Excel workbook), named for the listing and the period.
    await page.selectOption('#dl-format', 'xlsx');
    const book = await downloadFrom(page, '#dl-settlement');
    assert.match(book.suggestedFilename(), new RegExp(`^liquidacion-${period}\\.xlsx$`));
    assert.equal(readFileSync(await book.path()).subarray(0, 2).toString('latin1'), 'PK');
    assert.match(await page.$eval('#dl-msg', (p) => p.textContent), /^Descargado /);
  } finally {
    await context.close();
  }
});

test('the colegio sees what is left of a month per obra social, and a month the demo has not ended is not closed', { timeout: 120_000 }, async () => {
  const { context, page } = await openDashboard(token('colegio', 'colegio'), { acceptDownloads: true });
  try {
    await waitLive(page);
    await page.waitForFunction(() => /^\d{4}-\d{2}$/.test(document.getElementById('dl-period').value), null, { timeout: 60_000 });
    await page.click('#month-refresh');  // the months once the demo has settled one
    await page.waitForFunction(() => document.querySelectorAll('#month-rows tr').length === 3, null, { timeout: WAIT });
    const month = await page.$eval('#month-select', (s) => s.value);
    assert.match(month, /^\d{4}-\d{2}$/);
    assert.match(await page.$eval('#month-state', (p) => p.textContent), new RegExp(`^${month}: `));
    const insurers = await page.$$eval('#month-rows tr', (rows) => rows.map((r) => r.children[0].textContent));
    assert.deepEqual(insurers, ['SanCor Salud', 'InSSSeP', 'IOMA']);  // names, in the configuration's order
    // The demo's business clock is in its first month: closing it, even forced, is refused
    // with the server's reason, and nothing is closed.
    await page.check('#month-force');
    await page.click('#month-close');
    await page.waitForFunction(() => /^(Cerrado|No se cerró)/.test(document.getElementById('month-msg').textContent), null, { timeout: 60_000 });
    assert.match(await page.$eval('#month-msg', (p) => p.textContent), new RegExp(`^No se cerró: El mes ${month} todavía no terminó`));
    assert.equal(await page.$eval('#month-close', (b) => b.disabled), false);
    assert.equal(await page.$$eval('#month-reports li', (l) => l.length), 0);
  } finally {
    await context.close();
  }
});

test('after a dropped connection it shows reconectando… and resumes by sequence', { timeout: 60_000 }, async () => {
  const { context, page } = await openDashboard(undefined);
  try {
    // Test-only hook: remember the page's websockets so the test can drop one.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(...a) { super(...a); window.__sockets.push(this); }
      };
    });
    const sent = [], received = [];
    page.on('websocket', (ws) => {
      if (!ws.url().endsWith('/v1/live')) return;
      ws.on('framesent', (f) => sent.push(String(f.payload)));
      ws.on('framereceived', (f) => { const p = String(f.payload); if (p.includes('"resumed"')) received.push(p); });
    });
    await page.goto(`${env.server.url}#token=${token('colegio', 'colegio')}`);
    await waitLive(page);
    await waitNumber(page, 'pending-total', 1);
    await page.evaluate(() => {
      window.__states = [];
      window.__announced = [];
      const s = document.getElementById('status');
      new MutationObserver(() => window.__states.push(s.dataset.state)).observe(s, { attributes: true, attributeFilter: ['data-state'] });
      new MutationObserver(() => window.__announced.push(s.textContent)).observe(s, { childList: true, characterData: true, subtree: true });
      window.__sockets.find((w) => w.url.endsWith('/v1/live') && w.readyState === 1).close();
    });
    await page.waitForFunction(() => window.__states.includes('reconnecting') && document.getElementById('status').dataset.state === 'live',
      null, { timeout: WAIT });
    const deadline = Date.now() + WAIT;
    const views = ['padron', 'orders', 'pending', 'settlement', 'invoices'];  // the colegio's
    while (received.length < views.length && Date.now() < deadline) await page.waitForTimeout(100);
    assert.deepEqual(sent.filter((f) => /"resume_from":\d+/.test(f)).map((f) => JSON.parse(f).subscribe), views, 'subscribed again with resume_from');
    assert.equal(received.length, views.length, 'every view resumed (no fresh snapshot)');
    assert.equal(await page.$eval('#status', (s) => s.dataset.reconnects), '1');
    // The live region says each change of state once: reconnecting, then live again.
    assert.deepEqual(await page.evaluate(() => window.__announced), ['reconectando…', 'en vivo']);
    await waitNumber(page, 'pending-total', 1);
  } finally {
    await context.close();
  }
});

test('a person signs in with a password, changes it, is locked out after five failures, and Salir ends the session', { timeout: 90_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  for (const username of ['secretaria', 'tesoreria']) {
    const r = await api('POST', '/v1/users', colegio, { username, role: 'colegio', subject: 'colegio', password: 'clave del colegio 2025' });
    assert.equal(r.status, 201, r.text);
  }
  const { context, page } = await openDashboard(undefined, { viewport: { width: 390, height: 844 } });
  const signIn = async (user, password) => {
    await page.fill('#login-user', user);
    await page.fill('#login-password', password);
    await page.press('#login-password', 'Enter');  // the keyboard alone signs in
  };
  const errorOf = (id) => page.$eval(`#${id}-error`, (e) => (e.hidden ? '' : e.textContent));
  try {
    await page.goto(env.server.url);
    await page.waitForFunction(() => !document.getElementById('login').hidden, null, { timeout: WAIT });
    await page.screenshot({ path: path.join(ARTIFACTS, 'login-390.png'), fullPage: true });

    // Typed errors next to the field they name.
    await page.click('#login-form button');
    assert.match(await errorOf('login-user'), /usuario/);
    await signIn('secretaria', 'no es la clave');
    await page.waitForFunction(() => !document.getElementById('login-password-error').hidden, null, { timeout: WAIT });
    assert.match(await errorOf('login-password'), /incorrectos/);
    assert.equal(await page.$eval('#login-password', (e) => e.getAttribute('aria-invalid')), 'true');
    assert.equal(await page.isVisible('#board'), false);

    await signIn('secretaria', 'clave del colegio 2025');
    await waitLive(page);
    assert.match(await page.$eval('#who', (e) => e.textContent), /^secretaria · Colegio/);
    await waitNumber(page, 'padron-total', 1);
    const session = await page.evaluate(() => sessionStorage.getItem('liquida.token'));
    tokens.add(session);
    assert.equal((await api('GET', '/v1/views/padron', session)).status, 200);

    // The password, changed from the board: the current one is checked next to its field.
    await page.click('#change-password');
    await page.fill('#password-current', 'no es la actual');
    await page.fill('#password-new', 'otra clave del colegio');
    await page.click('#password-form button[type=submit]');
    await page.waitForFunction(() => !document.getElementById('password-current-error').hidden, null, { timeout: WAIT });
    assert.match(await errorOf('password-current'), /incorrectos/);
    assert.deepEqual(await axeViolations(page), [], 'the password form with its error');
    await page.fill('#password-current', 'clave del colegio 2025');
    await page.fill('#password-new', 'otra clave del colegio');
    await page.click('#password-form button[type=submit]');
    await page.waitForFunction(() => /cambiada/.test(document.getElementById('password-msg').textContent), null, { timeout: WAIT });
    await page.click('#password-cancel');
    assert.equal(await page.isVisible('#board'), true);

    // Salir: the form, nothing of the board under it, and the token is no good to anyone.
    await page.click('#logout');
    await page.waitForFunction(() => !document.getElementById('login').hidden, null, { timeout: WAIT });
    for (const id of ['#board', '#padron-total', '#who', '#change-password'])
      assert.equal(await page.isVisible(id), false, `${id} visible after Salir`);
    const deadline = Date.now() + WAIT;
    let after;
    do after = await api('GET', '/v1/views/padron', session); while (after.status === 200 && Date.now() < deadline);
    assert.equal(after.status, 401);
    assert.equal(after.json.error.code, 'auth.revoked_token');

    // Five failures lock the name, the right password included, and the page says so there.
    for (let i = 0; i < 5; i++) {
      await signIn('tesoreria', `adivinando ${i}`);
      await page.waitForFunction(() => document.getElementById('login-password').value === '', null, { timeout: WAIT });
    }
    await signIn('tesoreria', 'clave del colegio 2025');
    await page.waitForFunction(() => /bloqueado/.test(document.getElementById('login-user-error').textContent), null, { timeout: WAIT });
    assert.equal(await page.isVisible('#board'), false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'login-locked-390.png'), fullPage: true });
    assert.deepEqual(await axeViolations(page), [], 'the sign-in form, locked out');
  } finally {
    await context.close();
  }
});

test('a prestador consumes a pending item and the colegio verifies a document, both screens following live', { timeout: 120_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  // A budget of the test's own provider: three items authorized, pending consumption.
  const provider = String(await newProvider(colegio));
  const number = 128_500_000 + Math.floor(Math.random() * 100_000);
  const budget = await api('POST', '/v1/commands', colegio, {
    command: 'submit_budget', provider: Number(provider), transaction_number: number, obra_social: 'insssep', affiliate_number: '51868',
    credential: '59790', family_group: '', token: '', diagnosis_code: 'K029', diagnosis_type: 'definitivo',
    lines: [{ practice_code: '100100', tooth: 18, faces: '' }, { practice_code: '20900', tooth: 17, faces: 'OM' }],
    clinical_summary: 'DIABETICO - Tipo 2', attachments: [],
  });
  assert.equal(budget.status, 201, budget.text);
  const item = { provider, transaction: `88-T-${number}`, item: 1 };
  const key = `${provider}/${item.transaction}/1`;
  const button = `#pending-rows button[data-key="${key}"]`;

  const colegioPage = await openDashboard(colegio, { viewport: { width: 1366, height: 768 } });
  const prestador = await openDashboard(token('prestador', provider), { viewport: { width: 390, height: 844 } });
  try {
    await waitLive(prestador.page);
    await waitLive(colegioPage.page);
    await prestador.page.waitForSelector(button, { timeout: WAIT });
    await colegioPage.page.waitForSelector(button, { timeout: WAIT });
    const page = prestador.page;
    await page.click(button);
    assert.equal(await page.isVisible('#consume-form'), true);
    // InSSSeP asks for the affiliate's signature on the ticket, and its items may bill a share.
    assert.equal(await page.isVisible('#consume-affiliate_signed'), true);
    assert.deepEqual(await page.$$eval('#consume-billing option', (o) => o.map((x) => x.textContent)),
      ['Total (H y G)', 'Solo honorarios', 'Solo gastos']);
    // Deferred needs its date and time, the consumption its own number and the affiliate's
    // signature: said next to the fields.
    await page.check('#consume-form input[value=deferred]');
    await page.click('#consume-form button[type=submit]');
    const said = (field) => page.$eval(`#consume-${field}-error`, (e) => (e.hidden ? '' : e.textContent));
    assert.match(await said('performed_at'), /fecha y hora/);
    assert.match(await said('affiliate_signed'), /firmó el ticket/);
    assert.equal(await page.$eval('#consume-number', (e) => e.getAttribute('aria-invalid')), 'true');
    assert.deepEqual(await axeViolations(page), [], 'the consume form with its errors');
    await page.locator('#consume-form').screenshot({ path: path.join(ARTIFACTS, 'prestador-consume-390.png') });
    // Now and signed, still without the number: refused next to it, and nothing is sent.
    await page.check('#consume-form input[value=now]');
    await page.check('#consume-affiliate_signed');
    await page.click('#consume-form button[type=submit]');
    assert.deepEqual([await said('performed_at'), await said('affiliate_signed')], ['', '']);
    assert.match(await said('number'), /número de transacción/);
    const pending = async () => (await api('GET', `/v1/views/pending?provider=${provider}&limit=5000`, colegio)).json.rows
      .some((r) => r.transaction === item.transaction && r.item === item.item);
    assert.ok(await pending(), 'nothing consumed without the number');
    // A number already used (the budget's own) is refused by the server, next to the field.
    await page.fill('#consume-number', String(number));
    await page.click('#consume-form button[type=submit]');
    await page.waitForFunction(() => /ya fue registrada/.test(document.getElementById('consume-number-error').textContent), null, { timeout: WAIT });
    assert.ok(await pending(), 'nothing consumed with a number already used');
    const own = 990_000_000 + Math.floor(Math.random() * 1_000_000);
    await page.fill('#consume-number', String(own));
    await page.selectOption('#consume-billing', 'solo_honorarios');
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/commands') && r.method() === 'POST', { timeout: WAIT });
    await page.press('#consume-form button[type=submit]', 'Enter');
    const body = (await sent).postDataJSON();
    assert.deepEqual([body.number, body.affiliate_signed, body.billing], [own, true, [{ item: 1, tipo: 'solo_honorarios' }]]);
    await actionDone(page, new RegExp(`^Consumido: ${item.transaction} ítem ${item.item}`));
    // Gone from the prestador's screen and from the colegio's, without a reload.
    await page.waitForSelector(button, { state: 'detached', timeout: WAIT });
    await colegioPage.page.waitForSelector(button, { state: 'detached', timeout: WAIT });
    assert.ok(!await pending(), 'consumed on the server');
    await page.screenshot({ path: path.join(ARTIFACTS, 'prestador-consumed-390.png'), fullPage: true });

    // The colegio: a document uploaded now waits for it; a rejection needs a reason.
    await verifyDocument(colegioPage.page, colegio, provider);

    // What a role may not do is not offered: verifying documents is the colegio's.
    assert.equal(await page.isVisible('#documents'), false);
  } finally {
    await prestador.context.close();
    await colegioPage.context.close();
  }
});

test('a prestador loads an order and the colegio approves it, both screens following live', { timeout: 120_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const provider = String(await newProvider(colegio));
  const orderId = `web-${Date.now()}`;
  const reviewButton = `#orders-rows button[data-key="${provider}/${orderId}"]`;
  const colegioPage = await openDashboard(colegio, { viewport: { width: 1366, height: 768 } });
  const prestador = await openDashboard(token('prestador', provider), { viewport: { width: 390, height: 844 } });
  const stateOf = (page) => page.locator('#orders-rows tr', { hasText: orderId }).locator('td').nth(8).textContent();
  try {
    await waitLive(prestador.page);
    await waitLive(colegioPage.page);
    const form = prestador.page;
    // The form offers the obras sociales the prestador is adhered to, and what InSSSeP's orders carry.
    await form.waitForFunction(() => [...document.getElementById('order-obra_social').options].map((o) => o.value).join() === 'insssep',
      null, { timeout: WAIT });
    await form.waitForSelector('[id="order-fields.credential"]', { timeout: WAIT });
    assert.equal(await form.$eval('#order-practice_code', (s) => s.options.length > 0), true);
    await form.fill('#order-order_id', orderId);
    await form.fill('#order-affiliate_number', '51868');
    await form.fill('[id="order-fields.credential"]', '59790');
    // Without the signatures it is refused, said next to the field, and nothing is recorded.
    await form.click('#order-form button[type=submit]');
    await form.waitForFunction(() => !document.getElementById('order-patient_signature-error').hidden, null, { timeout: WAIT });
    assert.match(await form.$eval('#order-patient_signature-error', (e) => e.textContent), /firma del paciente/);
    assert.deepEqual(await axeViolations(form), [], 'the order form with its error');
    assert.equal((await api('GET', `/v1/views/orders?provider=${provider}`, colegio)).json.total, 0);
    for (const box of ['patient_signature', 'professional_signature', 'professional_stamp']) await form.check(`#order-${box}`);
    await form.press('#order-form button[type=submit]', 'Enter');
    await actionDone(form, new RegExp(`^Orden ${orderId} cargada`));
    assert.equal(await form.$eval('#order-order_id', (e) => e.value), '', 'the form is ready for the next order');
    await form.locator('#orders-rows tr', { hasText: orderId }).waitFor({ timeout: WAIT });
    assert.equal(await stateOf(form), 'Pendiente de revisión');
    await form.screenshot({ path: path.join(ARTIFACTS, 'prestador-order-loaded-390.png'), fullPage: true });

    // The colegio's queue shows it without a reload; a rejection for "other" needs its detail.
    const page = colegioPage.page;
    await page.waitForSelector(reviewButton, { timeout: WAIT });
    await page.click(reviewButton);
    await page.check('#review-form input[value=false]');
    await page.selectOption('#review-reason_code', 'other');
    await page.click('#review-form button[type=submit]');
    assert.match(await page.$eval('#review-reason-error', (e) => e.textContent), /motivo/);
    assert.deepEqual(await axeViolations(page), [], 'the review form with its error');
    await page.check('#review-form input[value=true]');
    await page.click('#review-form button[type=submit]');
    await page.waitForSelector(reviewButton, { state: 'detached', timeout: WAIT });
    assert.match(await page.$eval('#action-done', (e) => e.textContent), new RegExp(`^Orden ${orderId} de ${provider} aprobada`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'colegio-orders-1366.png'), fullPage: true });
    // The prestador's screen follows, and the server agrees.
    await form.waitForFunction((id) => [...document.querySelectorAll('#orders-rows tr')]
      .some((tr) => tr.textContent.includes(id) && tr.cells[8].textContent === 'Aprobada'), orderId, { timeout: WAIT });
    const row = (await api('GET', `/v1/views/orders?provider=${provider}`, colegio)).json.rows[0];
    assert.equal(row.order_id, orderId);
    assert.equal(row.state, 'approved');
    assert.equal(row.fields.credential, '59790');
    // Reviewing is the colegio's: the prestador has no such button.
    assert.equal(await form.$$eval('#orders-rows button', (b) => b.length), 0);
    await providerPage(page, colegio, provider, orderId);
  } finally {
    await prestador.context.close();
    await colegioPage.context.close();
  }
});

test('a prestador submits a dental budget with the tooth and face picker, its items wait to be consumed, and one is anulado alone', { timeout: 90_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const provider = await newProvider(colegio);
  const number = 128_700_000 + Math.floor(Math.random() * 100_000);
  const { context, page } = await openDashboard(token('prestador', String(provider)), { viewport: { width: 390, height: 844 } });
  const tooth = (t) => page.check(`#budget-teeth input[value="${t}"]`);
  const face = (f) => page.check(`#budget-faces input[value="${f}"]`);
  try {
    await waitLive(page);
    await page.waitForSelector('#budget-practice option[value="020900"]', { state: 'attached', timeout: WAIT });
    // The aranceles agreed with InSSSeP, as /v1/meta gives them: seed 002's $16.051,84 for 020800.
    await page.selectOption('#aranceles-obra_social', 'insssep');
    assert.deepEqual(await page.$$eval('#aranceles-head th', (ths) => ths.map((th) => th.textContent)), ['Código', 'Práctica', 'inicial']);
    const fees = await page.$$eval('#aranceles-rows tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(fees.find((r) => r[0] === '020800'), ['020800', 'Obturación con composite, cavidad simple', '$ 16.051,84']);
    await fillBudgetAffiliate(page);
    // A composite needs a tooth and a face: without them it is not added, and it says why.
    await page.selectOption('#budget-practice', '020900');
    await tooth(17);
    await page.click('#budget-add');
    assert.match(await page.$eval('#budget-picker-msg', (e) => e.textContent), /requiere cara/);
    assert.equal(await page.$$eval('#budget-line-rows tr', (trs) => trs.length), 0);
    await page.fill('#budget-quantity', '100');
    await face('O');
    await face('M');
    await page.click('#budget-add');
    assert.match(await page.$eval('#budget-picker-msg', (e) => e.textContent), /cantidad va de 1 a 99/);
    await page.fill('#budget-quantity', '2');  // the tooth and faces stay ticked after a refused line
    await page.click('#budget-add');
    // An extraction on two teeth: a line per tooth; one removed again.
    await page.selectOption('#budget-practice', '100100');
    await tooth(18);
    await tooth(55);
    await page.click('#budget-add');
    const lines = () => page.$$eval('#budget-line-rows tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 5).map((c) => c.textContent).join(' ')));
    assert.deepEqual((await lines()).map((l) => l.replace(/ · .*/, '')), ['020900 Obturación con composite, cavidad compuesta 17 OM 2',
      '100100 Extracción dentaria simple 18 – 1', '100100 Extracción dentaria simple 55 – 1']);
    await page.click('#budget-line-rows button[aria-label="Quitar 100100 del diente 55"]');
    assert.equal((await lines()).length, 2);
    assert.deepEqual(await axeViolations(page), [], 'the budget form with its picker');
    await page.locator('#budget').screenshot({ path: path.join(ARTIFACTS, 'prestador-budget-390.png') });
    await page.fill('#budget-transaction_number', String(number));
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/commands') && r.method() === 'POST', { timeout: WAIT });
    await page.click('#budget-form button[type=submit]');
    const body = (await sent).postDataJSON();
    assert.deepEqual([body.titular, body.credential_type, body.prescriptor_matricula, body.prescriptor_name],
      ['HERMOSI RAMON OSVALDO', 'credencial', 'MP 4512', 'ODONTOLOGO DE PRUEBA COCH']);
    await actionDone(page, new RegExp(`^Presupuesto ${number} enviado: aceptado`));
    // Its items wait to be consumed, on the prestador's own board.
    for (const item of [1, 2]) await page.waitForSelector(`#pending-rows button[data-key="${provider}/88-T-${number}/${item}"]`, { state: 'attached', timeout: WAIT });
    const pending = (await api('GET', `/v1/views/pending?provider=${provider}`, colegio)).json.rows;
    assert.deepEqual(pending.map((r) => [r.practice_code, r.tooth, r.faces]), [['020900', 17, 'OM'], ['100100', 18, '']]);
    // The affiliate as typed reaches the A9 report (the demo's clock moves: a range around today).
    const { today } = (await api('GET', '/v1/meta', colegio)).json.clock;
    const day = (d) => new Date(Date.parse(today) + d * 86_400_000).toISOString().slice(0, 10);
    const a9 = (await api('GET', `/v1/reports/authorizations?provider=${provider}&from=${day(-40)}&to=${day(0)}`, colegio)).json.rows;
    assert.deepEqual(a9.map((r) => [r.affiliate_name, r.quantity]), [['HERMOSI RAMON OSVALDO', 2], ['HERMOSI RAMON OSVALDO', 1]]);
    // The extraction will not happen: that item alone is anulado, with its reason; the composite still waits.
    await page.click(`#pending-rows button[data-key="${provider}/88-T-${number}/2"]`);
    await page.click('#consume-anular');
    await page.waitForFunction(() => !document.getElementById('consume-reason-error').hidden, null, { timeout: WAIT });
    await page.fill('#consume-reason', 'El paciente no vuelve');
    await page.click('#consume-anular');
    await page.waitForSelector(`#pending-rows button[data-key="${provider}/88-T-${number}/2"]`, { state: 'detached', timeout: WAIT });
    assert.match(await page.$eval('#action-done', (e) => e.textContent), new RegExp(`^Anulado: 88-T-${number} ítem 2`));
    assert.deepEqual((await api('GET', `/v1/views/pending?provider=${provider}`, colegio)).json.rows.map((r) => r.item), [1]);
    assert.equal(await page.$$eval('#budget-line-rows tr', (trs) => trs.length), 0, 'the form is ready for the next budget');
    await fitsPhone(page, 'prestador with the budget form');
  } finally {
    await context.close();
  }
});

test('a prestador anula a consumption by its own number from its A9 table, and a refused tipo de facturación shows on its item', { timeout: 120_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const { provider, number, ioma } = await consumableBudgets(colegio);
  const transaction = `88-T-${number}`;
  const first = 990_000_000 + Math.floor(Math.random() * 1_000_000), second = first + 1;
  const { context, page } = await openDashboard(token('prestador', String(provider)), { viewport: { width: 1366, height: 768 } });
  try {
    await waitLive(page);
    // The server refuses a tipo de facturación IOMA does not offer: said on the item's select.
    await refusedBilling(page, provider, ioma);
    assert.ok((await api('GET', `/v1/views/pending?provider=${provider}&obra_social=ioma`, colegio)).json.total === 1, 'nothing consumed');
    // Item 1 consumed through the Consumir form; items 2 and 3 together, as a consumption of its own.
    await consumeItem(page, provider, transaction, 1, first);
    const both = await api('POST', '/v1/commands', colegio, {
      command: 'consume_practices', provider, transaction: { boca: 88, serie: 'T', number }, items: [2, 3], deferred: false,
      performed_at: null, number: second, affiliate_signed: true,
    });
    assert.equal(both.status, 201, both.text);
    // The prestador's page lists each item with its consumption's number (A9), newest first.
    await waitA9(page, transaction, 1, 'Consumida', String(first));
    await waitA9(page, transaction, 3, 'Consumida', String(second));
    assert.equal(await page.$$eval('#provider-authorizations button', (b) => b.length), 3, 'an action beside each consumed item');
    await anularWhole(page, { provider, transaction, first, second });
    await anularOneItem(page, colegio, { provider, transaction, second });
    // The server agrees: the budget stands, its three items pending consumption again.
    const pending = (await api('GET', `/v1/views/pending?provider=${provider}&obra_social=insssep`, colegio)).json.rows;
    assert.deepEqual(pending.map((r) => [r.transaction, r.item]).sort(), [[transaction, 1], [transaction, 2], [transaction, 3]]);
    await page.locator('#provider').screenshot({ path: path.join(ARTIFACTS, 'prestador-authorizations-1366.png') });
  } finally {
    await context.close();
  }
});

test('a table draws 50 rows, and "Mostrar 50 más" the next ones', { timeout: 90_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const provider = await newProvider(colegio);
  const meta = (await api('GET', '/v1/meta', colegio)).json;
  for (let i = 0; i < 55; i++) {
    const r = await api('POST', '/v1/commands', colegio, {
      command: 'load_order', provider, order_id: `pag-${i}`, obra_social: 'insssep', practice_code: '100100', affiliate_number: '51868',
      attention_date: meta.clock.today, patient_signature: true, professional_signature: true, professional_stamp: true,
      fields: [{ name: 'credential', value: '59790' }],
    });
    assert.equal(r.status, 201, r.text);
  }
  const { context, page } = await openDashboard(token('prestador', String(provider)));
  try {
    await waitLive(page);
    await waitNumber(page, 'orders-pending', 55);
    assert.equal(await page.$$eval('#orders-rows tr', (trs) => trs.length), 50);
    assert.match(await page.$eval('#orders-more', (e) => e.textContent), /Mostrando 50 de 55 órdenes/);
    await page.click('#orders-more button');
    await page.waitForFunction(() => document.querySelectorAll('#orders-rows tr').length === 55, null, { timeout: WAIT });
    assert.equal(await page.isVisible('#orders-more'), false);
  } finally {
    await context.close();
  }
});

test('a prestador sends an invoice and the obra social audits it, both screens following live', { timeout: 120_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const { today } = (await api('GET', '/v1/meta', colegio)).json.clock;
  const { provider, period, total } = await billableProvider(colegio);
  const invoiceId = `C-00001-${String(provider).padStart(8, '0')}`;
  const invoice = { colegio, provider, period, total, today, invoiceId, button: `#invoice-rows button[data-key="${provider}/${invoiceId}"]` };
  const prestador = await openDashboard(token('prestador', String(provider)), { viewport: { width: 1366, height: 768 } });
  const insssep = await openDashboard(token('obra_social', 'insssep'), { viewport: { width: 390, height: 844 } });
  try {
    await waitLive(prestador.page);
    await waitLive(insssep.page);
    // The obra social's board keeps this period: the demo's clock may turn the month meanwhile.
    await insssep.page.waitForSelector(`#period-select option[value="${period}"]`, { state: 'attached', timeout: WAIT });
    await insssep.page.selectOption('#period-select', period);
    await loadInvoice(prestador.page, invoice);
    await sendAndAccept(prestador.page, insssep.page, invoice);
    await debitInvoice(prestador.page, insssep.page, invoice);
    await payAndFollow(prestador.page, insssep.page, invoice);
    const debits = await api('GET', `/v1/views/debits?provider=${provider}&period=${period}`, colegio);
    assert.equal(debits.status, 200, debits.text);
    assert.equal(debits.json.rows.length, 1);
    assert.equal(debits.json.rows[0].reason, 'Práctica no autorizada');
    await insssep.page.screenshot({ path: path.join(ARTIFACTS, 'obra-social-invoices-390.png'), fullPage: true });
  } finally {
    await prestador.context.close();
    await insssep.context.close();
  }
});

test('the demo runs on a test clock the colegio moves: a day on, a policy that ran out says when', { timeout: 90_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const meta = (await api('GET', '/v1/meta', colegio)).json;
  assert.equal(meta.clock.mode, 'test');
  assert.match(meta.clock.today, /^2025-/, 'the demo lives in 2025');
  // A policy in force through the demo's today only: out of the padrón once the day ends.
  const provider = await newProvider(colegio, meta.clock.today);
  const [y, m, d] = meta.clock.today.split('-');
  const { context, page } = await openDashboard(colegio, { viewport: { width: 1366, height: 768 } });
  try {
    await waitLive(page);
    await page.waitForFunction(() => /^Reloj de prueba: \d\d\/\d\d\/2025 /.test(document.getElementById('clock').textContent), null, { timeout: WAIT });
    // Backwards is refused next to the date, in Spanish; a day on is not.
    await page.fill('#clock-to', '2025-01-01');
    await page.click('#clock-form button[type=submit]');
    await page.waitForFunction(() => /sólo avanza/.test(document.getElementById('clock-to-error').textContent), null, { timeout: WAIT });
    await page.click('#clock-day');
    await page.waitForFunction(([p, text]) => [...document.querySelectorAll('#out-rows tr')]
      .some((tr) => tr.children[0].textContent === p && tr.children[3].textContent === text),
    [String(provider), `Seguro de mala praxis: vencido el ${d}/${m}/${y}`], { timeout: WAIT });
    const moved = (await api('GET', '/v1/clock', colegio)).json;
    assert.ok(moved.now >= meta.clock.now + 86_400_000, `moved a day: ${meta.clock.at} -> ${moved.at}`);
    assert.equal(await page.$eval('#clock-to-error', (e) => e.hidden), true, 'the refusal is cleared');
    // Pending items are days old on the demo's calendar, not hundreds of days against today's.
    await page.waitForFunction(() => document.querySelectorAll('#pending-rows tr').length > 0, null, { timeout: 60_000 });
    const days = await page.$$eval('#pending-rows tr', (rows) => rows.map((r) => Number(r.children[7].textContent.replace(/\./g, ''))));
    assert.ok(days.length > 0 && days.every((n) => n >= 0 && n < 60), `days pending: ${days}`);
  } finally {
    await context.close();
  }
});

test('axe-core finds nothing to fix on any screen, at both widths', { timeout: 120_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const found = [];
  for (const width of [1366, 390]) {
    const viewport = { width, height: width > 400 ? 768 : 844 };
    let { context, page } = await openDashboard(undefined, { viewport });
    try {
      await page.goto(env.server.url);
      await page.waitForFunction(() => !document.getElementById('login').hidden, null, { timeout: WAIT });
      found.push(...(await axeViolations(page)).map((v) => `login ${width}: ${v}`));
    } finally {
      await context.close();
    }
    for (const [role, subject] of [['colegio', 'colegio'], ['prestador', '1001'], ['obra_social', 'sancor']]) {
      ({ context, page } = await openDashboard(role === 'colegio' ? colegio : token(role, subject), { viewport }));
      try {
        await waitLive(page);
        await page.waitForFunction(() => document.getElementById('board-title').textContent !== '', null, { timeout: WAIT });
        found.push(...(await axeViolations(page)).map((v) => `${role} ${width}: ${v}`));
        await page.screenshot({ path: path.join(ARTIFACTS, `${role}-${width}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    }
  }
  assert.deepEqual(found, []);
});

test('the colegio creates a user from its board, and that person signs in with the prestador\'s scope', { timeout: 60_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const provider = String((await api('GET', '/v1/views/padron?limit=1', colegio)).json.rows[0].provider);
  const username = `consultorio${provider}`;
  let { context, page } = await openDashboard(colegio, { viewport: { width: 1366, height: 768 } });
  try {
    await waitLive(page);
    await page.fill('#user-username', username);
    await page.selectOption('#user-role', 'prestador');
    await page.fill('#user-subject', provider);
    await page.fill('#user-password', 'corta');
    await page.click('#user-form button[type=submit]');
    await page.waitForFunction(() => !document.getElementById('user-password-error').hidden, null, { timeout: WAIT });
    assert.match(await page.$eval('#user-password-error', (e) => e.textContent), /al menos 12/);
    assert.deepEqual(await axeViolations(page), [], 'the user form with its error');
    await page.fill('#user-password', 'clave inicial del consultorio');
    await page.click('#user-form button[type=submit]');
    await page.waitForFunction(() => /creado/.test(document.getElementById('user-msg').textContent), null, { timeout: WAIT });
    await page.waitForFunction((u) => [...document.querySelectorAll('#users-rows tr')].some((tr) => tr.children[0].textContent === u), username, { timeout: WAIT });
    // The same name again: refused next to the field.
    await page.fill('#user-username', username);
    await page.fill('#user-subject', provider);
    await page.fill('#user-password', 'clave inicial del consultorio');
    await page.click('#user-form button[type=submit]');
    await page.waitForFunction(() => !document.getElementById('user-username-error').hidden, null, { timeout: WAIT });
    assert.match(await page.$eval('#user-username-error', (e) => e.textContent), /Ya existe/);
  } finally {
    await context.close();
  }
  ({ context, page } = await openDashboard(undefined, { viewport: { width: 390, height: 844 } }));
  try {
    await page.goto(env.server.url);
    await page.fill('#login-user', username);
    await page.fill('#login-password', 'clave inicial del consultorio');
    await page.press('#login-password', 'Enter');
    await waitLive(page);
    assert.match(await page.$eval('#who', (e) => e.textContent), new RegExp(`^${username} · Prestador: ${provider} `));
    assert.equal(await page.isVisible('#users'), false, 'users are the colegio\'s');
  } finally {
    await context.close();
  }
});

test('a forged or expired token shows its state and the form signs in again', { timeout: 60_000 }, async () => {
  // Well formed, far in the future, signed with another key: only the server can tell.
  const b64 = (s) => Buffer.from(s).toString('base64url');
  const forged = `${b64(`v1|colegio|colegio|${Date.now() + 86_400_000}`)}.${b64('x'.repeat(32))}`;
  tokens.add(forged);
  let { context, page } = await openDashboard(forged);
  try {
    await page.waitForFunction(() => !document.getElementById('login').hidden, null, { timeout: WAIT });
    assert.equal(await page.$eval('#status', (s) => s.dataset.state), 'unauthorized');
    assert.match(await page.$eval('#login-msg', (p) => p.textContent), /inválido/);
    assert.equal(await page.$eval('#board', (b) => b.hidden), true);
    assert.equal(await page.isVisible('#board'), false, 'nothing of the board shows under the form');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('liquida.token')), null);
    // The token form: a good token signs in.
    await page.click('#token-login summary');
    await page.fill('#token-input', token('colegio', 'colegio'));
    await page.click('#token-form button');
    await waitLive(page);
    await waitNumber(page, 'padron-total', 1);
    assert.equal(await page.isVisible('#board'), true);
    // "Salir": the login form, and none of the previous user's data visible under it.
    await page.click('#logout');
    await page.waitForFunction(() => !document.getElementById('login').hidden, null, { timeout: WAIT });
    assert.equal(await page.isVisible('#login'), true);
    for (const id of ['#board', '#padron-total', '#settlement', '#month'])
      assert.equal(await page.isVisible(id), false, `${id} visible after Salir`);
    assert.equal(await page.$eval('#board-title', (e) => e.textContent), '', 'whose board it was, after Salir');
  } finally {
    await context.close();
  }

  const expiring = token('colegio', 'colegio', 1);
  await new Promise((r) => setTimeout(r, 1100));
  ({ context, page } = await openDashboard(expiring));
  try {
    await page.waitForFunction(() => !document.getElementById('login').hidden, null, { timeout: WAIT });
    assert.equal(await page.$eval('#status', (s) => s.dataset.state), 'expired');
    assert.match(await page.$eval('#login-msg', (p) => p.textContent), /venció/);
  } finally {
    await context.close();
  }
});

test('roles: a prestador sees its own rows, an obra social its settlement and invoices', { timeout: 60_000 + DOWNLOAD_WAIT }, async () => {
  const colegio = token('colegio', 'colegio');
  // A provider the demo has already settled something for: its board has a period to offer.
  let settled = null;
  for (const deadline = Date.now() + WAIT; !settled && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200)))
    settled = (await api('GET', '/v1/views/settlement?limit=1', colegio)).json.rows[0];
  assert.ok(settled, 'the demo settled something');
  const provider = String(settled.provider);

  let { context, page } = await openDashboard(token('prestador', provider), { acceptDownloads: true });
  try {
    await waitLive(page);
    assert.equal(await waitNumber(page, 'padron-total', 1), 1);
    // Its A9 report of the chosen period, as a file named for the provider and the days.
    await page.waitForFunction(() => /^\d{4}-\d{2}$/.test(document.getElementById('dl-period').value), null, { timeout: 60_000 });
    const period = await page.$eval('#dl-period', (i) => i.value);
    const a9 = await downloadFrom(page, '#dl-authorizations');
    assert.match(a9.suggestedFilename(), new RegExp(`^autorizaciones-${provider}-${period}-01-${period}-(28|29|30|31)\\.xlsx$`));
    assert.match(await page.$eval('#who', (e) => e.textContent), new RegExp(`^Prestador: ${provider} `));
    assert.equal(await page.$eval('#board-title', (e) => e.textContent), `tablero del prestador ${provider}`);
    for (const id of ['padron', 'pending', 'settlement', 'invoices', 'feed', 'downloads', 'dl-payouts'])
      assert.equal(await page.$eval(`#${id}`, (s) => s.hidden), false, `${id} visible to a prestador`);
    assert.equal(await page.$eval('#month', (s) => s.hidden), true, 'the month is the colegio\'s');
    await page.waitForFunction(() => document.getElementById('pending-empty').textContent !== 'Cargando…', null, { timeout: WAIT });
    const providers = await page.$$eval('#pending-rows tr', (rows) => rows.map((r) => r.children[1].textContent));
    assert.ok(providers.every((p) => p === provider), `only its own pending items: ${providers}`);
    // Its own page: its documents in their states, its settlement broken down; nothing to close.
    await page.waitForSelector('#provider:not([hidden])', { timeout: WAIT });
    assert.match(await page.$eval('#provider-title', (e) => e.textContent), new RegExp(`^Prestador ${provider} · `));
    assert.ok(await page.$$eval('#provider-documents tr', (trs) => trs.length) > 0, 'its documents');
    assert.equal(await page.isVisible('#provider-close'), false);
    assert.equal(await page.isVisible('#find-form'), false, 'finding other providers is the colegio\'s');
    assert.equal(await page.isVisible('#clock'), true, 'the demo\'s test clock is shown to all');
    assert.equal(await page.isVisible('#clock-form'), false, 'only the colegio moves it');
  } finally {
    await context.close();
  }

  ({ context, page } = await openDashboard(token('obra_social', 'sancor')));
  try {
    await waitLive(page);
    for (const id of ['padron', 'pending', 'feed', 'month', 'dl-payouts', 'dl-retentions', 'dl-authorizations', 'provider', 'payouts', 'orders', 'budget'])
      assert.equal(await page.$eval(`#${id}`, (s) => s.hidden), true, `${id} hidden from an obra social`);
    for (const id of ['settlement', 'invoices', 'downloads'])
      assert.equal(await page.$eval(`#${id}`, (s) => s.hidden), false, `${id} visible to an obra social`);
    await page.waitForFunction(() => document.querySelectorAll('#settlement-rows tr').length > 0, null, { timeout: WAIT });
    await page.waitForFunction(() => document.getElementById('board-title').textContent === 'tablero de SanCor Salud', null, { timeout: WAIT });
    const insurers = await page.$$eval('#settlement-rows tr', (rows) => rows.map((r) => r.children[0].textContent));
    assert.deepEqual([...new Set(insurers)], ['SanCor Salud']);
    assert.equal(await page.$eval('#status', (s) => s.dataset.state), 'live', 'no forbidden subscription');
    assert.equal(await page.isVisible('#board-hint'), false, 'no hint for a known obra social');
  } finally {
    await context.close();
  }

  // A token for a provider or an obra social the colegio does not have: an empty board, and it
  // says why.
  for (const [role, subject, hint] of [['prestador', '998877', /^El prestador 998877 no está registrado en el colegio/],
    ['obra_social', 'osde', /^La obra social «osde» no está en la configuración del colegio.*sancor/]]) {
    ({ context, page } = await openDashboard(token(role, subject)));
    try {
      await waitLive(page);
      await page.waitForFunction(() => !document.getElementById('board-hint').hidden, null, { timeout: WAIT });
      assert.equal(await page.isVisible('#board-hint'), true);
      assert.match(await page.$eval('#board-hint', (e) => e.textContent), hint);
    } finally {
      await context.close();
    }
  }
});

test('the colegio presents a closed period, the obra social debits, approves and pays it, and a prestador sees no presentations', { timeout: 150_000 }, async () => {
  const colegio = token('colegio', 'colegio');
  const { period, os, other } = await presentablePeriod(colegio);
  const number = `W${Date.now() % 1e9}`;
  const board = await openDashboard(colegio, { viewport: { width: 1366, height: 768 } });
  try {
    await waitLive(board.page);
    const amount = await presentBilling(board.page, colegio, { period, os, other, number });
    const insurer = await openDashboard(token('obra_social', os), { viewport: { width: 390, height: 844 } });
    try {
      await waitLive(insurer.page);
      await auditPresentation(insurer.page, { number, amount });
      // An obra social sees its own presentations only, and the panel fits a phone.
      const names = await insurer.page.$$eval('#presentation-rows tr', (trs) => trs.map((tr) => tr.cells[1].textContent));
      assert.ok(names.length > 0 && names.every((n) => n === names[0]), `its own: ${names}`);
      assert.equal(await presentationRow(insurer.page, `${number}-2`), null);
      assert.equal(await insurer.page.isVisible('#present-form'), false, 'presenting is the colegio\'s');
      await fitsPhone(insurer.page, 'obra social with its presentations');
      await insurer.page.screenshot({ path: path.join(ARTIFACTS, 'obra-social-presentations-390.png'), fullPage: true });
    } finally {
      await insurer.context.close();
    }
    // The server agrees; the colegio's board reads it again on "Actualizar" and by its filters.
    const row = (await api('GET', `/v1/views/presentations?period=${period}&obra_social=${os}`, colegio)).json.rows.find((r) => r.presentation === number);
    assert.deepEqual([row.state, row.amount, row.debited, row.paid, row.outstanding], ['pagada', amount, 100_050, amount - 100_050, 0]);
    await board.page.click('#presentations-refresh');
    await waitPresentation(board.page, number, 'Pagada');
    await board.page.selectOption('#presentations-obra_social', other);
    await board.page.waitForFunction(() => document.querySelectorAll('#presentation-rows tr').length === 1, null, { timeout: WAIT });
    assert.equal((await presentationRow(board.page, `${number}-2`))[10], 'Presentada');
  } finally {
    await board.context.close();
  }
  // A prestador: neither the panel nor a request for it (the server would refuse it).
  const { context, page } = await openDashboard(undefined);
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/v1/views/presentations')) asked.push(r.url()); });
  try {
    await page.goto(`${env.server.url}#token=${token('prestador', '1001')}`);
    await waitLive(page);
    await page.waitForFunction(() => document.getElementById('board-title').textContent !== '', null, { timeout: WAIT });
    await page.waitForFunction(() => document.getElementById('aranceles-obra_social').options.length > 0, null, { timeout: WAIT });
    assert.equal(await page.isVisible('#presentations'), false);
    assert.deepEqual(asked, []);
  } finally {
    await context.close();
  }
});

test('phone width: nothing overflows horizontally', { timeout: 60_000 }, async () => {
  const { context, page } = await openDashboard(token('colegio', 'colegio'),
    { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  try {
    await waitLive(page);
    await waitNumber(page, 'pending-total', 1);
    await page.waitForFunction(() => document.querySelectorAll('#settlement-rows tr').length > 0, null, { timeout: WAIT });
    await page.waitForTimeout(500);
    await fitsPhone(page, 'colegio');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    // What is left out on a phone is the count of orders, not what the colegio retains and pays.
    const shown = await shownHeaders(page, 'settlement-rows');
    assert.ok(shown.includes('Retenido') && shown.includes('Pagado al prestador') && !shown.includes('Órdenes'), `phone columns: ${shown}`);
  } finally {
    await context.close();
  }
  // An obra social's settlement: neither its own name on every row nor the provider side.
  const os = await openDashboard(token('obra_social', 'sancor'), { viewport: { width: 390, height: 844 } });
  try {
    await waitLive(os.page);
    const shown = await shownHeaders(os.page, 'settlement-rows');
    assert.deepEqual(shown, ['A facturar', 'Facturado', 'Debitado', 'Saldo', 'Pagado', 'Estado']);
  } finally {
    await os.context.close();
  }
  // A prestador's board with the order form, whose practices have long names.
  const prestador = await openDashboard(token('prestador', '1001'), { viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    await waitLive(prestador.page);
    await prestador.page.waitForFunction(() => document.getElementById('order-practice_code').options.length > 0, null, { timeout: WAIT });
    await fitsPhone(prestador.page, 'prestador');
  } finally {
    await prestador.context.close();
  }
});

test(`memory stays bounded while following the demo for ${MEMORY_SECONDS} s`, { timeout: (MEMORY_SECONDS + 90) * 1000 }, async () => {
  const { context, page } = await openDashboard(token('colegio', 'colegio'), { viewport: { width: 1440, height: 1100 } });
  try {
    await waitLive(page);
    await waitNumber(page, 'pending-total', 1);
    await page.waitForFunction(() => document.querySelectorAll('#feed-list li').length > 0, null, { timeout: WAIT });
    await page.waitForTimeout(3000);  // past the feed's catch-up
    const measure = await memoryOf(page);
    const start = await measure();
    const firstEvent = await page.$eval('#feed-list li', (li) => li.textContent);
    const reconnects = await page.$eval('#status', (s) => s.dataset.reconnects);
    for (let waited = 0; waited < MEMORY_SECONDS; waited += 5) {
      await page.waitForTimeout(5000);
      assert.equal(await page.$eval('#status', (s) => s.dataset.state), 'live', `still live after ${waited + 5} s`);
    }
    const end = await measure();
    const mb = (b) => (b / 1048576).toFixed(1);
    console.log(`JS heap ${mb(start.heap)} MB -> ${mb(end.heap)} MB; DOM nodes ${start.nodes} -> ${end.nodes}; listeners ${start.listeners} -> ${end.listeners}`);
    assert.ok(end.heap < start.heap * 2 + 5 * 1048576, `heap grew from ${mb(start.heap)} MB to ${mb(end.heap)} MB`);
    // Every table and the feed draw at most 50 rows: a few thousand nodes whatever the data.
    // Rows appended without a cap would pass this within the minute (~100 events/s).
    assert.ok(end.nodes < 20_000, `DOM nodes grew from ${start.nodes} to ${end.nodes}`);
    const drawn = await page.$$eval('tbody', (bodies) => bodies.map((b) => [b.id, b.rows.length]));
    for (const [id, rows] of drawn) assert.ok(rows <= 50, `#${id} draws ${rows} rows`);
    // It kept up: the same connection, newer events, no client dropped for being slow.
    assert.equal(await page.$eval('#status', (s) => s.dataset.reconnects), reconnects, 'no reconnect during the minute');
    assert.notEqual(await page.$eval('#feed-list li', (li) => li.textContent), firstEvent, 'the feed moved');
    assert.ok(await page.$$eval('#feed-list li', (l) => l.length) <= 50);
    const metrics = await fetch(new URL('/metrics', env.server.url), { signal: AbortSignal.timeout(WAIT) }).then((r) => r.text());
    assert.match(metrics, /^liquida_send_queue_drops_total 0$/m);

    if (process.env.LIQUIDA_WRITE_DOCS_SCREENSHOT === '1' || !existsSync(DOCS_SHOT)) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: DOCS_SHOT });
    }
  } finally {
    await context.close();
  }
});

testNothingLeaked();
