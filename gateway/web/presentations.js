// F6: the colegio's presentations of a period's billing to each obra social (GET
// /v1/views/presentations, read on demand: it is no live view), the colegio's "Presentar
// facturación" form, and the audit of each presentation by its obra social (or the colegio):
// its debits, its approval and its payment. Each is a command through POST /v1/commands that
// names no provider: it is decided on the colegio's own ledger. The table is read again after
// each of them, when the board opens and when its filters change.
import { $, centavos, date, el, fieldErrors, fillTable, money, period, showEmpty, td } from './ui.js';

const STATE = { presentada: 'Presentada', aprobada: 'Aprobada', pagada: 'Pagada' };
// What may be done with a presentation in its state: debited and approved during the insurer's
// audit, paid once approved (and the form each opens).
const STEPS = {
  presentada: [['debit_presentation', 'Debitar', 'pdebit'], ['approve_presentation', 'Aprobar', 'papprove']],
  aprobada: [['pay_presentation', 'Registrar pago', 'ppay']],
};
const pesos = (c) => money(c).replace(/^\$\s*/, '');  // as the forms take amounts: "1.234,56"
const AMOUNT_ERROR = 'Escribí un importe en pesos mayor que cero (1.234,56).';

// From the board: its state `S`, `api(method, path)`, `todayAR()`, `osName(id)`, `may(command)`,
// `openAction`/`submitAction` (app.js), `markDirty(section)` and `shown(...)` for "Mostrar
// más". Returns the renderer to add to the board's, `fill` (once /v1/meta arrives) and `reset`.
export function presentationsBoard({ S, api, todayAR, osName, may, openAction, submitAction, markDirty, shown }) {
  let reading = 0, suggesting = 0;  // the latest read of each: an older answer is dropped
  const visible = () => Boolean(S.claims && (S.claims.role === 'colegio' || S.claims.role === 'obra_social'));

  async function load() {
    if (!visible()) return;
    const who = S.claims, n = ++reading;
    const q = new URLSearchParams({ limit: '5000' });
    const p = $('presentations-period').value, os = $('presentations-obra_social').value;
    if (/^\d{4}-\d{2}$/.test(p)) q.set('period', p);
    if (os && who.role === 'colegio') q.set('obra_social', os);
    const r = await api('GET', `/v1/views/presentations?${q}`);
    if (!r || n !== reading || S.claims !== who) return;
    S.presentations = r.status === 200 ? { rows: r.body.rows, error: '' }
      : { rows: [], error: (r.body && r.body.error && r.body.error.message) || `HTTP ${r.status}` };
    markDirty('presentations');
  }

  function actions(r) {
    const cell = el('td', { class: 'act' });
    for (const [command, text] of (STEPS[r.state] || []).filter(([c]) => may(c))) {
      cell.append(el('button', {
        type: 'button', class: 'small', 'data-key': r.presentation, 'data-command': command,
        'aria-label': `${text} ${command === 'pay_presentation' ? 'de ' : ''}la presentación ${r.presentation}`,
      }, text), ' ');
    }
    return cell;
  }
  const render = {
    presentations() {
      const data = S.presentations;
      const rows = data ? data.rows : [];
      fillTable('presentation-rows', shown('presentations-more', rows, 'presentaciones', 'presentations'), (r) => [
        td(r.presentation), td(r.obra_social), td(period(r.period)), td(date(r.presented_on), 'opt'), td(money(r.amount), 'num'),
        td(money(r.approved), 'num opt'),
        // Not 0: what was presented differs from what the system approved for the period.
        r.difference ? el('td', { class: 'num diff', title: 'Lo presentado difiere de lo aprobado por el sistema' }, money(r.difference))
          : td(money(r.difference), 'num'),
        td(money(r.debited), 'num opt'), td(money(r.paid), 'num opt'), td(money(r.outstanding), 'num'),
        td(STATE[r.state] || r.state), td(r.payment_orders || '–', 'opt'),
        may('approve_presentation') ? actions(r) : null,
      ]);
      showEmpty('presentations-empty', rows.length, Boolean(data),
        data && data.error ? `No se pudieron leer las presentaciones: ${data.error}` : 'No hay presentaciones.');
    },
  };

  // The latest period that no longer receives orders, by the business clock.
  function closedPeriod() {
    const today = todayAR();
    // O3 (GET /v1/meta): later days load into the next month. Only a suggestion: the server decides.
    if (Number(today.slice(8, 10)) > S.meta.windowLastDay) return today.slice(0, 7);
    const [y, m] = today.split('-').map(Number);
    return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  }
  // Until typed in, the amount is what the system approved for the period and obra social over
  // every provider (the settlement's roll-up): what the colegio presents.
  async function suggestAmount() {
    const amount = $('present-amount');
    if (amount.dataset.typed) return;
    const p = $('present-period').value, os = $('present-obra_social').value, n = ++suggesting;
    amount.value = '';
    if (!/^\d{4}-\d{2}$/.test(p) || !os) return;
    const r = await api('GET', `/v1/views/settlement?period=${p}&obra_social=${encodeURIComponent(os)}&group=obra_social`);
    if (!r || n !== suggesting || amount.dataset.typed) return;
    const total = r.status === 200 && r.body.rows.length ? r.body.rows[0].total : 0;
    amount.value = total > 0 ? pesos(total) : '';
  }
  function fillChoices(select, first) {
    const wanted = S.meta.obrasSociales.map((o) => o.id).join(',');
    if (select.dataset.ids === wanted) return;
    select.replaceChildren(...first, ...S.meta.obrasSociales.map((o) => el('option', { value: o.id }, o.name)));
    select.dataset.ids = wanted;
  }
  // Once /v1/meta arrives: the obras sociales to choose, the form's suggestions, the table.
  function fill() {
    if (!S.meta || !visible()) return;
    fillChoices($('presentations-obra_social'), [el('option', { value: '' }, 'Todas')]);
    if (may('present_billing')) {
      fillChoices($('present-obra_social'), []);
      if (!$('present-period').dataset.typed) $('present-period').value = closedPeriod();
      suggestAmount();
    }
    load();
  }

  async function present() {
    const f = $('present-form');
    if (!f.dataset.commandId) f.dataset.commandId = crypto.randomUUID();
    const number = $('present-presentation').value.trim(), p = $('present-period').value, os = $('present-obra_social').value;
    const amount = centavos($('present-amount').value);
    const errors = {};
    if (!/^[A-Za-z0-9/-]{1,20}$/.test(number)) errors.presentation = 'El número de presentación lleva de 1 a 20 letras, dígitos, «-» o «/».';
    if (!/^\d{4}-\d{2}$/.test(p)) errors.period = 'Indicá el período que se presenta.';
    if (amount === null) errors.amount = AMOUNT_ERROR;
    fieldErrors('present', errors);
    if (Object.keys(errors).length) return;
    const body = { command: 'present_billing', presentation: number, obra_social: os, period: p, amount };
    if (await submitAction('present', body, `Presentación ${number}: período ${period(p)} presentado a ${osName(os)}.`)) {
      $('present-presentation').value = '';
      delete $('present-amount').dataset.typed;
      suggestAmount();
      load();
    }
  }

  function open(command, r) {
    const [, , form] = STEPS[r.state].find(([c]) => c === command);
    if (form === 'pdebit') for (const id of ['pdebit-debit_id', 'pdebit-amount', 'pdebit-reason_code', 'pdebit-reason']) $(id).value = '';
    if (form === 'ppay') {
      for (const id of ['ppay-payment_order', 'ppay-retention_certificate']) $(id).value = '';
      $('ppay-payment_order_type').value = 'APB';
      $('ppay-paid_on').value = todayAR();
      $('ppay-amount').value = r.outstanding > 0 ? pesos(r.outstanding) : '';  // what it still owes
    }
    openAction(form, r, `${r.presentation} · ${r.obra_social} · ${period(r.period)}`);
  }
  async function debit() {
    const r = S.action;
    const debitId = $('pdebit-debit_id').value.trim(), amount = centavos($('pdebit-amount').value), reason = $('pdebit-reason').value.trim();
    const errors = {};
    if (!debitId) errors.debit_id = 'Indicá el identificador del débito.';
    if (amount === null) errors.amount = AMOUNT_ERROR;
    if (!reason) errors.reason = 'Indicá el motivo del débito.';
    fieldErrors('pdebit', errors);
    if (Object.keys(errors).length) return;
    const body = {
      command: 'debit_presentation', presentation: r.presentation, debit_id: debitId, amount,
      reason_code: $('pdebit-reason_code').value.trim(), reason,
    };
    if (await submitAction('pdebit', body, `Débito ${debitId} de ${money(amount)} aplicado a la presentación ${r.presentation}.`)) load();
  }
  async function approve() {
    const r = S.action;
    const body = { command: 'approve_presentation', presentation: r.presentation };
    if (await submitAction('papprove', body, `Presentación ${r.presentation} aprobada: queda lista para el pago.`)) load();
  }
  async function pay() {
    const r = S.action;
    const type = $('ppay-payment_order_type').value.trim().toUpperCase(), order = $('ppay-payment_order').value.trim();
    const paidOn = $('ppay-paid_on').value, amount = centavos($('ppay-amount').value);
    const certificate = $('ppay-retention_certificate').value.trim();
    const errors = {};
    if (!/^[A-Z0-9]{0,8}$/.test(type)) errors.payment_order_type = 'El tipo lleva hasta 8 letras o dígitos (APB).';
    if (!order) errors.payment_order = 'Indicá el número de la orden de pago.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(paidOn)) errors.paid_on = 'Indicá la fecha de pago.';
    if (amount === null) errors.amount = AMOUNT_ERROR;
    if (!certificate) errors.retention_certificate = 'Indicá el certificado de retenciones.';
    fieldErrors('ppay', errors);
    if (Object.keys(errors).length) return;
    const body = {
      command: 'pay_presentation', presentation: r.presentation, payment_order_type: type, payment_order: order,
      paid_on: paidOn, amount, retention_certificate: certificate,
    };
    const label = type ? `${type} ${order}` : order;
    if (await submitAction('ppay', body, `Pago ${label} de ${money(amount)} registrado en la presentación ${r.presentation}.`)) load();
  }

  $('presentation-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    const r = b && S.presentations && S.presentations.rows.find((x) => x.presentation === b.dataset.key);
    if (r) open(b.dataset.command, r);
  });
  $('presentations-period').addEventListener('change', load);
  $('presentations-obra_social').addEventListener('change', load);
  $('presentations-refresh').addEventListener('click', load);
  $('present-obra_social').addEventListener('change', suggestAmount);
  $('present-period').addEventListener('change', (e) => { e.target.dataset.typed = '1'; suggestAmount(); });
  $('present-amount').addEventListener('input', (e) => { e.target.dataset.typed = e.target.value ? '1' : ''; });
  $('present-form').addEventListener('submit', (e) => { e.preventDefault(); present(); });
  $('pdebit-form').addEventListener('submit', (e) => { e.preventDefault(); debit(); });
  $('papprove-form').addEventListener('submit', (e) => { e.preventDefault(); approve(); });
  $('ppay-form').addEventListener('submit', (e) => { e.preventDefault(); pay(); });

  // A new sign-in: nothing of the previous one's.
  function reset() {
    S.presentations = null;
    reading++;
    suggesting++;
    for (const id of ['presentations-period', 'presentations-obra_social', 'present-period', 'present-presentation', 'present-amount']) $(id).value = '';
    delete $('present-period').dataset.typed;
    delete $('present-amount').dataset.typed;
    fieldErrors('present', {});
    $('present-msg').textContent = '';
  }
  return { render, fill, reset };
}
