// Liquida's dashboard: live views over /v1/live (snapshot, then changes applied by key),
// raw events over /v1/topics/*, CSV downloads with the bearer token. No build step, no
// external resources. The token comes from signing in (POST /v1/login), or once from the URL
// fragment (#token=...) or the token form, lives in sessionStorage, and travels only in a
// websocket message or an Authorization header. ES modules, no bundler: ui.js (formats and DOM
// helpers), feed.js (the event feed), forms.js (the prestador's forms), month.js (the
// colegio's month), aranceles.js (the fee schedules), consume.js (the pending items' Consumir
// form), boards.js (the views read over HTTP), authorizations.js (a provider's A9 authorizations
// and the anulación of a consumption), presentations.js (the colegio's presentations to the obras
// sociales); this file holds the state, the live views, the actions and the session.
import {
  $, BACKOFF_MS, centavos, count, date, dateTime, dayNumber, drawChart, el, fieldErrors, fillTable, fromMs, label,
  money, period, postJson, setText, showEmpty, showError, td, wsUrl,
} from './ui.js';
import { httpBoards } from './boards.js';
import { Feed } from './feed.js';
import { prestadorForms } from './forms.js';
import { monthBoard } from './month.js';
import { arancelesBoard } from './aranceles.js';
import { consumeForm } from './consume.js';
import { authorizationsBoard } from './authorizations.js';
import { presentationsBoard } from './presentations.js';
import { clockBar } from './clock.js';

const TOKEN_KEY = 'liquida.token';
const SHOWN = 50;                   // rows shown per table; the rest are counted, not drawn
const FEED_MAX = 50;                // events kept in the feed
const RENDER_MS = 300;              // at most one redraw per section this often
const TOPICS = ['liquida.padron', 'liquida.orders', 'liquida.authorizations', 'liquida.billing'];
const TOPIC_LABEL = {
  'liquida.padron': 'Padrón', 'liquida.orders': 'Órdenes',
  'liquida.authorizations': 'Autorizaciones', 'liquida.billing': 'Facturación',
};
const VIEWS_BY_ROLE = {
  colegio: ['padron', 'orders', 'pending', 'settlement', 'invoices'],
  prestador: ['padron', 'orders', 'pending', 'settlement', 'invoices'],
  obra_social: ['settlement', 'invoices'],
};
const ROLE_LABEL = { colegio: 'Colegio', prestador: 'Prestador', obra_social: 'Obra social' };
const STATE_LABEL = {
  pendiente: 'Pendiente', cargada: 'Cargada', enviada: 'Enviada', observada: 'Observada', aceptada: 'Aceptada',
  ingresada: 'Ingresada', rechazada: 'Rechazada', cancelado: 'Cancelado', cancelada: 'Cancelada', pagada: 'Pagada',
};


// Today in Argentina by the server's business clock (GET /v1/meta: a test clock's, as the
// demo's in 2025), not the browser's.
const todayAR = () => new Date(Date.now() + S.clockOffset - 3 * 3600e3).toISOString().slice(0, 10);
// Names and labels from the server (GET /v1/meta), the one place they are defined; the raw
// value until they arrive.
const metaLabel = (kind, v) => label(S.meta && S.meta.labels[kind], v);
const osName = (id) => (S.meta && S.meta.osNames.get(id)) || id || '–';

// ---------- token ----------
// Payload of a machine's token: base64url("v1|role|subject|expires_at_ms"); of a person's,
// "s1|role|subject|expires_at_ms|session|user". Read only to show who is signed in and when
// it expires; the server verifies the signature.
function claimsOf(token) {
  try {
    const b64 = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
    const [v, role, subject, exp, , user] = atob(b64 + '==='.slice((b64.length + 3) % 4)).split('|');
    if ((v !== 'v1' && v !== 's1') || !VIEWS_BY_ROLE[role] || !subject || !/^\d+$/.test(exp)) return null;
    return { role, subject, exp: Number(exp), user: v === 's1' ? user : null };
  } catch {
    return null;
  }
}
function takeTokenFromFragment() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) return;
  try {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  } catch { /* storage disabled: the form will ask */ }
  history.replaceState(null, '', location.pathname + location.search);
}

// The rows a table draws: the first SHOWN, and SHOWN more each time "Mostrar más" under it
// is pressed (until the board is signed in again). `section` is the renderer that draws it.
function shown(moreId, rows, noun, section) {
  const limit = S.shown[moreId] || SHOWN;
  const p = $(moreId);
  p.hidden = rows.length <= limit;
  if (!p.firstChild) {
    const button = el('button', { type: 'button', class: 'link' }, `Mostrar ${SHOWN} más`);
    button.addEventListener('click', () => { S.shown[moreId] = (S.shown[moreId] || SHOWN) + SHOWN; markDirty(section); });
    p.append(el('span'), ' ', button);
  }
  p.firstChild.textContent = `Mostrando ${count(Math.min(limit, rows.length))} de ${count(rows.length)} ${noun}.`;
  return rows.slice(0, limit);
}

// ---------- state ----------
const S = {
  token: null,
  claims: null,
  lastClaims: null,  // whose token it was, for "Salir" after the board is cleared
  clockOffset: 0,    // the server's business clock minus the browser's, ms
  clockTimer: 0,
  views: { padron: new Map(), orders: new Map(), pending: new Map(), settlement: new Map(), invoices: new Map() },
  loaded: { padron: false, orders: false, pending: false, settlement: false, invoices: false },
  seq: { padron: null, orders: null, pending: null, settlement: null, invoices: null },
  dirty: new Set(),
  shown: {},                // "Mostrar más" pressed: rows drawn per table, by its "more" id
  renderTimer: 0,
  live: null,
  feeds: [],
  feed: [],                 // newest last, at most FEED_MAX
  expiryTimer: 0,
  chosenPeriod: '',         // '' follows the latest period
  shownPeriod: '',          // the period the settlement shows, and the invoices with it
  meta: null,               // GET /v1/meta: labels, and obras sociales' names in osNames
  periodTouched: false,     // the download period was chosen by hand
};

// Rows are kept compact: only what the page draws, so memory follows the view's size.
const KEEP = {
  padron: (r) => ({
    provider: r.provider, razon_social: r.razon_social, matricula: r.matricula,
    in: r.in_good_standing === true, missing: r.missing_document, enrolled: r.enrolled, adhered: Object.keys(r.adhesions || {}),
    docs: (r.documents || []).filter((d) => d.state === 'approved')
      .map((d) => ({ type: d.type, id: d.document_id, expires_on: d.expires_on })),
    to_verify: (r.documents || []).filter((d) => d.state === 'pending')
      .map((d) => ({ type: d.type, id: d.document_id, expires_on: d.expires_on, uploaded_at: d.uploaded_at })),
  }),
  orders: (r) => ({
    provider: r.provider, id: r.order_id, os: r.obra_social, affiliate: r.affiliate_number, practice: r.practice_code,
    period: r.period, amount: r.amount || 0, state: r.state, reason_code: r.reason_code, at: r.loaded_at,
  }),
  pending: (r) => ({
    provider: r.provider, transaction: r.transaction, item: r.item, os: r.obra_social,
    affiliate: r.affiliate_number, practice: r.practice_code, tooth: r.tooth, at: r.authorized_at,
  }),
  settlement: (r) => ({
    period: r.period, os: r.obra_social, provider: r.provider,
    orders: r.orders_approved ? r.orders_approved.count : 0,
    total: r.total || 0, billed: (r.invoiced ? r.invoiced.amount : 0) + (r.reinvoiced || 0),
    debited: r.debited || 0, balance: r.balance || 0, paid: r.collected || 0, retained: r.retained || 0,
    to_provider: r.paid_to_provider || 0, due: r.due_to_provider || 0, state: r.invoice_state || '',
    debits: r.debits || {}, retentions: r.retentions || {},
  }),
  invoices: (r) => ({
    provider: r.provider, invoice: r.invoice, id: r.invoice_id, os: r.obra_social, period: r.period, issued_on: r.issued_on,
    amount: r.amount || 0, debited: r.debited || 0, outstanding: r.outstanding || 0, due_on: r.due_on, state: r.state,
    received_on: r.received_at ? r.received_at.slice(0, 10) : null,
    debits: (r.debits || []).map((d) => ({ amount: d.amount, code: d.reason_code, reason: d.reason, sheet: d.debit_sheet })),
    payments: (r.payments || []).map((p) => ({ order: p.label || p.payment_order, on: p.paid_on, amount: p.amount, certificate: p.retention_certificate })),
  }),
};
// The key the server names a row by in its changes.
const KEY = {
  padron: (r) => String(r.provider),
  orders: (r) => `${r.provider}/${r.order_id}`,
  pending: (r) => `${r.provider}/${r.transaction}/${r.item}`,
  settlement: (r) => `${r.period}/${r.obra_social}/${r.provider}`,
  invoices: (r) => `${r.provider}/${r.invoice_id}`,
};

// Why a provider is out of the padrón: a required document it never had approved, or the
// date the approved one stopped being in force.
function outReason(r) {
  if (!r.enrolled) return 'Sin alta en el padrón';
  if (!r.missing) return 'Documentación vencida';
  const expired = r.docs.filter((d) => d.type === r.missing).map((d) => d.expires_on).sort().pop();
  const what = metaLabel('document_type', r.missing);
  return expired ? `${what}: vencido el ${date(expired)}` : `Falta ${what}`;
}

function markDirty(section) {
  S.dirty.add(section);
  if (!S.renderTimer) S.renderTimer = setTimeout(renderDirty, RENDER_MS);
}
function renderDirty() {
  S.renderTimer = 0;
  if (document.hidden) return;  // drawn again on visibilitychange
  const dirty = [...S.dirty];
  S.dirty.clear();
  for (const s of dirty) RENDER[s]();
}

// ---------- renderers ----------
const RENDER = {
  padron() {
    const rows = [...S.views.padron.values()];
    const inCount = rows.filter((r) => r.in).length;
    setText('padron-in', count(inCount));
    setText('padron-out', count(rows.length - inCount));
    setText('padron-total', count(rows.length));
    const today = todayAR(), horizon = dayNumber(today) + 30;
    const expiring = [];
    for (const r of rows)
      for (const d of r.docs)
        if (d.expires_on >= today && dayNumber(d.expires_on) <= horizon) expiring.push({ r, d });
    expiring.sort((a, b) => (a.d.expires_on < b.d.expires_on ? -1 : a.d.expires_on > b.d.expires_on ? 1 : 0));
    setText('padron-expiring', count(expiring.length));
    fillTable('expiring-rows', shown('expiring-more', expiring, 'documentos', 'padron'), ({ r, d }) =>
      [td(date(d.expires_on)), td(`${r.provider} · ${r.razon_social || ''}`), td(metaLabel('document_type', d.type)), td(d.id, 'opt')]);
    showEmpty('expiring-empty', expiring.length, S.loaded.padron, 'Ningún documento vence en los próximos 30 días.');
    // Map order is change order: the latest changed rows last.
    const out = rows.filter((r) => !r.in).reverse();
    fillTable('out-rows', shown('out-more', out, 'prestadores', 'padron'), (r) => [
      td(r.provider), td(r.razon_social), td(r.matricula, 'opt'),
      td(outReason(r)),
    ]);
    showEmpty('out-empty', out.length, S.loaded.padron, 'Todos los prestadores están en el padrón.');
    // The colegio's queue: documents uploaded and not yet verified, oldest first.
    const toVerify = [];
    for (const r of rows) for (const d of r.to_verify) toVerify.push({ r, d });
    toVerify.sort((a, b) => (a.d.uploaded_at < b.d.uploaded_at ? -1 : a.d.uploaded_at > b.d.uploaded_at ? 1 : 0));
    fillTable('documents-rows', shown('documents-more', toVerify, 'documentos', 'padron'), ({ r, d }) => [
      td(dateTime(d.uploaded_at)), td(`${r.provider} · ${r.razon_social || ''}`),
      el('td', { title: d.id }, metaLabel('document_type', d.type)), td(date(d.expires_on)),
      may('verify_document') ? actionCell('Verificar', `${r.provider}/${d.id}`, `Verificar ${metaLabel('document_type', d.type)} de ${r.provider}`) : null,
    ]);
    showEmpty('documents-empty', toVerify.length, S.loaded.padron, 'No hay documentos por verificar.');
    forms.fill();
  },

  orders() {  // the colegio's review queue, oldest first; otherwise the latest first
    const all = [...S.views.orders.values()];
    const byState = { pending: 0, approved: 0, rejected: 0 };
    for (const r of all) byState[r.state] = (byState[r.state] || 0) + 1;
    setText('orders-pending', count(byState.pending));
    setText('orders-approved', count(byState.approved));
    setText('orders-rejected', count(byState.rejected));
    const wanted = $('orders-state').value;
    const rows = all.filter((r) => !wanted || r.state === wanted);
    const oldestFirst = wanted === 'pending';
    rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) * (oldestFirst ? 1 : -1));
    fillTable('orders-rows', shown('orders-more', rows, 'órdenes', 'orders'), (r) => [
      td(dateTime(r.at)), td(r.provider), td(r.id), td(osName(r.os)), td(r.affiliate, 'opt'), td(r.practice),
      td(period(r.period), 'opt'), td(money(r.amount), 'num opt'),
      el('td', r.reason_code ? { title: metaLabel('order_reject_reason', r.reason_code) } : null, metaLabel('order_state', r.state)),
      may('approve_order') ? (r.state === 'pending' ? actionCell('Revisar', KEY.orders({ provider: r.provider, order_id: r.id }), `Revisar la orden ${r.id} de ${r.provider}`) : td('')) : null,
    ]);
    showEmpty('orders-empty', rows.length, S.loaded.orders, wanted === 'pending' ? 'No hay órdenes por revisar.' : 'No hay órdenes.');
  },

  pending() {
    const rows = [...S.views.pending.values()];
    setText('pending-total', count(rows.length));
    const byOs = new Map();
    for (const r of rows) byOs.set(r.os, (byOs.get(r.os) || 0) + 1);
    fillTable('pending-by-os', [...byOs].sort((a, b) => b[1] - a[1]), ([os, n]) => [td(osName(os)), td(count(n), 'num')]);
    rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const today = dayNumber(todayAR());
    fillTable('pending-rows', shown('pending-more', rows, 'ítems', 'pending'), (r) => [
      td(dateTime(r.at)), td(r.provider), td(r.transaction + (r.item ? ` / ${r.item}` : '')), td(osName(r.os)),
      td(r.affiliate, 'opt'), td(r.practice), td(r.tooth ? r.tooth : '–', 'opt'),
      td(count(Math.max(0, today - dayNumber(r.at || '1970-01-01'))), 'num'),
      may('consume_practices') ? actionCell('Consumir', KEY.pending(r), `Consumir ${r.transaction} ítem ${r.item}`) : null,
    ]);
    showEmpty('pending-empty', rows.length, S.loaded.pending, 'No hay consumos pendientes.');
  },

  settlement() {
    const byPeriod = new Map();   // period -> totals
    const byOs = new Map();       // obra social -> totals, for the chosen period
    const sum = (acc, r) => {
      for (const k of ['orders', 'total', 'billed', 'debited', 'balance', 'paid', 'retained', 'to_provider', 'due']) acc[k] += r[k];
      return acc;
    };
    const zero = () => ({ orders: 0, total: 0, billed: 0, debited: 0, balance: 0, paid: 0, retained: 0, to_provider: 0, due: 0, states: new Set() });
    for (const r of S.views.settlement.values()) {
      if (!byPeriod.has(r.period)) byPeriod.set(r.period, zero());
      sum(byPeriod.get(r.period), r);
    }
    const periods = [...byPeriod.keys()].sort().reverse();
    const chosen = periods.includes(S.chosenPeriod) ? S.chosenPeriod : periods[0] || '';
    if (S.shownPeriod !== chosen) { S.shownPeriod = chosen; markDirty('invoices'); }
    for (const r of S.views.settlement.values()) {
      if (r.period !== chosen) continue;
      if (!byOs.has(r.os)) byOs.set(r.os, zero());
      const acc = sum(byOs.get(r.os), r);
      if (r.state) acc.states.add(r.state);
    }
    // Period selector, rebuilt only when the periods change.
    const select = $('period-select');
    const wanted = periods.join(',');
    if (select.dataset.periods !== wanted) {
      select.replaceChildren(...periods.map((p) => el('option', { value: p }, period(p))));
      select.dataset.periods = wanted;
    }
    if (select.value !== chosen) select.value = chosen;
    const dl = $('dl-period');
    if (dl.dataset.periods !== wanted) {
      const keep = dl.value;
      dl.replaceChildren(...periods.map((p) => el('option', { value: p }, period(p))));
      dl.dataset.periods = wanted;
      if (S.periodTouched && periods.includes(keep)) dl.value = keep;
    }
    if (!S.periodTouched && chosen && dl.value !== chosen) dl.value = chosen;

    const osRows = [...byOs].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    fillTable('settlement-rows', osRows, ([os, t]) => [
      td(osName(os), 'os-col'), td(count(t.orders), 'num opt'), td(money(t.total), 'num'), td(money(t.billed), 'num'),
      td(money(t.debited), 'num'), td(money(t.balance), 'num'), td(money(t.paid), 'num'),
      td(money(t.retained), 'num provider-side'), td(money(t.to_provider), 'num provider-side'),
      td([...t.states].map((s) => label(STATE_LABEL, s)).join(', ') || '–'),
    ]);
    fillTable('period-rows', periods.slice(0, 12), (p) => {
      const t = byPeriod.get(p);
      return [td(period(p)), td(money(t.total), 'num'), td(money(t.billed), 'num'), td(money(t.debited), 'num'),
        td(money(t.paid), 'num'), td(money(t.due), 'num opt')];
    });
    drawChart(osRows, osName);
    showEmpty('settlement-empty', osRows.length, S.loaded.settlement, 'Todavía no hay liquidaciones.');
    // "Detalle de descuentos": what the period's collections lose on the way to the
    // prestador, debits by reason code and retentions by kind, per obra social.
    const discounts = new Map();  // "os\tconcept" -> amount
    for (const r of S.views.settlement.values()) {
      if (r.period !== chosen) continue;
      const add = (concept, amount) => { const k = `${r.os}\t${concept}`; discounts.set(k, (discounts.get(k) || 0) + amount); };
      for (const [code, amount] of Object.entries(r.debits)) add(`Débito, motivo ${code}`, amount);
      for (const [kind, amount] of Object.entries(r.retentions)) add(`Retención: ${metaLabel('retention_kind', kind)}`, amount);
    }
    const lines = [...discounts].filter(([, amount]) => amount !== 0).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    fillTable('discount-rows', lines, ([k, amount]) => {
      const [os, concept] = k.split('\t');
      return [td(osName(os)), td(concept), td(money(amount), 'num')];
    });
    setText('discount-total', money(lines.reduce((acc, [, amount]) => acc + amount, 0)));
    setText('discount-period', chosen ? `del período ${period(chosen)}` : '');
    forms.fill();
    boards.schedulePayouts();
    showEmpty('discount-empty', lines.length, S.loaded.settlement, 'Sin débitos ni retenciones en este período.');
  },

  invoices() {  // of the period the settlement shows
    const wanted = $('invoices-state').value, search = $('invoices-search').value.trim().toLowerCase();
    // F4: by the date received, both ends included; either leaves out what was not sent.
    const from = $('invoices-from').value, to = $('invoices-to').value;
    const rows = [...S.views.invoices.values()].filter((r) => (!S.shownPeriod || r.period === S.shownPeriod)
      && (!wanted || r.state === wanted)
      && (!search || r.invoice.toLowerCase().includes(search) || String(r.provider).includes(search))
      && (!(from || to) || (r.received_on && (!from || r.received_on >= from) && (!to || r.received_on <= to))));
    setText('invoices-period', S.shownPeriod ? `del período ${period(S.shownPeriod)}` : '');
    let amount = 0, debited = 0;
    for (const r of rows) { amount += r.amount; debited += r.debited; }
    setText('invoices-total', count(rows.length));
    setText('invoices-amount', money(amount));
    setText('invoices-debited', money(debited));
    rows.sort((a, b) => (a.issued_on < b.issued_on ? 1 : a.issued_on > b.issued_on ? -1 : 0));
    fillTable('invoice-rows', shown('invoices-more', rows, 'facturas', 'invoices'), (r) => [
      td(r.invoice), td(r.provider), td(osName(r.os)), td(period(r.period)), td(date(r.issued_on), 'opt'),
      td(money(r.amount), 'num'), td(money(r.debited), 'num opt'), td(money(r.outstanding), 'num opt'),
      td(r.due_on ? date(r.due_on) : '–', 'opt'), td(label(STATE_LABEL, r.state)),
      td(r.payments.length ? r.payments[r.payments.length - 1].order : '–', 'opt'), td(r.debits.length ? r.debits[r.debits.length - 1].sheet : '–', 'opt'),
      invoiceSteps(r).length ? actionCell('Gestionar', KEY.invoices({ provider: r.provider, invoice_id: r.id }), `Gestionar la factura ${r.invoice}`) : null,
    ]);
    showEmpty('invoices-empty', rows.length, S.loaded.invoices, S.shownPeriod ? 'No hay facturas de este período.' : 'Todavía no hay facturas.');
    // The period's debits (S1) and what each payment order paid (S2), from the same rows.
    const ofPeriod = [...S.views.invoices.values()].filter((r) => !S.shownPeriod || r.period === S.shownPeriod);
    const debits = ofPeriod.flatMap((r) => r.debits.map((d) => ({ r, d })));
    const payments = ofPeriod.flatMap((r) => r.payments.map((p) => ({ r, p }))).sort((a, b) => (a.p.on < b.p.on ? 1 : a.p.on > b.p.on ? -1 : 0));
    setText('payments-period', S.shownPeriod ? `del período ${period(S.shownPeriod)}` : '');
    fillTable('debit-rows', shown('debit-more', debits, 'débitos', 'invoices'), ({ r, d }) => [
      td(r.invoice), td(r.provider), td(osName(r.os), 'opt'), el('td', { title: d.code }, d.reason || d.code), td(d.sheet || '–', 'opt'),
      td(money(d.amount), 'num')]);
    showEmpty('debit-empty', debits.length, S.loaded.invoices, 'Sin débitos en este período.');
    fillTable('payment-rows', shown('payment-more', payments, 'pagos', 'invoices'), ({ r, p }) => [
      td(p.order), td(date(p.on)), td(r.invoice), td(r.provider), td(osName(r.os), 'opt'), td(p.certificate || '–', 'opt'),
      td(money(p.amount), 'num')]);
    showEmpty('payment-empty', payments.length, S.loaded.invoices, 'Sin pagos a facturas de este período.');
  },

  feed() {
    const list = $('feed-list');
    list.replaceChildren(...S.feed.slice().reverse().map((e) => el('li', null,
      el('time', null, fromMs(e.at)),
      el('span', { class: 'topic' }, TOPIC_LABEL[e.topic] || e.topic),
      el('span', { class: 'kind' }, metaLabel('event', e.kind)),
      el('span', { class: 'who' }, [e.provider ? `prestador ${e.provider}` : '', e.os && osName(e.os)].filter(Boolean).join(' · ')),
      e.amount != null ? el('span', { class: 'amount' }, money(e.amount)) : null)));
    $('feed-empty').hidden = S.feed.length > 0;
  },
};


// ---------- status ----------
// #status is a live region: its text changes only with the state, so a screen reader says
// "reconectando…" once, not at every attempt; the attempt's detail goes to its title.
function setStatus(state, text, detail = '') {
  const s = $('status');
  s.dataset.state = state;
  if (s.textContent !== text) s.textContent = text;
  s.title = detail;
}

// ---------- /v1/live ----------

class Live {
  constructor(views) {
    this.views = views;
    this.attempt = 0;
    this.stopped = false;
    this.timer = 0;
    this.resume = false;  // resume by sequence only on the same server instance
    this.connect();
  }
  connect() {
    this.timer = 0;
    const ws = new WebSocket(wsUrl('/v1/live'));
    this.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; ws.send(JSON.stringify({ auth: S.token })); };
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      this.onMessage(m);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (e.code === 4401) return authFailed('invalid');
      // A server that stopped (1001) or could not be reached restarts its sequence numbers:
      // ask for a fresh snapshot then. Otherwise resume from the last sequence seen.
      this.resume = opened && e.code !== 1001;
      this.retry();
    };
  }
  retry() {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] * (0.8 + Math.random() * 0.4);
    this.attempt++;
    const st = $('status');
    st.dataset.reconnects = String(Number(st.dataset.reconnects || 0) + 1);
    setStatus('reconnecting', 'reconectando…', `intento ${this.attempt}, en ${Math.max(1, Math.round(delay / 1000))} s`);
    this.timer = setTimeout(() => this.connect(), delay);
  }
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'bye');
    this.ws = null;
  }
  send(obj) { if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj)); }
  onMessage(m) {
    const v = m.view || m.subscription;
    switch (m.type) {
      case 'authenticated':
        this.attempt = 0;
        setStatus('live', 'en vivo');
        for (const view of this.views) {
          const sub = { subscribe: view, id: view };
          if (this.resume && S.seq[view] != null) sub.resume_from = S.seq[view];
          this.send(sub);
        }
        break;
      case 'snapshot':  // the first page of the view's rows...
      case 'snapshot_rows': {  // ...and the next ones, until one says more: false
        if (!KEEP[v]) return;
        const map = m.type === 'snapshot' ? new Map() : S.views[v];
        for (const r of m.rows || []) map.set(KEY[v](r), KEEP[v](r));
        S.views[v] = map;
        S.seq[v] = m.seq;  // not max(): after a server restart the numbering starts over
        S.loaded[v] = !m.more;
        markDirty(v);
        break;
      }
      case 'resumed':
        if (KEEP[v]) S.loaded[v] = true;  // the missed changes follow, each moving the sequence on
        break;
      case 'change': {
        if (!KEEP[v]) return;
        boards.providerChanged(m.row);
        const map = S.views[v];
        map.delete(m.key);  // re-inserted last: Map order is change order
        if (m.row) map.set(m.key, KEEP[v](m.row));
        S.seq[v] = m.seq;
        markDirty(v);
        break;
      }
      case 'error':
        if (String(m.code).startsWith('auth.') && m.code !== 'auth.forbidden') authFailed(authWhy(m.code));
        else setStatus('error', `error del servidor: ${m.message || m.code}`);
        break;
      default:
    }
  }
}

// ---------- /v1/topics/<topic>: the live event feed (feed.js) ----------
const feedBoard = {
  token: () => S.token,
  event(e) {
    S.feed.push(e);
    if (S.feed.length > FEED_MAX) S.feed.splice(0, S.feed.length - FEED_MAX);
    markDirty('feed');
  },
  changed: () => feedState(),
  unauthorized: () => authFailed('invalid'),
};
function feedState() {
  const open = S.feeds.filter((f) => f.ws && f.ws.readyState === WebSocket.OPEN).length;
  const text = S.feeds.length === 0 ? '' : open === S.feeds.length ? '' :
    S.feeds.some((f) => f.error === 'stream.too_many') ? '(el servidor tiene demasiados streams abiertos; se reintenta)' : '(reconectando…)';
  setText('feed-state', text);
}

// ---------- downloads ----------
async function download(path, fallbackName) {
  const msg = $('dl-msg');
  msg.textContent = 'Descargando…';
  try {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store' });
    if (res.status === 401) { msg.textContent = ''; return authFailed('invalid'); }
    if (!res.ok) {
      let detail = `HTTP ${res.status}`;
      try { detail = (await res.json()).error.message || detail; } catch { /* not JSON */ }
      msg.textContent = `No se pudo descargar: ${detail}`;
      return;
    }
    const blob = await res.blob();
    const cd = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: cd ? cd[1] : fallbackName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    msg.textContent = `Descargado ${cd ? cd[1] : fallbackName}.`;
  } catch (err) {
    msg.textContent = `No se pudo descargar: ${err.message}`;
  }
}
async function api(method, path) {
  const res = await fetch(path, { method, headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store' });
  if (res.status === 401) {
    let code = '';
    try { code = (await res.json()).error.code; } catch { /* not JSON */ }
    authFailed(authWhy(code));
    return null;
  }
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, body };
}

function chosenDownloadPeriod() {
  const p = $('dl-period').value;
  if (!/^\d{4}-\d{2}$/.test(p)) { $('dl-msg').textContent = 'Todavía no hay períodos liquidados para descargar.'; return null; }
  return p;
}

// ---------- session ----------
// ---------- actions: each a command through POST /v1/commands ----------
// Whether the signed-in role may issue a command, from the server's matrix (GET /v1/meta).
const may = (command) => Boolean(S.meta && S.claims && (S.meta.commands[command] || []).includes(S.claims.role));
function actionCell(text, key, label) {
  return el('td', { class: 'act' }, el('button', { type: 'button', class: 'small', 'data-key': key, 'aria-label': label }, text));
}
// One action form open at a time; each opening gets a fresh command id, so a retry of the
// same submission (a double click, a lost answer) is applied once.
function openAction(form, subject, what) {
  for (const f of document.querySelectorAll('form.action:not(.standing)')) f.hidden = true;
  const f = $(`${form}-form`);
  f.dataset.commandId = crypto.randomUUID();
  S.action = subject;
  $(`${form}-what`).textContent = what;
  $(`${form}-msg`).textContent = '';
  fieldErrors(form, {});
  f.hidden = false;
  (f.querySelector('input') || f.querySelector('button[type=submit]')).focus();  // an approval asks nothing
}
// True once the command is recorded. A standing form stays open and gets a new command id.
// `fieldOf` names the form's field for the server's, when they differ (showError).
async function submitAction(form, body, done, fieldOf) {
  const f = $(`${form}-form`);
  const button = f.querySelector('button[type=submit]');
  button.disabled = true;
  const r = await postJson('/v1/commands', { ...body, command_id: f.dataset.commandId }, S.token);
  button.disabled = false;
  if (r.status === 401) return authFailed(authWhy(r.body && r.body.error && r.body.error.code));
  if (r.status !== 200 && r.status !== 201) return showError(form, r, null, fieldOf);
  if (f.classList.contains('standing')) {
    f.dataset.commandId = crypto.randomUUID();
    fieldErrors(form, {});
    setText(`${form}-msg`, '');
  } else {
    f.hidden = true;
  }
  setText('action-done', typeof done === 'function' ? done(r.body) : done);
  $('action-done').hidden = false;
  return r.body || {};
}
// What may be done with an invoice in its state (F3), by whoever may issue each command:
// the prestador sends it (again, once observed); the obra social audits what was sent.
const INVOICE_STEPS = {
  cargada: [['send_invoice', 'Enviar a la obra social', 'enviada']],
  observada: [['send_invoice', 'Reenviar a la obra social', 'reenviada'], ['reject_invoice', 'Rechazar', 'rechazada']],
  enviada: [['accept_invoice', 'Aceptar', 'aceptada'], ['observe_invoice', 'Observar', 'observada'], ['reject_invoice', 'Rechazar', 'rechazada']],
  aceptada: [['ingresar_invoice', 'Ingresar para el pago', 'ingresada'], ['apply_debit', 'Debitar', 'debitada']],
  ingresada: [['apply_debit', 'Debitar', 'debitada']],
};
const NEEDS_REASON = new Set(['observe_invoice', 'reject_invoice', 'apply_debit']);
const invoiceSteps = (r) => (INVOICE_STEPS[r.state] || []).filter(([command]) => may(command));
function openInvoice(r) {
  $('invoice-choices').replaceChildren(el('legend', null, 'Qué hacer'), ...invoiceSteps(r).map(([command, text], i) => {
    const input = el('input', { type: 'radio', name: 'command', value: command });
    input.checked = i === 0;
    return el('label', null, input, ` ${text}`);
  }));
  for (const id of ['invoice-reason', 'invoice-amount', 'invoice-reason_code', 'invoice-debit_sheet']) $(id).value = '';
  openAction('invoice', r, `${r.invoice} de ${r.provider} · ${osName(r.os)}`);
  showDebitFields();
}
const showDebitFields = () => { $('invoice-debit').hidden = $('invoice-form').elements.command.value !== 'apply_debit'; };
function invoiceStep() {
  const r = S.action;
  const command = $('invoice-form').elements.command.value;
  const reason = $('invoice-reason').value.trim();
  if (NEEDS_REASON.has(command) && !reason) return fieldErrors('invoice', { reason: 'Indicá el motivo.' });
  const [, , done] = INVOICE_STEPS[r.state].find(([c]) => c === command);
  const body = { command, provider: r.provider, invoice_id: r.id, ...(NEEDS_REASON.has(command) ? { reason } : {}) };
  if (command === 'apply_debit') {
    const amount = centavos($('invoice-amount').value);
    if (amount === null) return fieldErrors('invoice', { amount: 'Escribí un importe en pesos mayor que cero (1.234,56).' });
    Object.assign(body, {
      debit_id: `deb-${crypto.randomUUID()}`, amount, reason_code: $('invoice-reason_code').value.trim(),
      debit_sheet: $('invoice-debit_sheet').value.trim(),
    });
  }
  submitAction('invoice', body, `Factura ${r.invoice} ${done}.`);
}
function review() {
  const r = S.action;
  const approved = $('review-form').elements.approved.value === 'true';
  const reasonCode = $('review-reason_code').value, reason = $('review-reason').value.trim();
  if (!approved && reasonCode === 'other' && !reason) return fieldErrors('review', { reason: 'Indicá el motivo del rechazo.' });
  const body = approved ? { command: 'approve_order', provider: r.provider, order_id: r.id }
    : { command: 'reject_order', provider: r.provider, order_id: r.id, reason_code: reasonCode, reason };
  submitAction('review', body, `Orden ${r.id} de ${r.provider} ${approved ? 'aprobada' : 'rechazada'}.`);
}
function verify() {
  const { r, d } = S.action;
  const approved = $('verify-form').elements.approved.value === 'true';
  const reason = $('verify-reason').value.trim();
  if (!approved && !reason) return fieldErrors('verify', { reason: 'Indicá el motivo del rechazo.' });
  submitAction('verify', { command: 'verify_document', provider: r.provider, document_id: d.id, approved, reason },
    `${metaLabel('document_type', d.type)} de ${r.provider} ${approved ? 'aprobado' : 'rechazado'}.`);
}
// The prestador's forms (forms.js) and the colegio's month (month.js), made once the page's
// elements exist.
let forms = null, months = null, boards = null, clock = null, aranceles = null, consumer = null, presenter = null, a9 = null;
function initActions() {
  clock = clockBar({ S, onMoved: followClock });
  forms = prestadorForms({ S, todayAR, metaLabel, submitAction });
  months = monthBoard({ api, download });
  aranceles = arancelesBoard({ S });
  consumer = consumeForm({ S, metaLabel, openAction, submitAction });
  a9 = authorizationsBoard({ S, api, may, openAction, submitAction, markDirty, shown });
  Object.assign(RENDER, a9.render);
  boards = httpBoards({ S, api, markDirty, shown, outReason, metaLabel, osName, onProvider: a9.load });
  Object.assign(RENDER, boards.render);
  presenter = presentationsBoard({ S, api, todayAR, osName, may, openAction, submitAction, markDirty, shown });
  Object.assign(RENDER, presenter.render);
  $('pending-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    const p = b && S.views.pending.get(b.dataset.key);
    if (p) consumer.open(p);
  });
  $('documents-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    if (!b) return;
    const [provider, id] = [b.dataset.key.slice(0, b.dataset.key.indexOf('/')), b.dataset.key.slice(b.dataset.key.indexOf('/') + 1)];
    const r = S.views.padron.get(provider);
    const d = r && r.to_verify.find((x) => x.id === id);
    if (d) openAction('verify', { r, d }, `${metaLabel('document_type', d.type)} ${d.id} de ${r.provider}`);
  });
  $('invoice-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    const r = b && S.views.invoices.get(b.dataset.key);
    if (r) openInvoice(r);
  });
  $('invoice-form').addEventListener('submit', (e) => { e.preventDefault(); invoiceStep(); });
  $('invoice-choices').addEventListener('change', showDebitFields);
  $('user-form').addEventListener('submit', (e) => { e.preventDefault(); addUser(); });
  $('invoices-state').addEventListener('change', () => markDirty('invoices'));
  $('invoices-search').addEventListener('input', () => markDirty('invoices'));
  for (const id of ['invoices-from', 'invoices-to']) $(id).addEventListener('change', () => markDirty('invoices'));
  $('verify-form').addEventListener('submit', (e) => { e.preventDefault(); verify(); });
  $('orders-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    const r = b && S.views.orders.get(b.dataset.key);
    if (r) openAction('review', r, `${r.id} de ${r.provider} · ${osName(r.os)}`);
  });
  $('orders-state').addEventListener('change', () => markDirty('orders'));
  $('review-form').addEventListener('submit', (e) => { e.preventDefault(); review(); });
  for (const b of document.querySelectorAll('form.action [data-cancel]')) b.addEventListener('click', () => { b.form.hidden = true; });
}

async function loadUsers() {
  const r = await api('GET', '/v1/users');
  if (!r || r.status !== 200) return;
  fillTable('users-rows', r.body.users, (u) => [td(u.username), td(ROLE_LABEL[u.role]), td(u.role === 'obra_social' ? osName(u.subject) : u.subject)]);
}
async function addUser() {
  const body = { username: $('user-username').value.trim(), role: $('user-role').value, subject: $('user-subject').value.trim(), password: $('user-password').value };
  const r = await postJson('/v1/users', body, S.token);
  if (r.status === 401) return authFailed(authWhy(r.body && r.body.error && r.body.error.code));
  if (r.status !== 201) return showError('user', r, null);
  for (const id of ['user-username', 'user-subject', 'user-password']) $(id).value = '';
  fieldErrors('user', {});
  setText('user-msg', `Usuario ${r.body.username} creado: que ingrese con la contraseña inicial y la cambie.`);
  $('user-msg').classList.remove('error');
  loadUsers();
}

function resetViews() {
  for (const v of Object.keys(S.views)) { S.views[v] = new Map(); S.loaded[v] = false; S.seq[v] = null; }
  S.shown = {};
  S.feed = [];
  for (const s of Object.keys(RENDER)) markDirty(s);
}
function stopAll() {
  if (S.live) S.live.stop();
  S.live = null;
  for (const f of S.feeds) f.stop();
  S.feeds = [];
  clearTimeout(S.expiryTimer);
  clearTimeout(S.clockTimer);
  clearTimeout(S.adheredTimer);
  if (clock) clock.hide();
}
function showLogin(message) {
  stopAll();
  $('board').hidden = true;
  $('password').hidden = true;
  $('who').hidden = true;
  $('logout').hidden = true;
  $('change-password').hidden = true;
  S.claims = null;
  title();
  setHint('');
  $('login').hidden = false;
  $('login-msg').textContent = message || 'Ingresá con tu usuario y contraseña. La sesión vive sólo en esta pestaña.';
  $('login-msg').classList.toggle('error', Boolean(message));
  for (const id of ['token-input', 'login-password', 'user-username', 'user-subject', 'user-password']) $(id).value = '';
  $('users-rows').replaceChildren();  // nothing of the previous user's stays in the page
  fieldErrors('login', {});
}
const authWhy = (code) => (code === 'auth.expired_token' ? 'expired' : code === 'auth.revoked_token' ? 'revoked' : 'invalid');
function authFailed(why) {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
  S.token = null;
  setStatus(why === 'invalid' ? 'unauthorized' : why, { expired: 'sesión vencida', revoked: 'sesión cerrada', invalid: 'token inválido' }[why]);
  showLogin({
    expired: 'La sesión venció. Ingresá de nuevo.',
    revoked: 'La sesión se cerró (salida, cambio de contraseña o reinicio del servidor). Ingresá de nuevo.',
    invalid: 'El token es inválido o no corresponde a este servidor. Ingresá de nuevo.',
  }[why]);
}
async function signIn() {
  const username = $('login-user').value.trim();
  const password = $('login-password').value;
  const missing = {};
  if (!username) missing.user = 'Escribí tu usuario.';
  if (!password) missing.password = 'Escribí tu contraseña.';
  fieldErrors('login', missing);
  if (Object.keys(missing).length) return;
  const r = await postJson('/v1/login', { username, password });
  $('login-password').value = '';
  if (r.status !== 200) {
    if (r.body && r.body.error && r.body.error.field === 'username') r.body.error.field = 'user';
    return showError('login', r, 'password');
  }
  try { sessionStorage.setItem(TOKEN_KEY, r.body.token); } catch { /* kept in memory only */ }
  start(r.body.token);
}
async function signOut() {
  const token = S.token;
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
  S.token = null;
  setStatus('off', 'sin conexión');
  showLogin();
  // A person's session ends on the server too: the token is no good to anyone after this.
  if (token && S.lastClaims && S.lastClaims.user) await postJson('/v1/logout', {}, token);
}
async function changePassword() {
  const current = $('password-current').value;
  const next = $('password-new').value;
  const r = await postJson('/v1/password', { current, new: next }, S.token);
  if (r.status === 401 && r.body && r.body.error && r.body.error.code !== 'auth.bad_credentials') return authFailed(authWhy(r.body.error.code));
  if (r.status !== 200) return showError('password', r, 'current');
  $('password-current').value = '';
  $('password-new').value = '';
  fieldErrors('password', {});
  $('password-msg').classList.remove('error');
  $('password-msg').textContent = r.body.other_sessions_closed
    ? `Contraseña cambiada. Se cerraron ${r.body.other_sessions_closed} sesiones en otros lugares.`
    : 'Contraseña cambiada.';
}
function showPasswordForm(show) {
  $('password').hidden = !show;
  $('board').hidden = show;
  $('password-msg').textContent = '';
  fieldErrors('password', {});
  if (show) $('password-current').focus();
}

function start(token) {
  stopAll();
  const claims = claimsOf(token);
  if (!claims) return authFailed('invalid');
  if (claims.exp <= Date.now()) return authFailed('expired');
  S.token = token;
  S.claims = S.lastClaims = claims;
  resetViews();
  $('login').hidden = true;
  $('password').hidden = true;
  for (const f of document.querySelectorAll('form.action:not(.standing)')) f.hidden = true;
  $('action-done').hidden = true;
  $('board').hidden = false;
  $('logout').hidden = false;
  $('change-password').hidden = !claims.user;  // a machine's token has no password
  $('who').hidden = false;
  showWho();
  document.body.dataset.role = claims.role;
  for (const sec of document.querySelectorAll('[data-roles]')) sec.hidden = !sec.dataset.roles.split(' ').includes(claims.role);
  $('orders-state').value = claims.role === 'colegio' ? 'pending' : '';  // the colegio's queue
  setStatus('connecting', 'conectando…');
  S.live = new Live(VIEWS_BY_ROLE[claims.role]);
  // Raw events: the colegio's and each prestador's (the server filters a prestador's own).
  if (claims.role !== 'obra_social') S.feeds = TOPICS.map((t) => new Feed(t, feedBoard));
  if (claims.role === 'colegio') {
    months.load();
    loadUsers();
  }
  S.adhered = null;
  S.adheredLoaded = false;
  S.provider = null;
  $('provider').hidden = true;  // the colegio opens one; a prestador's own opens by itself
  $('provider-close').hidden = claims.role !== 'colegio';
  if (claims.role === 'prestador' && /^\d+$/.test(claims.subject)) boards.loadProvider(Number(claims.subject));
  clearTimeout(S.payoutsTimer);
  S.payoutsTimer = 0;
  S.payouts = null;
  forms.reset();
  presenter.reset();
  a9.reset();
  if (claims.role === 'obra_social') boards.loadAdhered();
  loadMeta();
  watchExpiry(claims.exp);
}
// Who is signed in, an obra social by its name once the names arrive.
function showWho() {
  const c = S.claims;
  if (!c) return;
  const subject = c.role === 'obra_social' ? osName(c.subject) : c.subject;
  setText('who', `${c.user ? `${c.user} · ` : ''}${ROLE_LABEL[c.role]}: ${subject} · vence ${fromMs(c.exp)}`);
}
// The board's title says whose it is; an obra social by its name once the names arrive.
function title() {
  const c = S.claims;
  setText('board-title', !c ? '' : c.role === 'colegio' ? 'tablero del colegio'
    : c.role === 'prestador' ? `tablero del prestador ${c.subject}` : `tablero de ${osName(c.subject)}`);
}
async function loadMeta() {
  title();
  setHint('');
  const r = await api('GET', '/v1/meta');
  if (!r || r.status !== 200 || !S.token) return;
  S.meta = {
    labels: r.body.labels, osNames: new Map(r.body.obras_sociales.map((o) => [o.id, o.name])), obrasSociales: r.body.obras_sociales,
    commands: r.body.commands, windowLastDay: r.body.order_window_last_day,
  };
  $('review-reason_code').replaceChildren(...Object.entries(r.body.labels.order_reject_reason).map(([code, text]) => el('option', { value: code }, text)));
  followClock(r.body.clock);
  forms.fill();
  aranceles.fill();
  presenter.fill();
  showWho();
  for (const th of document.querySelectorAll('[data-may]')) th.hidden = !may(th.dataset.may);
  title();
  for (const s of Object.keys(RENDER)) markDirty(s);
  checkSubject();
}
// A token whose provider or obra social the colegio does not have signs in to an empty
// board: say so, rather than show zeros "en vivo".
async function checkSubject() {
  const c = S.claims;
  let hint = '';
  if (c.role === 'obra_social' && !S.meta.osNames.has(c.subject)) {
    hint = `La obra social «${c.subject}» no está en la configuración del colegio: no hay datos que mostrar. ` +
      `Pedí un token con uno de sus identificadores (${[...S.meta.osNames.keys()].join(', ')}).`;
  } else if (c.role === 'prestador') {
    const r = await api('GET', `/v1/views/padron/${encodeURIComponent(c.subject)}`);
    if (!r || S.claims !== c) return;
    if (r.status === 404) hint = `El prestador ${c.subject} no está registrado en el colegio: no hay datos que mostrar todavía.`;
  }
  setHint(hint);
}
// The business clock moves with the server's (a demo's runs faster than time; a colegio moves
// a test clock): asked again every 30 s, and what depends on today redrawn.
function followClock(c) {
  S.clockOffset = c.now - Date.now();
  clock.show(c);
  markDirty('padron');
  markDirty('pending');
  clearTimeout(S.clockTimer);
  S.clockTimer = setTimeout(async () => {
    const r = await api('GET', '/v1/meta');
    if (r && r.status === 200 && S.token) followClock(r.body.clock);
  }, 30_000);
}
function setHint(text) {
  $('board-hint').textContent = text;
  $('board-hint').hidden = !text;
}
// setTimeout holds at most ~24.8 days: wake up, check, sleep again.
function watchExpiry(exp) {
  const left = exp - Date.now();
  if (left <= 0) return authFailed('expired');
  S.expiryTimer = setTimeout(() => watchExpiry(exp), Math.min(left, 2 ** 31 - 1));
}

function init() {
  takeTokenFromFragment();
  $('login-form').addEventListener('submit', (e) => { e.preventDefault(); signIn(); });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) return;
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* kept in memory only */ }
    start(token);
  });
  $('logout').addEventListener('click', signOut);
  initActions();
  $('change-password').addEventListener('click', () => showPasswordForm(true));
  $('password-cancel').addEventListener('click', () => showPasswordForm(false));
  $('password-form').addEventListener('submit', (e) => { e.preventDefault(); changePassword(); });
  $('period-select').addEventListener('change', (e) => { S.chosenPeriod = e.target.value; markDirty('settlement'); });
  window.addEventListener('resize', () => markDirty('settlement'));  // the chart follows its box's width
  $('dl-period').addEventListener('change', () => { S.periodTouched = true; });
  for (const button of document.querySelectorAll('#download-form button[data-path]')) {
    button.addEventListener('click', () => {
      const format = $('dl-format').value;
      const q = new URLSearchParams({ format });
      if (button.hasAttribute('data-period') || button.hasAttribute('data-range')) {
        const p = chosenDownloadPeriod();
        if (!p) return;
        if (button.hasAttribute('data-period')) q.set('period', p);
        else {  // the period's days
          const [y, m] = p.split('-').map(Number);
          q.set('from', `${p}-01`);
          q.set('to', `${p}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`);
        }
      }
      download(`${button.dataset.path}?${q}`, `${button.dataset.name}.${format}`);
    });
  }
  // Draw what arrived while the tab was hidden.
  document.addEventListener('visibilitychange', () => { if (!document.hidden) for (const s of Object.keys(RENDER)) markDirty(s); });
  let token = null;
  try { token = sessionStorage.getItem(TOKEN_KEY); } catch { /* ignore */ }
  if (token) start(token);
  else showLogin();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
