// Liquida's dashboard: live views over /v1/live (snapshot, then changes applied by key),
// raw events over /v1/topics/*, CSV downloads with the bearer token. No build step, no
// external resources. The token comes from signing in (POST /v1/login), or once from the URL
// fragment (#token=...) or the token form, lives in sessionStorage, and travels only in a
// websocket message or an Authorization header.
'use strict';

(() => {
  const TOKEN_KEY = 'liquida.token';
  const FEED_KEY = 'liquida.feed.';  // + topic: next offset per partition, to resume the feed
  const SHOWN = 50;                   // rows shown per table; the rest are counted, not drawn
  const FEED_MAX = 50;                // events kept in the feed
  const RENDER_MS = 300;              // at most one redraw per section this often
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
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
  const PAYOUT_STATE = { a_pagar: 'A pagar', pagado: 'Pagado', sin_cobros: 'Sin cobros' };
  const ROLE_LABEL = { colegio: 'Colegio', prestador: 'Prestador', obra_social: 'Obra social' };
  const STATE_LABEL = {
    pendiente: 'Pendiente', cargada: 'Cargada', enviada: 'Enviada', observada: 'Observada', aceptada: 'Aceptada',
    ingresada: 'Ingresada', rechazada: 'Rechazada', cancelado: 'Cancelado', cancelada: 'Cancelada', pagada: 'Pagada',
  };

  const $ = (id) => document.getElementById(id);

  // ---------- Argentine formats ----------
  const groups = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  // Integer centavos -> "$ 1.234.567,89" ("-$ 12,50" when negative).
  function money(c) {
    if (typeof c !== 'number' || !Number.isFinite(c)) return '–';
    const abs = Math.abs(Math.trunc(c));
    const text = '$ ' + groups(String(Math.floor(abs / 100))) + ',' + String(abs % 100).padStart(2, '0');
    return c < 0 ? '-' + text : text;
  }
  // Short money for chart axes: "$ 12,3 M".
  function moneyShort(c) {
    const p = c / 100;
    if (Math.abs(p) >= 1e9) return '$ ' + (p / 1e9).toFixed(1).replace('.', ',') + ' mil M';
    if (Math.abs(p) >= 1e6) return '$ ' + (p / 1e6).toFixed(1).replace('.', ',') + ' M';
    if (Math.abs(p) >= 1e3) return '$ ' + (p / 1e3).toFixed(1).replace('.', ',') + ' mil';
    return money(c);
  }
  const count = (n) => (typeof n === 'number' ? (n < 0 ? '-' : '') + groups(String(Math.abs(Math.trunc(n)))) : '–');
  // "2025-06-04" or "2025-06-04T12:55:00-03:00" (already Argentina time) -> "04/06/2025".
  function date(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
    return m ? `${m[3]}/${m[2]}/${m[1]}` : '–';
  }
  function dateTime(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s || '');
    return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}` : date(s);
  }
  // Milliseconds since the epoch -> Argentina (UTC-3, no daylight saving) "dd/mm/yyyy hh:mm".
  function fromMs(ms) {
    if (typeof ms !== 'number') return '–';
    const iso = new Date(ms - 3 * 3600e3).toISOString();
    return dateTime(iso);
  }
  const period = (p) => (/^\d{4}-\d{2}$/.test(p || '') ? `${p.slice(5)}/${p.slice(0, 4)}` : '–');
  // Today in Argentina by the server's business clock (GET /v1/meta: a demo's runs in 2025),
  // not the browser's.
  const todayAR = () => new Date(Date.now() + S.clockOffset - 3 * 3600e3).toISOString().slice(0, 10);
  const dayNumber = (ymd) => Date.UTC(+ymd.slice(0, 4), +ymd.slice(5, 7) - 1, +ymd.slice(8, 10)) / 86400e3;
  const label = (map, v) => (map && map[v]) || (v ? String(v).replace(/_/g, ' ') : '–');
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

  // ---------- small DOM helpers (text only: data never becomes markup) ----------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
    for (const c of children) if (c != null) e.append(c);
    return e;
  }
  const td = (text, cls) => el('td', cls ? { class: cls } : null, text == null ? '–' : String(text));
  function fillTable(tbodyId, rows, cells) {
    $(tbodyId).replaceChildren(...rows.map((r) => el('tr', null, ...cells(r))));
  }
  function showEmpty(id, rowsCount, loaded, emptyText) {
    const p = $(id);
    p.hidden = loaded && rowsCount > 0;
    p.textContent = loaded ? emptyText : 'Cargando…';
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
  const setText = (id, text) => { const e = $(id); if (e.textContent !== text) e.textContent = text; };

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
      amount: r.amount || 0, debited: r.debited || 0, balance: r.balance || 0, due_on: r.due_on, state: r.state,
      debits: (r.debits || []).map((d) => ({ amount: d.amount, code: d.reason_code, reason: d.reason, sheet: d.debit_sheet })),
      payments: (r.payments || []).map((p) => ({ order: p.payment_order, on: p.paid_on, amount: p.amount })),
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
      fillOrderForm();
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
      drawChart(osRows);
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
      fillOrderForm();
      schedulePayouts();
      showEmpty('discount-empty', lines.length, S.loaded.settlement, 'Sin débitos ni retenciones en este período.');
    },

    invoices() {  // of the period the settlement shows
      const wanted = $('invoices-state').value, search = $('invoices-search').value.trim().toLowerCase();
      const rows = [...S.views.invoices.values()].filter((r) => (!S.shownPeriod || r.period === S.shownPeriod)
        && (!wanted || r.state === wanted)
        && (!search || r.invoice.toLowerCase().includes(search) || String(r.provider).includes(search)));
      setText('invoices-period', S.shownPeriod ? `del período ${period(S.shownPeriod)}` : '');
      let amount = 0, debited = 0;
      for (const r of rows) { amount += r.amount; debited += r.debited; }
      setText('invoices-total', count(rows.length));
      setText('invoices-amount', money(amount));
      setText('invoices-debited', money(debited));
      rows.sort((a, b) => (a.issued_on < b.issued_on ? 1 : a.issued_on > b.issued_on ? -1 : 0));
      fillTable('invoice-rows', shown('invoices-more', rows, 'facturas', 'invoices'), (r) => [
        td(r.invoice), td(r.provider), td(osName(r.os)), td(period(r.period)), td(date(r.issued_on), 'opt'),
        td(money(r.amount), 'num'), td(money(r.debited), 'num opt'), td(money(r.balance), 'num opt'),
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
        td(p.order), td(date(p.on)), td(r.invoice), td(r.provider), td(osName(r.os), 'opt'), td(money(p.amount), 'num')]);
      showEmpty('payment-empty', payments.length, S.loaded.invoices, 'Sin pagos a facturas de este período.');
    },

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

  // Grouped bars per obra social: A facturar, Facturado, Debitado, Pagado. Plain SVG.
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  }
  function drawChart(osRows) {
    const chart = $('chart');
    // Drawn at the box's own width so the labels keep their size on a phone.
    const W = Math.max(300, Math.min(1400, Math.round(chart.clientWidth) || 640));
    const H = W < 500 ? 200 : 260, left = 70, right = 10, top = 12, bottom = 28;
    chart.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const series = [['total', 's-total', 'A facturar'], ['billed', 's-billed', 'Facturado'],
      ['debited', 's-debited', 'Debitado'], ['paid', 's-paid', 'Pagado']];
    const max = Math.max(1, ...osRows.flatMap(([, t]) => series.map(([k]) => t[k])));
    const parts = [];
    const y = (v) => top + (H - top - bottom) * (1 - Math.max(0, v) / max);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      parts.push(svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'grid' }));
      parts.push(svg('text', { x: left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, moneyShort(v)));
    }
    const groupW = (W - left - right) / Math.max(1, osRows.length);
    const barW = Math.min(36, (groupW * 0.8) / series.length);
    osRows.forEach(([os, t], g) => {
      const x0 = left + g * groupW + (groupW - barW * series.length) / 2;
      series.forEach(([k, cls, name], i) => {
        const v = t[k];
        const bar = svg('rect', { x: x0 + i * barW, y: y(v), width: Math.max(1, barW - 2), height: Math.max(0, y(0) - y(v)), class: cls });
        bar.append(svg('title', {}, `${osName(os)} · ${name}: ${money(v)}`));
        parts.push(bar);
      });
      parts.push(svg('text', { x: left + g * groupW + groupW / 2, y: H - 8, class: 'axis', 'text-anchor': 'middle' }, osName(os)));
    });
    chart.replaceChildren(...parts);
  }

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
  const wsUrl = (path) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;

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
          providerChanged(m.row);
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

  // ---------- /v1/topics/<topic>: the live event feed ----------
  class Feed {
    constructor(topic) {
      this.topic = topic;
      this.next = loadFeedOffsets(topic);  // partition -> next offset
      this.attempt = 0;
      this.stopped = false;
      this.timer = 0;
      this.saveTimer = 0;
      this.connect();
    }
    connect() {
      this.timer = 0;
      // The stream's `from` applies to every partition: start at the lowest next offset and
      // drop what was already seen.
      // A first visit starts at the end of the log: the feed shows what happens from now on.
      const offsets = Object.values(this.next);
      const from = offsets.length ? Math.min(...offsets) : 'end';
      const ws = new WebSocket(wsUrl(`/v1/topics/${encodeURIComponent(this.topic)}?from=${from}`));
      this.ws = ws;
      ws.onopen = () => ws.send(JSON.stringify({ auth: S.token }));
      ws.onmessage = (e) => {
        let m;
        try { m = JSON.parse(e.data); } catch { return; }
        if (m.type === 'authenticated') { this.attempt = 0; feedState(); return; }
        if (m.type === 'error') { this.error = m.code; return; }
        if (m.type !== 'event') return;
        if (m.offset < (this.next[m.partition] || 0)) return;
        this.next[m.partition] = m.offset + 1;
        const p = m.payload || {};
        S.feed.push({
          topic: m.topic, kind: String(m.kind || 'evento'), at: m.occurred_at, provider: m.provider_id,
          os: typeof p.obra_social === 'string' ? p.obra_social : '', amount: typeof p.amount === 'number' ? p.amount : null,
        });
        if (S.feed.length > FEED_MAX) S.feed.splice(0, S.feed.length - FEED_MAX);
        markDirty('feed');
        if (!this.saveTimer) this.saveTimer = setTimeout(() => { this.saveTimer = 0; saveFeedOffsets(this.topic, this.next); }, 2000);
      };
      ws.onclose = (e) => {
        if (this.ws !== ws) return;
        this.ws = null;
        if (this.stopped) return;
        if (e.code === 4401) return authFailed('invalid');
        if (e.code === 4403) { this.stopped = true; feedState(); return; }
        // 1013: the server has too many streams open; come back much later.
        const delay = e.code === 1013 ? 60000 : BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
        this.attempt++;
        this.timer = setTimeout(() => this.connect(), delay * (0.8 + Math.random() * 0.4));
        feedState();
      };
    }
    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
      clearTimeout(this.saveTimer);
      saveFeedOffsets(this.topic, this.next);
      if (this.ws) this.ws.close(1000, 'bye');
      this.ws = null;
    }
  }
  function loadFeedOffsets(topic) {
    try {
      const o = JSON.parse(sessionStorage.getItem(FEED_KEY + topic) || '{}');
      return o && typeof o === 'object' ? o : {};
    } catch { return {}; }
  }
  function saveFeedOffsets(topic, next) {
    try { sessionStorage.setItem(FEED_KEY + topic, JSON.stringify(next)); } catch { /* ignore */ }
  }
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
  // ---------- the month (the colegio's): its state, what is left per obra social, its close ----------
  const MONTH_STATE = { open: 'Abierto: el mes no terminó o todavía puede recibir eventos', closable: 'Listo para cerrar', closed: 'Cerrado' };
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
  async function loadMonths() {
    const r = await api('GET', '/v1/months');
    if (!r || r.status !== 200) return;
    const select = $('month-select');
    const chosen = select.value;
    select.replaceChildren(...r.body.months.map((m) => el('option', { value: m.month }, m.month)).reverse());
    if (chosen) select.value = chosen;
    if (select.value) showMonth();
  }
  function showReports(close) {
    $('month-reports').replaceChildren(...(close ? close.reports : []).map((f) => {
      const b = el('button', { type: 'button', class: 'link' }, f.name);
      b.addEventListener('click', () => download(f.url, f.name));
      return el('li', null, b);
    }));
  }
  async function showMonth() {
    const m = $('month-select').value;
    if (!m) return;
    const r = await api('GET', `/v1/months/${m}`);
    if (!r) return;
    if (r.status !== 200) { $('month-state').textContent = r.body?.error?.message || `HTTP ${r.status}`; return; }
    $('month-state').textContent = `${m}: ${MONTH_STATE[r.body.state] || r.body.state}`;
    fillTable('month-rows', r.body.obras_sociales, (o) => [td(o.name), td(count(o.orders_unreviewed)), td(money(o.not_invoiced)),
      td(count(o.invoices_observed)), td(money(o.not_collected)), td(o.ready ? 'Sí' : 'No')]);
    $('month-close').disabled = r.body.state === 'closed';
    showReports(r.body.close);
  }
  async function closeMonth() {
    const m = $('month-select').value;
    if (!m) return;
    $('month-msg').textContent = `Cerrando ${m}… (se recalcula el mes desde el registro)`;
    const r = await api('POST', `/v1/months/${m}/close?force=${$('month-force').checked}`);
    if (!r) return;
    $('month-msg').textContent = r.status === 201 ? `Cerrado ${m}: ${count(r.body.close.events)} eventos, cadena de hashes verificada.`
      : `No se cerró: ${r.body?.error?.message || `HTTP ${r.status}`}`;
    showMonth();
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
  // "88-T-128183733" (or a number alone) as the command's transaction.
  function transactionOf(text) {
    const m = /^(\d+)-(.*)-(\d+)$/.exec(text);
    return m ? { boca: Number(m[1]), serie: m[2], number: Number(m[3]) } : { boca: 0, serie: '', number: Number(text) };
  }
  // A datetime-local value read as Argentina time (UTC-3), in ms.
  function argentinaMs(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] + 3, +m[5]) : null;
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
    f.querySelector('input').focus();
  }
  // True once the command is recorded. A standing form stays open and gets a new command id.
  async function submitAction(form, body, done) {
    const f = $(`${form}-form`);
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    const r = await postJson('/v1/commands', { ...body, command_id: f.dataset.commandId }, S.token);
    button.disabled = false;
    if (r.status === 401) return authFailed(authWhy(r.body && r.body.error && r.body.error.code));
    if (r.status !== 200 && r.status !== 201) return showError(form, r, null);
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
  // Pesos as people write them ("1.234,56", "1234,5", "1234") in centavos, or null.
  function centavos(text) {
    const m = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$/.exec(text.trim());
    if (!m) return null;
    const value = Number(m[1].replace(/\./g, '')) * 100 + Number((m[2] || '0').padEnd(2, '0'));
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  }
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
  function consume() {
    const p = S.action;
    const deferred = $('consume-form').elements.when.value === 'deferred';
    const at = argentinaMs($('consume-performed_at').value);
    if (deferred && at === null) return fieldErrors('consume', { performed_at: 'Indicá la fecha y hora de realización.' });
    submitAction('consume', {
      command: 'consume_practices', provider: p.provider, transaction: transactionOf(p.transaction), items: [p.item],
      deferred, performed_at: deferred ? at : null,
    }, `Consumido: ${p.transaction} ítem ${p.item}.`);
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
  // The load-order form follows the configuration (GET /v1/meta): the obras sociales the
  // prestador is adhered to, each one's practices, and the data its orders must carry.
  const ORDER_FIELDS = new Set(['affiliate_number', 'attention_date']);  // the form's own inputs
  const FIELD_LABEL = { credential: 'Credencial', prescriptor: 'Prescriptor', diagnosis: 'Diagnóstico' };
  // A prestador's forms offer the obras sociales it is adhered to (all, until its padrón row
  // arrives); true when the choices changed.
  function fillObrasSociales(select) {
    const mine = S.views.padron.get(String(S.claims.subject));
    const adhered = mine ? new Set(mine.adhered) : null;
    const choices = S.meta.obrasSociales.filter((o) => !adhered || adhered.has(o.id));
    const wanted = choices.map((o) => o.id).join(',');
    if (select.dataset.ids === wanted) return false;
    const keep = select.value;
    select.replaceChildren(...choices.map((o) => el('option', { value: o.id }, o.name)));
    select.dataset.ids = wanted;
    if (choices.some((o) => o.id === keep)) select.value = keep;
    return true;
  }
  function fillOrderForm() {
    if (!S.meta || !S.claims || S.claims.role !== 'prestador') return;
    if (!$('order-attention_date').value) $('order-attention_date').value = todayAR();
    if (fillObrasSociales($('order-obra_social'))) fillOrderPractices();
    if (!$('issue-issued_on').value) $('issue-issued_on').value = todayAR();
    if (!$('issue-period').value) $('issue-period').value = S.shownPeriod || todayAR().slice(0, 7);
    if (fillObrasSociales($('issue-obra_social'))) fillIssueExtra();
    if (fillObrasSociales($('budget-obra_social'))) fillBudgetPractices();
    suggestAmount();
  }
  function fillOrderPractices() {
    const os = S.meta.obrasSociales.find((o) => o.id === $('order-obra_social').value);
    $('order-practice_code').replaceChildren(...(os ? os.practices : []).map((p) => el('option', { value: p.code }, `${p.code} · ${p.name}`)));
    $('order-extra').replaceChildren(...(os ? os.required_order_fields : []).filter((f) => !ORDER_FIELDS.has(f)).flatMap((f) => {
      const id = `order-fields.${f}`;
      return [el('label', { for: id }, FIELD_LABEL[f] || f),
        el('input', { id, 'data-field': f, autocomplete: 'off', maxlength: '200', 'aria-describedby': `${id}-error` }),
        el('span', { id: `${id}-error`, class: 'field-error', hidden: '' })];
    }));
  }
  // F2: what an invoice to the chosen obra social carries: its authorization, if it asks for
  // one, and a reference to each attachment it requires.
  function fillIssueExtra() {
    const os = S.meta.obrasSociales.find((o) => o.id === $('issue-obra_social').value);
    const input = (id, text, attrs = {}) => [el('label', { for: id }, text),
      el('input', { id, autocomplete: 'off', maxlength: '200', 'aria-describedby': `${id}-error`, ...attrs }),
      el('span', { id: `${id}-error`, class: 'field-error', hidden: '' })];
    $('issue-extra').replaceChildren(
      ...(os && os.invoice_requires_authorization ? input('issue-authorization', 'Trámite de autorización que factura') : []),
      ...(os ? os.invoice_attachments : []).flatMap((kind) =>
        input(`issue-attachments.${kind}`, `${metaLabel('attachment_kind', kind)}: referencia del archivo`, { 'data-kind': kind })));
    suggestAmount();
  }
  // Until typed in, the amount is what the period still has to bill for that obra social.
  function suggestAmount() {
    const amount = $('issue-amount');
    if (amount.dataset.typed) return;
    const r = S.views.settlement.get(`${$('issue-period').value}/${$('issue-obra_social').value}/${S.claims.subject}`);
    const left = r ? r.total - r.billed : 0;
    amount.value = left > 0 ? money(left).replace(/^\$\s*/, '') : '';
  }
  async function issueInvoice() {
    const f = $('issue-form');
    if (!f.dataset.commandId) f.dataset.commandId = crypto.randomUUID();
    const amount = centavos($('issue-amount').value);
    const pv = $('issue-punto_de_venta').value.trim(), number = $('issue-number').value.trim();
    const errors = {};
    if (!/^\d{1,5}$/.test(pv)) errors.punto_de_venta = 'El punto de venta tiene hasta 5 dígitos.';
    if (!/^\d{1,8}$/.test(number)) errors.number = 'El número tiene hasta 8 dígitos.';
    if (amount === null) errors.amount = 'Escribí un importe en pesos mayor que cero (1.234,56).';
    fieldErrors('issue', errors);
    if (Object.keys(errors).length) return;
    const comprobante = $('issue-comprobante').value;
    const label = `${comprobante.slice(-1).toUpperCase()} ${pv.padStart(5, '0')}-${number.padStart(8, '0')}`;
    const body = {
      command: 'issue_invoice', provider: Number(S.claims.subject), invoice_id: label.replace(' ', '-'),
      obra_social: $('issue-obra_social').value, comprobante, billing: $('issue-billing').value,
      punto_de_venta: Number(pv), number: Number(number), cae: $('issue-cae').value.trim(), period: $('issue-period').value,
      amount, issued_on: $('issue-issued_on').value || null, authorization: $('issue-authorization')?.value.trim() || '',
      adjusts_invoice: $('issue-adjusts_invoice').value.trim(),
      attachments: [...f.querySelectorAll('input[data-kind]')].filter((i) => i.value.trim())
        .map((i) => ({ kind: i.dataset.kind, reference: i.value.trim() })),
    };
    if (await submitAction('issue', body, `Factura ${label} cargada: enviala a la obra social desde la lista.`)) {
      for (const id of ['issue-number', 'issue-cae', 'issue-adjusts_invoice', 'issue-amount']) $(id).value = '';
      for (const i of $('issue-extra').querySelectorAll('input')) i.value = '';
      delete $('issue-amount').dataset.typed;
    }
  }
  // A7: a dental budget as InSSSeP's screen takes it: a practice, its faces and one or more
  // teeth picked from the FDI chart make one line per tooth; a line missing what its practice
  // requires is not added.
  const TEETH = [[18, 17, 16, 15, 14, 13, 12, 11, 21, 22, 23, 24, 25, 26, 27, 28], [48, 47, 46, 45, 44, 43, 42, 41, 31, 32, 33, 34, 35, 36, 37, 38],
    [55, 54, 53, 52, 51, 61, 62, 63, 64, 65], [85, 84, 83, 82, 81, 71, 72, 73, 74, 75]];
  function buildTeeth() {
    const tooth = (t) => el('label', null, el('input', { type: 'checkbox', value: String(t), 'aria-label': `Diente ${t}` }), String(t));
    $('budget-teeth').append(...TEETH.map((row) => el('div', { class: 'row' },  // the patient's right, then left
      el('span', { class: 'half' }, ...row.slice(0, row.length / 2).map(tooth)),
      el('span', { class: 'half' }, ...row.slice(row.length / 2).map(tooth)))));
  }
  const budgetPractice = () => {
    const os = S.meta.obrasSociales.find((o) => o.id === $('budget-obra_social').value);
    return os && os.practices.find((p) => p.code === $('budget-practice').value);
  };
  function fillBudgetPractices() {
    const os = S.meta.obrasSociales.find((o) => o.id === $('budget-obra_social').value);
    $('budget-practice').replaceChildren(...(os ? os.practices : []).map((p) => el('option', { value: p.code }, `${p.code} · ${p.name}`)));
    S.budgetLines = [];
    drawBudgetLines();
  }
  function drawBudgetLines() {
    fillTable('budget-line-rows', S.budgetLines, (l) => [td(l.practice_code), td(l.name), td(l.tooth || '–'), td(l.faces || '–'),
      el('td', { class: 'act' }, el('button', { type: 'button', class: 'small', 'data-line': String(S.budgetLines.indexOf(l)),
        'aria-label': `Quitar ${l.practice_code}${l.tooth ? ` del diente ${l.tooth}` : ''}` }, 'Quitar'))]);
  }
  function addBudgetLines() {
    const p = budgetPractice();
    const checked = (id) => [...$(id).querySelectorAll('input:checked')].map((i) => i.value);
    const teeth = checked('budget-teeth'), faces = checked('budget-faces').join('');
    let why = '';
    if (!p) why = 'Elegí una práctica.';
    else if (p.requires_tooth && !teeth.length) why = `La práctica ${p.code} requiere diente: no se agregó.`;
    else if (p.requires_faces && !faces) why = `La práctica ${p.code} requiere cara: no se agregó.`;
    setText('budget-picker-msg', why);
    if (why) return;
    for (const tooth of teeth.length ? teeth : [0]) S.budgetLines.push({ practice_code: p.code, name: p.name, tooth: Number(tooth), faces });
    for (const i of $('budget-form').querySelectorAll('.picker input:checked')) i.checked = false;
    drawBudgetLines();
  }
  async function submitBudget() {
    const f = $('budget-form');
    if (!f.dataset.commandId) f.dataset.commandId = crypto.randomUUID();
    const number = $('budget-transaction_number').value.trim();
    if (!/^\d{1,15}$/.test(number)) return fieldErrors('budget', { transaction_number: 'Escribí el número de transacción que dio la obra social.' });
    if (!S.budgetLines.length) { fieldErrors('budget', {}); return setText('budget-picker-msg', 'Cargá al menos una práctica.'); }
    const body = {
      command: 'submit_budget', provider: Number(S.claims.subject), transaction_number: Number(number),
      obra_social: $('budget-obra_social').value, affiliate_number: $('budget-affiliate_number').value.trim(),
      credential: $('budget-credential').value.trim(), family_group: '', token: $('budget-token').value.trim(),
      diagnosis_code: $('budget-diagnosis_code').value.trim(), diagnosis_type: $('budget-diagnosis_type').value,
      lines: S.budgetLines.map(({ practice_code, tooth, faces }) => ({ practice_code, tooth, faces })),
      clinical_summary: $('budget-clinical_summary').value.trim(), attachments: [],
    };
    const done = (answer) => {
      const kinds = (answer && answer.events || []).map((e) => e.kind);
      return `Presupuesto ${number} enviado: ${kinds.includes('budget_authorized') ? 'aceptado, sus prácticas quedan pendientes de consumo'
        : 'requiere auditoría de la obra social'}.`;
    };
    if (await submitAction('budget', body, done)) {
      for (const id of ['budget-transaction_number', 'budget-token', 'budget-clinical_summary']) $(id).value = '';
      S.budgetLines = [];
      drawBudgetLines();
      setText('budget-picker-msg', '');
    }
  }
  async function loadOrder() {
    const f = $('order-form');
    if (!f.dataset.commandId) f.dataset.commandId = crypto.randomUUID();
    const attention = $('order-attention_date').value;
    const body = {
      command: 'load_order', provider: Number(S.claims.subject), order_id: $('order-order_id').value.trim(),
      obra_social: $('order-obra_social').value, practice_code: $('order-practice_code').value,
      affiliate_number: $('order-affiliate_number').value.trim(), attention_date: attention || null,
      patient_signature: $('order-patient_signature').checked, professional_signature: $('order-professional_signature').checked,
      professional_stamp: $('order-professional_stamp').checked,
      fields: [...f.querySelectorAll('input[data-field]')].map((i) => ({ name: i.dataset.field, value: i.value.trim() })),
    };
    if (await submitAction('order', body, `Orden ${body.order_id} cargada: espera la revisión del colegio.`)) {
      for (const i of f.querySelectorAll('input:not([type=date])')) { if (i.type === 'checkbox') i.checked = false; else i.value = ''; }
    }
  }
  function verify() {
    const { r, d } = S.action;
    const approved = $('verify-form').elements.approved.value === 'true';
    const reason = $('verify-reason').value.trim();
    if (!approved && !reason) return fieldErrors('verify', { reason: 'Indicá el motivo del rechazo.' });
    submitAction('verify', { command: 'verify_document', provider: r.provider, document_id: d.id, approved, reason },
      `${metaLabel('document_type', d.type)} de ${r.provider} ${approved ? 'aprobado' : 'rechazado'}.`);
  }
  function initActions() {
    $('pending-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-key]');
      const p = b && S.views.pending.get(b.dataset.key);
      if (p) openAction('consume', p, `${p.transaction} ítem ${p.item} · ${p.practice}`);
    });
    $('documents-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-key]');
      if (!b) return;
      const [provider, id] = [b.dataset.key.slice(0, b.dataset.key.indexOf('/')), b.dataset.key.slice(b.dataset.key.indexOf('/') + 1)];
      const r = S.views.padron.get(provider);
      const d = r && r.to_verify.find((x) => x.id === id);
      if (d) openAction('verify', { r, d }, `${metaLabel('document_type', d.type)} ${d.id} de ${r.provider}`);
    });
    for (const input of $('consume-form').elements.when) input.addEventListener('change', () => {
      $('consume-performed_at').disabled = $('consume-form').elements.when.value !== 'deferred';
    });
    $('invoice-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-key]');
      const r = b && S.views.invoices.get(b.dataset.key);
      if (r) openInvoice(r);
    });
    $('consume-form').addEventListener('submit', (e) => { e.preventDefault(); consume(); });
    $('invoice-form').addEventListener('submit', (e) => { e.preventDefault(); invoiceStep(); });
    $('invoice-choices').addEventListener('change', showDebitFields);
    $('user-form').addEventListener('submit', (e) => { e.preventDefault(); addUser(); });
    $('invoices-state').addEventListener('change', () => markDirty('invoices'));
    $('invoices-search').addEventListener('input', () => markDirty('invoices'));
    $('verify-form').addEventListener('submit', (e) => { e.preventDefault(); verify(); });
    $('orders-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-key]');
      const r = b && S.views.orders.get(b.dataset.key);
      if (r) openAction('review', r, `${r.id} de ${r.provider} · ${osName(r.os)}`);
    });
    $('orders-state').addEventListener('change', () => markDirty('orders'));
    $('review-form').addEventListener('submit', (e) => { e.preventDefault(); review(); });
    $('order-form').addEventListener('submit', (e) => { e.preventDefault(); loadOrder(); });
    $('order-obra_social').addEventListener('change', fillOrderPractices);
    $('issue-form').addEventListener('submit', (e) => { e.preventDefault(); issueInvoice(); });
    $('adhered-refresh').addEventListener('click', loadAdhered);
    buildTeeth();
    $('budget-obra_social').addEventListener('change', fillBudgetPractices);
    $('budget-add').addEventListener('click', addBudgetLines);
    $('budget-line-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-line]');
      if (!b) return;
      S.budgetLines.splice(Number(b.dataset.line), 1);
      drawBudgetLines();
    });
    $('budget-form').addEventListener('submit', (e) => { e.preventDefault(); submitBudget(); });
    $('find-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('find-provider').value.trim();
      if (!/^\d{1,19}$/.test(id)) return fieldErrors('find', { provider: 'Escribí el número del prestador.' });
      loadProvider(Number(id));
    });
    $('provider-close').addEventListener('click', () => { S.provider = null; $('provider').hidden = true; $('find-provider').focus(); });
    $('adhered-search').addEventListener('input', () => markDirty('adhered'));
    $('issue-obra_social').addEventListener('change', fillIssueExtra);
    $('issue-period').addEventListener('change', suggestAmount);
    $('issue-amount').addEventListener('input', (e) => { e.target.dataset.typed = e.target.value ? '1' : ''; });
    for (const b of document.querySelectorAll('form.action [data-cancel]')) b.addEventListener('click', () => { b.form.hidden = true; });
  }

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
    RENDER.provider();
    $('provider').hidden = false;
  }
  function providerChanged(row) {
    const pp = S.provider;
    if (!pp || !pp.data || !row || row.provider !== pp.id || pp.timer) return;
    pp.timer = setTimeout(() => { if (S.provider === pp) loadProvider(pp.id); }, 1000);
  }

  // An obra social's adhered providers: the padrón rows that carry its number, read over HTTP
  // (the padrón's live view is the colegio's), again with "Actualizar".
  async function loadAdhered() {
    const r = await api('GET', '/v1/views/padron?limit=5000');
    if (!r || r.status !== 200 || !S.claims) return;
    const os = S.claims.subject;
    S.adhered = r.body.rows.map((p) => ({
      number: p.adhesions[os] || '', provider: p.provider, name: p.razon_social, matricula: p.matricula, in: p.in_good_standing === true,
    })).sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : a.provider - b.provider));
    S.adheredLoaded = true;
    markDirty('adhered');
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
  // A typed error next to the field it names; {} clears them. Inputs are `${form}-${field}`.
  function fieldErrors(form, errors) {
    for (const span of document.querySelectorAll(`#${form}-form .field-error`)) {
      const field = span.id.slice(form.length + 1, -'-error'.length);
      const input = $(`${form}-${field}`);
      const text = errors[field] || '';
      span.textContent = text;
      span.hidden = !text;
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }
  async function postJson(path, body, token) {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store' });
      let json = null;
      try { json = await res.json(); } catch { /* not JSON */ }
      return { status: res.status, body: json };
    } catch {
      return { status: 0, body: null };
    }
  }
  // The server's error: next to its field when the form has it, else in the form's message.
  function showError(form, r, fallbackField) {
    const e = (r.body && r.body.error) || { message: 'No se pudo conectar con el servidor.', field: '' };
    // "fields.credential" is an input of its own; "fields.affiliate_number" the form's field.
    const field = [e.field, String(e.field || '').replace(/^fields\./, '')].find((f) => f && $(`${form}-${f}`)) || fallbackField;
    fieldErrors(form, field ? { [field]: e.message } : {});
    const msg = $(`${form}-msg`);
    msg.textContent = field ? '' : e.message;
    msg.classList.toggle('error', !field);
    if (field) $(`${form}-${field}`).focus();
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
    for (const id of ['order-attention_date', 'issue-issued_on', 'issue-period']) $(id).value = '';
    setStatus('connecting', 'conectando…');
    S.live = new Live(VIEWS_BY_ROLE[claims.role]);
    // Raw events: the colegio's and each prestador's (the server filters a prestador's own).
    if (claims.role !== 'obra_social') S.feeds = TOPICS.map((t) => new Feed(t));
    if (claims.role === 'colegio') {
      loadMonths();
      loadUsers();
    }
    S.adhered = null;
    S.adheredLoaded = false;
    S.provider = null;
    $('provider').hidden = true;  // the colegio opens one; a prestador's own opens by itself
    $('provider-close').hidden = claims.role !== 'colegio';
    if (claims.role === 'prestador' && /^\d+$/.test(claims.subject)) loadProvider(Number(claims.subject));
    clearTimeout(S.payoutsTimer);
    S.payoutsTimer = 0;
    S.payouts = null;
    S.budgetLines = [];
    drawBudgetLines();
    if (claims.role === 'obra_social') loadAdhered();
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
      commands: r.body.commands,
    };
    $('review-reason_code').replaceChildren(...Object.entries(r.body.labels.order_reject_reason).map(([code, text]) => el('option', { value: code }, text)));
    followClock(r.body.now);
    fillOrderForm();
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
  // The business clock moves with the server's (a demo's runs faster than time): asked again
  // every 30 s, and what depends on today redrawn.
  function followClock(now) {
    S.clockOffset = now - Date.now();
    markDirty('padron');
    markDirty('pending');
    clearTimeout(S.clockTimer);
    S.clockTimer = setTimeout(async () => {
      const r = await api('GET', '/v1/meta');
      if (r && r.status === 200 && S.token) followClock(r.body.now);
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
    $('month-select').addEventListener('change', showMonth);
    $('month-refresh').addEventListener('click', loadMonths);
    $('month-close').addEventListener('click', closeMonth);
    // Draw what arrived while the tab was hidden.
    document.addEventListener('visibilitychange', () => { if (!document.hidden) for (const s of Object.keys(RENDER)) markDirty(s); });
    let token = null;
    try { token = sessionStorage.getItem(TOKEN_KEY); } catch { /* ignore */ }
    if (token) start(token);
    else showLogin();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
