// A9 on a provider's page (the colegio's to open, each prestador's own): its authorized items
// of a range of days, each consumed one with its consumption's own number (GET
// /v1/reports/authorizations, read with the page), and "Anular consumo" beside a consumed item:
// cancel_transaction names the consumption by that number, in its budget's boca and serie, and
// undoes it whole or one item of it. Its items are pending consumption again; the budget and its
// other consumptions stand. The number is never typed: a budget's number in its place would
// anular the whole budget.
import { $, dateTime, dayNumber, el, fieldErrors, fillTable, money, setText, showEmpty, td, transactionOf } from './ui.js';

const DAYS = 30;  // until chosen, the range ends on the business clock's today and starts DAYS before

// A consumed item whose number travels exactly as a JSON number (15 digits at most, as the
// Consumir form takes them).
const anulable = (r) => r.state === 'Consumida' && /^\d{1,15}$/.test(r.consumption || '');
const keyOf = (r) => `${r.transaction}/${r.item}`;
const items = (list) => (list.length === 1 ? `ítem ${list[0]}` : `ítems ${list.slice(0, -1).join(', ')} y ${list[list.length - 1]}`);

// From the board: its state `S`, `api(method, path)`, `may(command)`, `openAction`/`submitAction`
// (app.js), `markDirty(section)` and `shown(...)` for "Mostrar más". Returns the renderer to add to
// the board's, `load(provider)` (the provider's page calls it as it reads the page) and `reset`.
export function authorizationsBoard({ S, api, may, openAction, submitAction, markDirty, shown }) {
  let reading = 0, chosen = false;  // the latest read (an older answer is dropped); the range chosen by hand

  async function load(provider) {
    const who = S.claims, n = ++reading;
    if (!chosen) {  // the server's today: a test clock may run ahead of the page's estimate
      const c = await api('GET', '/v1/clock');
      if (!c || c.status !== 200 || n !== reading) return;
      $('a9-to').value = c.body.today;
      $('a9-from').value = new Date((dayNumber(c.body.today) - DAYS) * 86400e3).toISOString().slice(0, 10);
    }
    const from = $('a9-from').value, to = $('a9-to').value;
    let data;
    if (!from || !to || from > to || dayNumber(to) - dayNumber(from) > 366) {
      data = { provider, rows: [], error: 'Elegí las dos fechas, «Desde» no después de «Hasta» y a lo sumo 366 días entre ellas.' };
    } else {
      const r = await api('GET', `/v1/reports/authorizations?${new URLSearchParams({ provider: String(provider), from, to, limit: '5000' })}`);
      if (!r || n !== reading || S.claims !== who) return;
      data = r.status === 200 ? { provider, rows: r.body.rows, error: '' }
        : { provider, rows: [], error: (r.body && r.body.error && r.body.error.message) || `HTTP ${r.status}` };
    }
    if (n !== reading || S.claims !== who) return;
    S.authorizations = data;
    markDirty('authorizations');
  }

  const render = {
    authorizations() {
      const data = S.authorizations && S.provider && S.authorizations.provider === S.provider.id ? S.authorizations : null;
      const rows = data ? data.rows.slice().reverse() : [];  // the latest first
      fillTable('provider-authorizations', shown('provider-authorizations-more', rows, 'ítems', 'authorizations'), (r) => [
        td(dateTime(r.at)), td(`${r.transaction} / ${r.item}`), el('td', { title: r.description }, r.practice_code),
        td(r.tooth || '–', 'opt'), td(r.state), td(r.consumption || '–'), td(r.billing || '–', 'opt'), td(money(r.amount), 'num opt'),
        !may('cancel_transaction') ? null : !anulable(r) ? td('') : el('td', { class: 'act' }, el('button', {
          type: 'button', class: 'small', 'data-key': keyOf(r), 'aria-label': `Anular consumo ${r.consumption} (${r.transaction} ítem ${r.item})`,
        }, 'Anular consumo')),
      ]);
      showEmpty('provider-authorizations-empty', rows.length, Boolean(data), (data && data.error) || 'Sin autorizaciones en esas fechas.');
    },
  };

  // The consumption of the row: every item of its budget it consumed.
  function open(r) {
    const own = S.authorizations.rows.filter((x) => x.transaction === r.transaction && x.consumption === r.consumption && anulable(x));
    $('anular-transaction').value = r.consumption;
    $('anular-item').replaceChildren(el('option', { value: '0' }, `Todo el consumo: ${items(own.map((x) => x.item))}`),
      ...(own.length > 1 ? own : []).map((x) => el('option', { value: String(x.item) },
        `Sólo el ítem ${x.item}: ${x.practice_code} · ${x.description}${x.tooth ? `, diente ${x.tooth}` : ''}`)));
    $('anular-reason').value = '';
    openAction('anular', { provider: S.authorizations.provider, r }, `${r.consumption} (preautorización ${r.transaction})`);
    $('anular-item').focus();
  }
  async function anular() {
    const { provider, r } = S.action;
    const item = Number($('anular-item').value), reason = $('anular-reason').value.trim();
    if (!reason) return fieldErrors('anular', { reason: 'Indicá el motivo de la anulación.' });
    const { boca, serie } = transactionOf(r.transaction);
    const done = item ? `Ítem ${item} del consumo ${r.consumption} anulado: vuelve a estar pendiente de consumo.`
      : `Consumo ${r.consumption} anulado: sus ítems vuelven a estar pendientes de consumo.`;
    // Refused: "transaction", "item" and "reason" are this form's fields.
    if (await submitAction('anular', { command: 'cancel_transaction', provider, transaction: { boca, serie, number: Number(r.consumption) }, item, reason }, done)) {
      load(provider);
    }
  }

  $('provider-authorizations').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    const r = b && S.authorizations && S.authorizations.rows.find((x) => keyOf(x) === b.dataset.key);
    if (r) open(r);
  });
  $('anular-form').addEventListener('submit', (e) => { e.preventDefault(); anular(); });
  for (const id of ['a9-from', 'a9-to']) {
    $(id).addEventListener('change', () => {
      chosen = true;
      if (S.provider) load(S.provider.id);
    });
  }
  function reset() {
    reading++;
    chosen = false;
    S.authorizations = null;
    for (const id of ['a9-from', 'a9-to']) $(id).value = '';
  }
  return { render, load, reset };
}
