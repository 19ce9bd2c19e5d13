// Steps of the dashboard's flow tests that take several screens: an invoice from its loading to
// its payment, the colegio's page of a provider, a document the colegio verifies, the budget
// form's affiliate. Each asserts as it goes; dashboard.test.mjs strings them together.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, WAIT, actionDone, api, axeViolations, newProvider, openDashboard, token, waitLive } from './harness.mjs';

// The invoice test's own provider: an InSSSeP budget consumed, so that its period has a total to
// invoice, and adhered to SanCor too. The period is the consumption's: the demo's clock may have
// turned the month since today.
export async function billableProvider(colegio) {
  const provider = await newProvider(colegio);
  const number = 128_600_000 + Math.floor(Math.random() * 100_000);
  const transaction = { boca: 88, serie: 'T', number };
  for (const body of [{
    command: 'submit_budget', provider, transaction_number: number, obra_social: 'insssep', affiliate_number: '51868',
    credential: '59790', family_group: '', token: '', diagnosis_code: 'K029', diagnosis_type: 'definitivo',
    lines: [{ practice_code: '100100', tooth: 18, faces: '' }], clinical_summary: '', attachments: [],
  }, { command: 'consume_practices', provider, transaction, items: [1], deferred: false, performed_at: null, number: number + 1, affiliate_signed: true },
  { command: 'adhere_to_obra_social', provider, obra_social: 'sancor', provider_number: String(provider), convenio: 'COL. DE PSICOL. DE TUCUMAN' }]) {
    const r = await api('POST', '/v1/commands', colegio, body);
    assert.equal(r.status, 201, `${body.command}: ${r.text}`);
  }
  let total = 0;
  let period = '';
  const deadline = Date.now() + WAIT;
  while (!total && Date.now() < deadline) {
    const rows = (await api('GET', `/v1/views/settlement?provider=${provider}`, colegio)).json.rows;
    total = rows.length ? rows[0].total : 0;
    period = rows.length ? rows[0].period : '';
    if (!total) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(total > 0, 'the consumed item is billable');
  return { provider, period, total };
}

// The prestador loads the invoice: the amount is what the period has left to bill, and
// InSSSeP's invoices carry the invoice and the attendance sheet.
export async function loadInvoice(issue, { colegio, provider, period, total, button }) {
  // SanCor takes the written reports with the presentation: its invoice asks for them; InSSSeP's does not.
  await issue.selectOption('#issue-obra_social', 'sancor');
  await issue.waitForSelector('[id="issue-attachments.informe"]', { timeout: WAIT });
  await issue.selectOption('#issue-obra_social', 'insssep');
  await issue.waitForSelector('[id="issue-attachments.planilla_asistencia"]', { timeout: WAIT });
  assert.equal(await issue.$('[id="issue-attachments.informe"]'), null);
  await issue.waitForFunction((p) => document.getElementById('issue-period').value === p, period, { timeout: WAIT });
  await issue.waitForFunction(() => document.getElementById('issue-amount').value !== '', null, { timeout: WAIT });
  const pesos = await issue.$eval('#issue-amount', (e) => e.value);
  assert.equal(Number(pesos.replace(/\./g, '').replace(',', '')), total, `suggested ${pesos} for ${total} centavos`);
  await issue.fill('#issue-punto_de_venta', '1');
  await issue.fill('#issue-number', String(provider));
  await issue.fill('#issue-cae', '7111038332164');  // 13 digits: refused next to the field
  await issue.fill('[id="issue-attachments.factura"]', 'factura.pdf');
  await issue.click('#issue-form button[type=submit]');
  await issue.waitForFunction(() => !document.getElementById('issue-cae-error').hidden, null, { timeout: WAIT });
  assert.match(await issue.$eval('#issue-cae-error', (e) => e.textContent), /CAE/);
  await issue.fill('#issue-cae', '71110383321640');
  await issue.click('#issue-form button[type=submit]');
  await issue.waitForFunction(() => !document.getElementById('issue-attachments.planilla_asistencia-error').hidden, null, { timeout: WAIT });
  assert.match(await issue.$eval('[id="issue-attachments.planilla_asistencia-error"]', (e) => e.textContent), /adjunto/);
  assert.deepEqual(await axeViolations(issue), [], 'the invoice form with its error');
  await issue.fill('[id="issue-attachments.planilla_asistencia"]', 'planilla.pdf');
  await issue.click('#issue-form button[type=submit]');
  await issue.waitForSelector(button, { timeout: WAIT }).catch(async (e) => {
    // What the form said, for the failure's message.
    const said = await issue.$$eval('#issue-form .field-error:not([hidden]), #issue-msg', (es) => es.map((x) => `${x.id}: ${x.textContent}`));
    throw new Error(`${e.message}\nthe invoice form says: ${said.join(' | ')}`);
  });
  assert.match(await issue.$eval('#action-done', (e) => e.textContent), new RegExp(`^Factura C 00001-${String(provider).padStart(8, '0')} cargada`));
  const listed = (await api('GET', `/v1/views/invoices?provider=${provider}`, colegio)).json.rows[0];
  assert.equal(listed.amount, total);
  assert.equal(listed.state, 'cargada');
}

// The prestador sends it; the obra social audits it (observed without a reason is refused
// next to the field, then accepted), and filters its listing.
export async function sendAndAccept(prestador, insssep, { button }) {
  const stateOf = (page) => page.$eval(button, (b) => b.closest('tr').children[9].textContent);
  await prestador.click(button);
  assert.deepEqual(await prestador.$$eval('#invoice-choices input', (i) => i.map((x) => x.value)), ['send_invoice']);
  await prestador.click('#invoice-form button[type=submit]');
  await actionDone(prestador, /enviada\.$/);
  // The obra social sees it arrive, observes it without a reason (refused next to the
  // field), then accepts it; the prestador's screen follows.
  await insssep.waitForSelector(button, { timeout: WAIT });
  await insssep.waitForFunction((b) => document.querySelector(b).closest('tr').children[9].textContent === 'Enviada', button, { timeout: WAIT });
  await insssep.click(button);
  assert.deepEqual(await insssep.$$eval('#invoice-choices input', (i) => i.map((x) => x.value)),
    ['accept_invoice', 'observe_invoice', 'reject_invoice']);
  await insssep.check('#invoice-choices input[value=observe_invoice]');
  await insssep.click('#invoice-form button[type=submit]');
  assert.match(await insssep.$eval('#invoice-reason-error', (e) => e.textContent), /motivo/);
  assert.deepEqual(await axeViolations(insssep), [], 'the invoice form with its error');
  await insssep.check('#invoice-choices input[value=accept_invoice]');
  await insssep.click('#invoice-form button[type=submit]');
  await actionDone(insssep, /aceptada\.$/);
  // Its only invoice, with nothing left for the prestador to do with it: no button.
  await prestador.waitForFunction(() => document.querySelector('#invoice-rows tr')?.children[9].textContent === 'Aceptada', null, { timeout: WAIT });
  assert.equal(await prestador.$(button), null);
  assert.equal(await stateOf(insssep), 'Aceptada');
  assert.match(await insssep.$eval('#who', (e) => e.textContent), /^Obra social: InSSSeP · vence /);
  // Search and state filter the listing.
  const label = await insssep.$eval(button, (b) => b.closest('tr').children[0].textContent);
  await insssep.selectOption('#invoices-state', 'rechazada');
  await insssep.waitForSelector(button, { state: 'detached', timeout: WAIT });
  await insssep.selectOption('#invoices-state', 'aceptada');
  await insssep.fill('#invoices-search', label);
  await insssep.waitForFunction(() => document.querySelectorAll('#invoice-rows tr').length === 1, null, { timeout: WAIT });
  assert.equal(await insssep.$eval('#invoice-rows tr', (tr) => tr.children[0].textContent), label);
}

// A debit with its reason, on the accepted invoice: both screens show it.
export async function debitInvoice(prestador, insssep, { button }) {
  await insssep.click(button);
  assert.deepEqual(await insssep.$$eval('#invoice-choices input', (i) => i.map((x) => x.value)), ['ingresar_invoice', 'apply_debit']);
  assert.equal(await insssep.isVisible('#invoice-amount'), false);
  await insssep.check('#invoice-choices input[value=apply_debit]');
  await insssep.fill('#invoice-amount', '12,345');
  await insssep.fill('#invoice-reason', 'Práctica no autorizada');
  await insssep.click('#invoice-form button[type=submit]');
  assert.match(await insssep.$eval('#invoice-amount-error', (e) => e.textContent), /importe/);
  assert.deepEqual(await axeViolations(insssep), [], 'the debit form with its error');
  await insssep.fill('#invoice-amount', '1.000,50');
  await insssep.fill('#invoice-reason_code', 'D01');
  await insssep.fill('#invoice-debit_sheet', 'PD-1');
  await insssep.click('#invoice-form button[type=submit]');
  await actionDone(insssep, /debitada\.$/);
  await prestador.waitForFunction(() => document.querySelector('#invoice-rows tr')?.children[6].textContent === '$ 1.000,50', null, { timeout: WAIT });
  assert.equal(await prestador.$eval('#invoice-rows tr', (tr) => tr.children[11].textContent), 'PD-1');
  // "Detalle de descuentos": the debit, by its reason code, on the prestador's settlement.
  await prestador.waitForFunction(() => [...document.querySelectorAll('#discount-rows tr')]
    .some((tr) => tr.cells[1].textContent === 'Débito, motivo D01' && tr.cells[2].textContent === '$ 1.000,50'), null, { timeout: WAIT });
  assert.equal(await prestador.$eval('#discount-total', (e) => e.textContent), '$ 1.000,50');
  await prestador.screenshot({ path: path.join(ARTIFACTS, 'prestador-invoice-debited-1366.png'), fullPage: true });
}

// The obra social's board: the debit with its reason, and once paid, the payment order, on
// both screens; its adhered providers with their number there; the colegio's payouts.
export async function payAndFollow(prestador, insssep, { colegio, provider, period, total, today, invoiceId }) {
  const hasRow = (tbody, ...texts) => insssep.waitForFunction(([tbody, texts]) => [...document.querySelectorAll(`#${tbody} tr`)]
    .some((tr) => texts.every((t) => tr.textContent.includes(t))), [tbody, texts], { timeout: WAIT });
  await hasRow('debit-rows', 'Práctica no autorizada', '$ 1.000,50');
  const paid = await api('POST', '/v1/commands', token('obra_social', 'insssep'), {
    command: 'issue_payment_order', provider, obra_social: 'insssep', payment_order_type: 'APB', payment_order: String(provider), paid_on: today,
    invoices: [{ invoice_id: invoiceId, amount: total - 100_050 }], retention_certificate: 'CR-1',
  });
  assert.equal(paid.status, 201, paid.text);
  await hasRow('payment-rows', `APB ${provider}`, invoiceId.replace('-', ' '));
  await prestador.waitForFunction((o) => [...document.querySelectorAll('#payment-rows tr')].some((tr) => tr.cells[0].textContent === o),
    `APB ${provider}`, { timeout: WAIT });
  // Paid in full: F4's Saldo is nothing and the invoice cancelado; the order names its retention certificate.
  await prestador.waitForFunction(() => {
    const tr = document.querySelector('#invoice-rows tr');
    return tr?.children[7].textContent === '$ 0,00' && tr.children[9].textContent === 'Cancelado' && tr.children[10].textContent.startsWith('APB ');
  }, null, { timeout: WAIT });
  await hasRow('payment-rows', `APB ${provider}`, 'CR-1');
  // F4's search by the date received: a range it is not in hides it; cleared, it is back.
  for (const [from, to, rows] of [['2999-01-01', '', 0], ['', '2000-01-01', 0], ['', '', 1]]) {
    await prestador.fill('#invoices-from', from);
    await prestador.fill('#invoices-to', to);
    await prestador.dispatchEvent('#invoices-to', 'change');
    await prestador.waitForFunction((n) => document.querySelectorAll('#invoice-rows tr').length === n, rows, { timeout: WAIT });
  }
  await insssep.fill('#adhered-search', String(provider));
  await hasRow('adhered-rows', '3-333', `PRUEBA ${provider}`, 'Sí');
  // The colegio's payout list: what was collected for the provider, still to transfer.
  const board = await openDashboard(colegio, { viewport: { width: 1366, height: 768 } });
  try {
    await waitLive(board.page);
    await board.page.waitForSelector(`#period-select option[value="${period}"]`, { state: 'attached', timeout: WAIT });
    await board.page.selectOption('#period-select', period);
    const due = (total - 100_050) / 100;
    await board.page.waitForFunction(([p, pesos]) => [...document.querySelectorAll('#payout-rows tr')]
      .some((tr) => tr.cells[0].textContent === p && tr.cells[7].textContent.endsWith(pesos) && tr.cells[8].textContent === 'A pagar'),
    [String(provider), `${due.toLocaleString('de-DE', { minimumFractionDigits: 2 })}`], { timeout: WAIT });
    await board.page.locator('#payouts').screenshot({ path: path.join(ARTIFACTS, 'colegio-payouts-1366.png') });
  } finally {
    await board.context.close();
  }
}

// The colegio's page of a provider: documents, orders, settlement; it follows changes.
export async function providerPage(page, colegio, provider, orderId) {
  await page.fill('#find-provider', 'x');
  await page.press('#find-provider', 'Enter');
  assert.match(await page.$eval('#find-provider-error', (e) => e.textContent), /número/);
  await page.fill('#find-provider', provider);
  await page.press('#find-provider', 'Enter');
  await page.waitForSelector('#provider:not([hidden])', { timeout: WAIT });
  assert.match(await page.$eval('#provider-title', (e) => e.textContent), new RegExp(`^Prestador ${provider} · PRUEBA ${provider}$`));
  assert.match(await page.$eval('#provider-identity', (e) => e.textContent), /en el padrón$/);
  assert.equal(await page.$$eval('#provider-documents tr', (trs) => trs.length), 5);
  assert.equal(await page.$eval('#provider-orders tr', (tr) => tr.cells[1].textContent + ' ' + tr.cells[6].textContent), `${orderId} Aprobada`);
  assert.deepEqual(await axeViolations(page), [], 'the provider page');
  await page.screenshot({ path: path.join(ARTIFACTS, 'colegio-provider-1366.png'), fullPage: true });
  const more = await api('POST', '/v1/commands', colegio, {
    command: 'load_order', provider: Number(provider), order_id: `${orderId}-2`, obra_social: 'insssep', practice_code: '100100',
    affiliate_number: '51868', attention_date: (await api('GET', '/v1/meta', colegio)).json.clock.today, patient_signature: true, professional_signature: true, professional_stamp: true,
    fields: [{ name: 'credential', value: '59790' }],
  });
  assert.equal(more.status, 201, more.text);
  await page.waitForFunction((id) => document.querySelector('#provider-orders tr')?.cells[1].textContent === id, `${orderId}-2`, { timeout: WAIT });
  await page.click('#provider-close');
  assert.equal(await page.isVisible('#provider'), false);
}

// The colegio's board: a document uploaded now waits for it; a rejection needs a reason, said
// next to the field; approved, it leaves the list and the padrón has it approved.
export async function verifyDocument(page, colegio, provider) {
  const documentId = `web-test-${Date.now()}`;
  const up = await api('POST', '/v1/commands', colegio, {
    command: 'upload_document', provider: Number(provider), type: 'seguro', document_id: documentId,
    reference: 'poliza-web', expires_on: '2099-12-31',
  });
  assert.equal(up.status, 201, up.text);
  const verifyButton = `#documents-rows button[data-key="${provider}/${documentId}"]`;
  await page.waitForSelector(verifyButton, { timeout: WAIT });
  await page.screenshot({ path: path.join(ARTIFACTS, 'colegio-documents-1366.png'), fullPage: true });
  await page.click(verifyButton);
  await page.check('#verify-form input[value=false]');
  await page.click('#verify-form button[type=submit]');
  assert.match(await page.$eval('#verify-reason-error', (e) => e.textContent), /motivo/);
  assert.equal(await page.$eval('#verify-reason', (e) => e.getAttribute('aria-invalid')), 'true');
  assert.deepEqual(await axeViolations(page), [], 'the verify form with its error');
  await page.check('#verify-form input[value=true]');
  await page.click('#verify-form button[type=submit]');
  await page.waitForSelector(verifyButton, { state: 'detached', timeout: WAIT });
  assert.match(await page.$eval('#action-done', (e) => e.textContent), /aprobado\.$/);
  const row = await api('GET', `/v1/views/padron/${provider}`, colegio);
  assert.equal(row.json.documents.find((d) => d.document_id === documentId).state, 'approved');
}

// Seed 002's affiliate, prescriptor and diagnosis in the budget form.
export async function fillBudgetAffiliate(page) {
  await page.fill('#budget-credential', '59790');
  await page.fill('#budget-affiliate_number', '51868');
  await page.fill('#budget-affiliate_name', 'HERMOSI RAMON OSVALDO');
  await page.fill('#budget-plan', 'Afiliado InSSSeP');
  await page.fill('#budget-titular', 'HERMOSI RAMON OSVALDO');
  await page.selectOption('#budget-credential_type', 'credencial');  // the server's labels
  assert.equal(await page.$eval('#budget-credential_type option[value="credencial_digital"]', (o) => o.textContent), 'Credencial digital');
  await page.fill('#budget-prescriptor_matricula', 'MP 4512');
  await page.fill('#budget-prescriptor_name', 'ODONTOLOGO DE PRUEBA COCH');
  await page.fill('#budget-diagnosis_code', 'K029');
}

// ---------- F6: the colegio's presentations ----------
// The dashboard's "1.234,56" of centavos, and back.
const pesosOf = (c) => `${Math.floor(c / 100).toLocaleString('de-DE')},${String(c % 100).padStart(2, '0')}`;
const centavosOf = (pesos) => Number(pesos.replace(/\./g, '').replace(',', ''));
// The cells of the presentation numbered `number` in the board's table, or null.
export const presentationRow = (page, number) => page.$$eval('#presentation-rows tr',
  (trs, n) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)).find((cells) => cells[0] === n) || null, number);
export const waitPresentation = (page, number, state) => page.waitForFunction(([n, s]) => [...document.querySelectorAll('#presentation-rows tr')]
  .some((tr) => tr.cells[0].textContent === n && tr.cells[10].textContent === s), [number, state], { timeout: WAIT });

// A period the colegio may present: billing_period(today) > period, days 1..5 of a month loading
// into it and later ones into the next. Within the window (this test run alone: the demo starts on
// the 1st) a consumption of the test's own gives the month something approved, and the demo's test
// clock is moved past the window (the colegio's to move); after it, today's month is closed. Its
// obra social with the most the system approved, and another one.
export async function presentablePeriod(colegio) {
  let { today } = (await api('GET', '/v1/clock', colegio)).json;
  if (Number(today.slice(8, 10)) <= 5) {
    await billableProvider(colegio);
    const moved = await api('POST', '/v1/clock', colegio, { to: `${today.slice(0, 8)}06` });
    assert.ok(moved.status === 200 || moved.status === 409, moved.text);  // 409: the demo's feed moved it past meanwhile
    ({ today } = (await api('GET', '/v1/clock', colegio)).json);
  }
  const period = today.slice(0, 7);
  let best;
  for (const deadline = Date.now() + WAIT; !best && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const rows = (await api('GET', `/v1/views/settlement?period=${period}&group=obra_social`, colegio)).json.rows;
    best = rows.filter((r) => r.total > 0).sort((a, b) => b.total - a.total)[0];
  }
  assert.ok(best, `the demo approved something in ${period}`);
  const other = ['sancor', 'insssep', 'ioma'].find((o) => o !== best.obra_social);
  return { period, os: best.obra_social, other };
}

// The colegio presents the period to the obra social: the amount is what the system approved
// (the settlement's roll-up as it stood while the form asked); the same period again, or one
// that still receives orders, is refused with the server's words next to the period. Another
// obra social gets an amount it was not approved: its "Diferencia" stands out. Returns the
// amount presented, in centavos.
export async function presentBilling(page, colegio, { period, os, other, number }) {
  const approved = async () => (await api('GET', `/v1/views/settlement?period=${period}&obra_social=${os}&group=obra_social`, colegio)).json.rows[0].total;
  const submit = async (errorId, pattern) => {
    await page.click('#present-form button[type=submit]');
    await page.waitForFunction(([id, source]) => new RegExp(source).test(document.getElementById(id).textContent), [errorId, pattern.source], { timeout: WAIT });
  };
  const suggested = () => page.waitForFunction(() => document.getElementById('present-amount').value !== '', null, { timeout: WAIT });
  await page.waitForSelector('#present-form:not([hidden]) #present-obra_social option', { state: 'attached', timeout: WAIT });
  const before = await approved();
  await page.selectOption('#present-obra_social', os);
  await page.fill('#present-period', period);
  await suggested();
  const amount = centavosOf(await page.$eval('#present-amount', (e) => e.value));
  const after = await approved();
  assert.ok(before <= amount && amount <= after, `suggested ${amount}, approved ${before} then ${after}`);
  await page.fill('#present-presentation', number);
  await submit('action-done', new RegExp(`^Presentación ${number}: período \\d\\d/\\d{4} presentado a `));
  await waitPresentation(page, number, 'Presentada');
  const cells = await presentationRow(page, number);
  assert.deepEqual([cells[2], cells[4]], [`${period.slice(5)}/${period.slice(0, 4)}`, `$ ${pesosOf(amount)}`]);
  // The same period and obra social again: the server's refusal, on the period.
  await suggested();
  await page.fill('#present-presentation', `${number}-X`);
  await submit('present-period-error', /^El período ya fue presentado a esa obra social\.$/);
  assert.equal(await page.$eval('#present-period', (e) => e.getAttribute('aria-invalid')), 'true');
  assert.deepEqual(await axeViolations(page), [], 'the presentation form with its error');
  // A period that still receives orders (the next one).
  const [y, m] = period.split('-').map(Number);
  await page.fill('#present-period', m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`);
  await page.fill('#present-amount', '1.000,00');
  await submit('present-period-error', /todavía recibe órdenes\.$/);
  // Another obra social, presented $ 1,23: not what the system approved.
  await page.selectOption('#present-obra_social', other);
  await page.fill('#present-period', period);
  await page.fill('#present-amount', '1,23');
  await page.fill('#present-presentation', `${number}-2`);
  await submit('action-done', new RegExp(`^Presentación ${number}-2: `));
  await waitPresentation(page, `${number}-2`, 'Presentada');
  const differs = await page.$$eval('#presentation-rows tr', (trs) => trs.map((tr) => [tr.cells[6].textContent, tr.cells[6].classList.contains('diff')]));
  assert.ok(differs.every(([text, marked]) => marked === (text !== '$ 0,00')), `"Diferencia" marked when not 0: ${JSON.stringify(differs)}`);
  assert.equal((await presentationRow(page, `${number}-2`))[6] !== '$ 0,00', true);
  await page.locator('#presentations').screenshot({ path: path.join(ARTIFACTS, 'colegio-presentations-1366.png') });
  return amount;
}

// The obra social audits it: a debit over the balance is refused on the amount, one within it is
// applied; approved, it may no longer be debited but paid, for what it still owes by default.
export async function auditPresentation(page, { number, amount }) {
  const button = (command) => `#presentation-rows button[data-key="${number}"][data-command="${command}"]`;
  await page.waitForSelector(button('debit_presentation'), { timeout: WAIT });
  assert.equal(await page.$(button('pay_presentation')), null, 'paid once approved');
  await page.click(button('debit_presentation'));
  await page.fill('#pdebit-debit_id', `PD-${number}`);
  await page.fill('#pdebit-amount', '999.999.999,99');
  await page.fill('#pdebit-reason', 'Prestaciones sin autorización');
  await page.click('#pdebit-form button[type=submit]');
  await page.waitForFunction(() => /supera el saldo/.test(document.getElementById('pdebit-amount-error').textContent), null, { timeout: WAIT });
  assert.deepEqual(await axeViolations(page), [], 'the debit form with its error');
  await page.fill('#pdebit-amount', '1.000,50');
  await page.click('#pdebit-form button[type=submit]');
  await actionDone(page, new RegExp(`^Débito PD-${number} de \\$ 1\\.000,50 aplicado`));
  await page.waitForFunction((n) => [...document.querySelectorAll('#presentation-rows tr')]
    .some((tr) => tr.cells[0].textContent === n && tr.cells[7].textContent === '$ 1.000,50'), number, { timeout: WAIT });
  await page.click(button('approve_presentation'));
  await page.click('#papprove-form button[type=submit]');
  await actionDone(page, new RegExp(`^Presentación ${number} aprobada`));
  await waitPresentation(page, number, 'Aprobada');
  assert.equal(await page.$(button('debit_presentation')), null, 'no debits once approved');
  await page.click(button('pay_presentation'));
  assert.equal(await page.$eval('#ppay-amount', (e) => e.value), pesosOf(amount - 100_050), 'what it still owes');
  assert.equal(await page.$eval('#ppay-payment_order_type', (e) => e.value), 'APB');
  await page.fill('#ppay-payment_order', `OP${number}`);
  await page.fill('#ppay-retention_certificate', 'CR-1');
  await page.click('#ppay-form button[type=submit]');
  await actionDone(page, new RegExp(`^Pago APB OP${number} de `));
  await waitPresentation(page, number, 'Pagada');
  const cells = await presentationRow(page, number);
  assert.deepEqual([cells[9], cells[11], cells[12]], ['$ 0,00', `APB OP${number}`, ''], 'nothing owed, nothing left to do');
}

// ---------- A8/A9: a consumption's tipo de facturación, and its anulación by its own number ----------
// The anulación test's own provider, adhered to IOMA too: an InSSSeP budget of three items pending
// consumption, and an IOMA one of a single item, authorized by the colegio's audit.
export async function consumableBudgets(colegio) {
  const provider = await newProvider(colegio);
  const number = 128_800_000 + Math.floor(Math.random() * 100_000), ioma = 700_800_000 + Math.floor(Math.random() * 100_000);
  const budget = { command: 'submit_budget', provider, family_group: '', token: '', diagnosis_type: 'definitivo', clinical_summary: '', attachments: [] };
  for (const body of [{ command: 'adhere_to_obra_social', provider, obra_social: 'ioma', provider_number: '4-444' },
    { ...budget, transaction_number: number, obra_social: 'insssep', affiliate_number: '51868', credential: '59790', diagnosis_code: 'K029',
      lines: [{ practice_code: '100100', tooth: 18, faces: '' }, { practice_code: '020900', tooth: 17, faces: 'OM' }, { practice_code: '020800', tooth: 16, faces: 'O' }] },
    { ...budget, transaction_number: ioma, obra_social: 'ioma', affiliate_number: '100000962/00', credential: '', diagnosis_code: 'F03',
      lines: [{ practice_code: '990101', tooth: 0, faces: '' }] },
    { command: 'resolve_budget_audit', provider, transaction: { boca: 0, serie: '', number: ioma }, items: [{ item: 1, result: 'autorizada' }] }]) {
    const r = await api('POST', '/v1/commands', colegio, body);
    assert.equal(r.status, 201, `${body.command}: ${r.text}`);
  }
  return { provider, number, ioma };
}

// The Consumir form never sends a tipo de facturación to an obra social that bills practices whole
// (IOMA: its select is hidden), so the test shows the select, as a form out of date with the
// configuration would: the server's refusal, named "billing[0].tipo", lands on that item's select.
export async function refusedBilling(page, provider, ioma) {
  const button = `#pending-rows button[data-key="${provider}/${ioma}/1"]`;
  await page.waitForSelector(button, { timeout: WAIT });
  await page.click(button);
  assert.equal(await page.isVisible('#consume-billing'), false, 'IOMA bills practices whole');
  await page.$eval('#consume-billing-box', (box) => { box.hidden = false; });
  await page.selectOption('#consume-billing', 'solo_gastos');
  await page.fill('#consume-number', String(ioma + 1));
  await page.click('#consume-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('consume-billing-error').hidden, null, { timeout: WAIT });
  assert.equal(await page.$eval('#consume-billing-error', (e) => e.textContent), 'La obra social factura las prácticas completas.');
  assert.equal(await page.$eval('#consume-billing', (e) => e.getAttribute('aria-invalid')), 'true');
  assert.deepEqual([await page.$eval('#consume-msg', (e) => e.textContent), await page.evaluate(() => document.activeElement.id)], ['', 'consume-billing']);
  await page.click('#consume-form [data-cancel]');
}

// An item consumed through the Consumir form, with the consumption's own number.
export async function consumeItem(page, provider, transaction, item, number) {
  await page.click(`#pending-rows button[data-key="${provider}/${transaction}/${item}"]`);
  await page.fill('#consume-number', String(number));
  await page.check('#consume-affiliate_signed');
  await page.click('#consume-form button[type=submit]');
  await actionDone(page, new RegExp(`^Consumido: ${transaction} ítem ${item}\\.$`));
}

// The provider page's A9 row of a transaction's item: its state and its consumption's number.
const a9Label = (transaction, item) => `${transaction} / ${item}`;
export const a9Row = (page, transaction, item) => page.$$eval('#provider-authorizations tr', (trs, label) => {
  const tr = trs.find((t) => t.cells[1].textContent === label);
  return tr ? [tr.cells[4].textContent, tr.cells[5].textContent] : null;
}, a9Label(transaction, item));
export const waitA9 = (page, transaction, item, state, consumption) => page.waitForFunction(([label, s, c]) => [...document.querySelectorAll('#provider-authorizations tr')]
  .some((tr) => tr.cells[1].textContent === label && tr.cells[4].textContent === s && tr.cells[5].textContent === c),
[a9Label(transaction, item), state, consumption], { timeout: WAIT });

// "Anular consumo" beside item 1, consumed alone as `first`: without a reason it says so next to
// the field; with one, the consumption named by its number in the budget's boca and serie is
// undone whole: item 1 waits to be consumed again, and the other consumption, `second`, stands.
export async function anularWhole(page, { provider, transaction, first, second }) {
  await page.click(`#provider-authorizations button[data-key="${transaction}/1"]`);
  assert.equal(await page.$eval('#anular-transaction', (e) => e.value), String(first));
  assert.deepEqual(await page.$$eval('#anular-item option', (o) => o.map((x) => x.textContent)), ['Todo el consumo: ítem 1']);
  await page.click('#anular-form button[type=submit]');
  assert.match(await page.$eval('#anular-reason-error', (e) => e.textContent), /motivo de la anulación/);
  assert.equal(await page.$eval('#anular-reason', (e) => e.getAttribute('aria-invalid')), 'true');
  assert.deepEqual(await axeViolations(page), [], 'the anulación form with its error');
  await page.locator('#anular-form').screenshot({ path: path.join(ARTIFACTS, 'prestador-anular-consumo-1366.png') });
  await page.fill('#anular-reason', 'Ticket emitido por error');
  const sent = page.waitForRequest((r) => r.url().endsWith('/v1/commands') && r.method() === 'POST', { timeout: WAIT });
  await page.click('#anular-form button[type=submit]');
  const body = (await sent).postDataJSON();
  assert.deepEqual([body.command, body.transaction, body.item], ['cancel_transaction', { boca: 88, serie: 'T', number: first }, 0]);
  await actionDone(page, new RegExp(`^Consumo ${first} anulado: sus ítems vuelven a estar pendientes de consumo\\.$`));
  await page.waitForSelector(`#pending-rows button[data-key="${provider}/${transaction}/1"]`, { timeout: WAIT });
  await waitA9(page, transaction, 1, 'Autorizada', '–');
  assert.deepEqual(await a9Row(page, transaction, 2), ['Consumida', String(second)], 'the other consumption stands');
}

// One item of `second` (items 2 and 3): item 3, which someone else anuló meanwhile, is refused by
// the server on the item's field; item 2 alone is then undone.
export async function anularOneItem(page, colegio, { provider, transaction, second }) {
  await page.click(`#provider-authorizations button[data-key="${transaction}/3"]`);
  assert.deepEqual(await page.$$eval('#anular-item option', (o) => o.map((x) => x.value)), ['0', '2', '3']);
  assert.match(await page.$eval('#anular-item option[value="3"]', (o) => o.textContent), /^Sólo el ítem 3: 020800 · .*, diente 16$/);
  await page.selectOption('#anular-item', '3');
  await page.fill('#anular-reason', 'Práctica cargada por error');
  const meanwhile = await api('POST', '/v1/commands', colegio, {
    command: 'cancel_transaction', provider, transaction: { boca: 88, serie: 'T', number: second }, item: 3, reason: 'Anulado desde otra pantalla',
  });
  assert.equal(meanwhile.status, 201, meanwhile.text);
  await page.click('#anular-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('anular-item-error').hidden, null, { timeout: WAIT });
  assert.equal(await page.$eval('#anular-item-error', (e) => e.textContent), 'El consumo no tiene ese ítem, o ya fue anulado.');
  assert.equal(await page.$eval('#anular-item', (e) => e.getAttribute('aria-invalid')), 'true');
  await page.selectOption('#anular-item', '2');
  await page.click('#anular-form button[type=submit]');
  await actionDone(page, new RegExp(`^Ítem 2 del consumo ${second} anulado: vuelve a estar pendiente de consumo\\.$`));
  await waitA9(page, transaction, 2, 'Autorizada', '–');
  await page.waitForSelector(`#pending-rows button[data-key="${provider}/${transaction}/2"]`, { timeout: WAIT });
}
