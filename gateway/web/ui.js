// The dashboard's building blocks that know nothing of its state: Argentine formats (money
// in centavos, dates, periods), text-only DOM helpers (data never becomes markup), a form's
// typed errors next to their fields, JSON POSTs, and the settlement chart.
export const $ = (id) => document.getElementById(id);
export const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];  // websockets' reconnection delays
export const wsUrl = (path) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
const groups = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
// Integer centavos -> "$ 1.234.567,89" ("-$ 12,50" when negative).
export function money(c) {
  if (typeof c !== 'number' || !Number.isFinite(c)) return '–';
  const abs = Math.abs(Math.trunc(c));
  const text = '$ ' + groups(String(Math.floor(abs / 100))) + ',' + String(abs % 100).padStart(2, '0');
  return c < 0 ? '-' + text : text;
}
// Short money for chart axes: "$ 12,3 M".
export function moneyShort(c) {
  const p = c / 100;
  if (Math.abs(p) >= 1e9) return '$ ' + (p / 1e9).toFixed(1).replace('.', ',') + ' mil M';
  if (Math.abs(p) >= 1e6) return '$ ' + (p / 1e6).toFixed(1).replace('.', ',') + ' M';
  if (Math.abs(p) >= 1e3) return '$ ' + (p / 1e3).toFixed(1).replace('.', ',') + ' mil';
  return money(c);
}
export const count = (n) => (typeof n === 'number' ? (n < 0 ? '-' : '') + groups(String(Math.abs(Math.trunc(n)))) : '–');
// "2025-06-04" or "2025-06-04T12:55:00-03:00" (already Argentina time) -> "04/06/2025".
export function date(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '–';
}
export function dateTime(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s || '');
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}` : date(s);
}
// Milliseconds since the epoch -> Argentina (UTC-3, no daylight saving) "dd/mm/yyyy hh:mm".
export function fromMs(ms) {
  if (typeof ms !== 'number') return '–';
  const iso = new Date(ms - 3 * 3600e3).toISOString();
  return dateTime(iso);
}
export const period = (p) => (/^\d{4}-\d{2}$/.test(p || '') ? `${p.slice(5)}/${p.slice(0, 4)}` : '–');
export const dayNumber = (ymd) => Date.UTC(+ymd.slice(0, 4), +ymd.slice(5, 7) - 1, +ymd.slice(8, 10)) / 86400e3;
export const label = (map, v) => (map && map[v]) || (v ? String(v).replace(/_/g, ' ') : '–');
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
  for (const c of children) if (c != null) e.append(c);
  return e;
}
export const td = (text, cls) => el('td', cls ? { class: cls } : null, text == null ? '–' : String(text));
// A text input with its label and the span its typed error goes to (fieldErrors).
export const labelledInput = (id, text, attrs = {}) => [el('label', { for: id }, text),
  el('input', { id, autocomplete: 'off', maxlength: '200', 'aria-describedby': `${id}-error`, ...attrs }),
  el('span', { id: `${id}-error`, class: 'field-error', hidden: '' })];
export function fillTable(tbodyId, rows, cells) {
  $(tbodyId).replaceChildren(...rows.map((r) => el('tr', null, ...cells(r))));
}
export function showEmpty(id, rowsCount, loaded, emptyText) {
  const p = $(id);
  p.hidden = loaded && rowsCount > 0;
  p.textContent = loaded ? emptyText : 'Cargando…';
}
export const setText = (id, text) => { const e = $(id); if (e.textContent !== text) e.textContent = text; };
// Grouped bars per obra social: A facturar, Facturado, Debitado, Pagado. Plain SVG.
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
export function drawChart(osRows, nameOf) {
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
      bar.append(svg('title', {}, `${nameOf(os)} · ${name}: ${money(v)}`));
      parts.push(bar);
    });
    parts.push(svg('text', { x: left + g * groupW + groupW / 2, y: H - 8, class: 'axis', 'text-anchor': 'middle' }, nameOf(os)));
  });
  chart.replaceChildren(...parts);
}
// "88-T-128183733" (or a number alone) as the command's transaction.
export function transactionOf(text) {
  const m = /^(\d+)-(.*)-(\d+)$/.exec(text);
  return m ? { boca: Number(m[1]), serie: m[2], number: Number(m[3]) } : { boca: 0, serie: '', number: Number(text) };
}
// A datetime-local value read as Argentina time (UTC-3), in ms.
export function argentinaMs(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] + 3, +m[5]) : null;
}
// Pesos as people write them ("1.234,56", "1234,5", "1234") in centavos, or null.
export function centavos(text) {
  const m = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const value = Number(m[1].replace(/\./g, '')) * 100 + Number((m[2] || '0').padEnd(2, '0'));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
// A typed error next to the field it names; {} clears them. Inputs are `${form}-${field}`.
export function fieldErrors(form, errors) {
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
export async function postJson(path, body, token) {
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
// `fieldOf` maps the server's field to the form's where they differ ("billing[0].tipo").
export function showError(form, r, fallbackField, fieldOf = (f) => f) {
  const e = (r.body && r.body.error) || { message: 'No se pudo conectar con el servidor.', field: '' };
  const named = fieldOf(String(e.field || ''));
  // "fields.credential" is an input of its own; "fields.affiliate_number" the form's field.
  const field = [named, named.replace(/^fields\./, '')].find((f) => f && $(`${form}-${f}`)) || fallbackField;
  fieldErrors(form, field ? { [field]: e.message } : {});
  const msg = $(`${form}-msg`);
  msg.textContent = field ? '' : e.message;
  msg.classList.toggle('error', !field);
  if (field) $(`${form}-${field}`).focus();
}
