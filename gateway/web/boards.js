// The views read over HTTP rather than followed live: the colegio's payout list of a period,
// one provider's page (the colegio's to open, each prestador's own) and an obra social's
// adhered providers. The first two are read again when the live views say their rows moved,
// the last each minute.
import { $, count, date, dateTime, el, fieldErrors, fillTable, label, money, period, setText, showEmpty, td } from './ui.js';

const PAYOUT_STATE = { a_pagar: 'A pagar', pagado: 'Pagado', sin_cobros: 'Sin cobros' };

// From the board: its state `S`, `api(method, path)`, `markDirty(section)`, `shown(...)` for
// "Mostrar más", `outReason(padronRow)`, the labels `metaLabel` and `osName`, and `onProvider(id)`,
// called as a provider's page is read (its A9 authorizations are read with it). Returns the
// renderers to add to the board's and what starts each read.
export function httpBoards({ S, api, markDirty, shown, outReason, metaLabel, osName, onProvider }) {
  const render = {
    payouts() {
      const { period: p, rows } = S.payouts || { period: '', rows: [] };
      const owing = rows.filter((r) => r.due > 0).sort((a, b) => b.due - a.due);
      const list = [...owing, ...rows.filter((r) => r.due <= 0)];
      setText('payouts-period', p ? `del período ${period(p)}` : '');
      setText('payouts-due', money(owing.reduce((acc, r) => acc + r.due, 0)));
      setText('payouts-count', count(owing.length));
      fillTable('payout-rows', shown('payout-more', list, 'prestadores', 'payouts'), (r) => [
        td(r.provider), td(r.razon_social), td(r.cbu, 'opt'), td(money(r.collected), 'num'), td(money(r.debited), 'num opt'),
        td(money(r.retained), 'num'), td(money(r.paid), 'num opt'), td(money(r.due), 'num'), td(label(PAYOUT_STATE, r.state))]);
      showEmpty('payout-empty', list.length, Boolean(S.payouts), 'Nada cobrado todavía en este período.');
    },

    provider() {
      if (!S.provider || !S.provider.data) return;
      const { p, orders, settlement } = S.provider.data;
      setText('provider-title', `Prestador ${p.provider} · ${p.razon_social}`);
      const out = p.in_good_standing ? 'en el padrón' : `fuera del padrón (${outReason({
        enrolled: p.enrolled, missing: p.missing_document,
        docs: p.documents.filter((d) => d.state === 'approved').map((d) => ({ type: d.type, expires_on: d.expires_on })),
      })})`;
      setText('provider-identity', `Matrícula ${p.matricula} · CUIT ${p.cuit} · categoría ${p.category} · CBU ${p.cbu} · ${out}`);
      setText('provider-msg', '');
      fillTable('provider-documents', p.documents, (d) => [td(metaLabel('document_type', d.type)), td(d.document_id),
        td(metaLabel('document_status', d.state)), td(date(d.expires_on))]);
      const byDate = orders.slice().sort((a, b) => (a.loaded_at < b.loaded_at ? 1 : -1));
      fillTable('provider-orders', shown('provider-orders-more', byDate, 'órdenes', 'provider'), (o) => [
        td(dateTime(o.loaded_at)), td(o.order_id), td(osName(o.obra_social)), td(o.practice_code), td(period(o.period), 'opt'),
        td(money(o.amount), 'num'),
        el('td', o.reason_code ? { title: metaLabel('order_reject_reason', o.reason_code) } : null, metaLabel('order_state', o.state))]);
      const lines = (map, name) => Object.entries(map).map(([k, v]) => `${name(k)} ${money(v)}`).join('; ') || '–';
      const rows = settlement.slice().sort((a, b) => (a.period < b.period ? 1 : a.period > b.period ? -1 : a.obra_social < b.obra_social ? -1 : 1));
      fillTable('provider-settlement', shown('provider-settlement-more', rows, 'filas', 'provider'), (r) => [
        td(period(r.period)), td(osName(r.obra_social)), td(money(r.total), 'num'),
        td(money((r.invoiced ? r.invoiced.amount : 0) + (r.reinvoiced || 0)), 'num'),
        td(lines(r.debits, (code) => `motivo ${code}`)), td(money(r.collected), 'num'),
        td(lines(r.retentions, (kind) => metaLabel('retention_kind', kind))), td(money(r.paid_to_provider), 'num'),
        td(money(r.due_to_provider), 'num')]);
    },

    adhered() {
      const all = S.adhered || [];
      setText('adhered-total', count(all.length));
      setText('adhered-in', count(all.filter((p) => p.in).length));
      const search = $('adhered-search').value.trim().toLowerCase();
      const rows = all.filter((p) => !search || [p.number, String(p.provider), p.name, p.matricula].some((t) => t.toLowerCase().includes(search)));
      fillTable('adhered-rows', shown('adhered-more', rows, 'prestadores', 'adhered'), (p) => [
        td(p.number), td(p.provider), td(p.name), td(p.matricula, 'opt'), td(p.in ? 'Sí' : 'No')]);
      showEmpty('adhered-empty', rows.length, Boolean(S.adheredLoaded), search ? 'Ningún prestador coincide.' : 'Ningún prestador adherido.');
    },
  };

  // The colegio's payout list of the period the settlement shows (GET /v1/views/payouts: the
  // server sums and names each state), read again at most every 5 s while the settlement moves.
  function schedulePayouts() {
    if (!S.claims || S.claims.role !== 'colegio' || S.payoutsTimer) return;
    S.payoutsTimer = setTimeout(loadPayouts, S.payouts && S.payouts.period === S.shownPeriod ? 5000 : 0);
  }
  async function loadPayouts() {
    S.payoutsTimer = 0;
    const p = S.shownPeriod;
    if (!p) return;
    const r = await api('GET', `/v1/views/payouts?period=${p}&limit=5000`);
    if (!r || r.status !== 200 || !S.claims) return;
    S.payouts = { period: p, rows: r.body.rows };
    markDirty('payouts');
  }

  // One provider's page, the colegio's to open and each prestador's own: its padrón row, orders
  // and settlement read over HTTP, read again (at most every second) while live changes touch it.
  async function loadProvider(id) {
    S.provider = { id, timer: 0 };
    const [row, orders, settlement] = await Promise.all([
      api('GET', `/v1/views/padron/${id}`), api('GET', `/v1/views/orders?provider=${id}&limit=5000`),
      api('GET', `/v1/views/settlement?provider=${id}&limit=5000`)]);
    if (!row || !S.provider || S.provider.id !== id) return;
    if (row.status === 404) return fieldErrors('find', { provider: `El prestador ${id} no está registrado.` });
    if (row.status !== 200 || !orders || orders.status !== 200 || !settlement || settlement.status !== 200) {
      return setText('provider-msg', 'No se pudo leer el prestador; probá de nuevo.');
    }
    fieldErrors('find', {});
    const p = row.body;
    S.provider.data = { p, orders: orders.body.rows, settlement: settlement.body.rows };
    render.provider();
    $('provider').hidden = false;
    onProvider(id);
  }
  function providerChanged(row) {
    const pp = S.provider;
    if (!pp || !pp.data || !row || row.provider !== pp.id || pp.timer) return;
    pp.timer = setTimeout(() => { if (S.provider === pp) loadProvider(pp.id); }, 1000);
  }

  // An obra social's adhered providers: the padrón rows that carry its number, read over HTTP
  // (the padrón's live view is the colegio's), again with "Actualizar".
  async function loadAdhered() {
    const who = S.claims;
    clearTimeout(S.adheredTimer);
    const rows = [];
    for (let offset = 0; offset !== undefined;) {  // every page: a colegio may have more than one page of providers
      const r = await api('GET', `/v1/views/padron?limit=5000&offset=${offset}`);
      if (!r || r.status !== 200 || S.claims !== who) return;
      rows.push(...r.body.rows);
      offset = r.body.next_offset;
    }
    const os = who.subject;
    S.adhered = rows.map((p) => ({
      number: p.adhesions[os] || '', provider: p.provider, name: p.razon_social, matricula: p.matricula, in: p.in_good_standing === true,
    })).sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : a.provider - b.provider));
    S.adheredLoaded = true;
    markDirty('adhered');
    S.adheredTimer = setTimeout(loadAdhered, 60_000);  // the padrón's live view is the colegio's: read again each minute
  }

  $('adhered-refresh').addEventListener('click', loadAdhered);
  $('find-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('find-provider').value.trim();
    if (!/^\d{1,19}$/.test(id)) return fieldErrors('find', { provider: 'Escribí el número del prestador.' });
    loadProvider(Number(id));
  });
  $('provider-close').addEventListener('click', () => { S.provider = null; $('provider').hidden = true; $('find-provider').focus(); });
  $('adhered-search').addEventListener('input', () => markDirty('adhered'));
  return { render, schedulePayouts, loadProvider, providerChanged, loadAdhered };
}
