// The colegio's month: its state, what is left per obra social, its close and its reports
// (GET /v1/months, GET /v1/months/YYYY-MM, POST /v1/months/YYYY-MM/close).
import { $, count, el, fillTable, money, td } from './ui.js';

// `api(method, path)` answers {status, body} (null once the token is refused); `download(url,
// name)` saves a report.
export function monthBoard({ api, download }) {
  const MONTH_STATE = { open: 'Abierto: el mes no terminó o todavía puede recibir eventos', closable: 'Listo para cerrar', closed: 'Cerrado' };
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
  $('month-select').addEventListener('change', showMonth);
  $('month-refresh').addEventListener('click', loadMonths);
  $('month-close').addEventListener('click', closeMonth);
  return { load: loadMonths };
}
