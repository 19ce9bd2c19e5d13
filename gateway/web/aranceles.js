// A8: the aranceles agreed with each obra social as its portal shows them (seed 001: "las
// últimas dos actualizaciones de aranceles convenidos"): the version in force, the one before
// it and any announced, each practice's fee before the category's increment (GET /v1/meta).
import { $, date, el, fillTable, money, td } from './ui.js';

export function arancelesBoard({ S }) {
  function draw() {
    if (!S.meta || !S.claims) return;
    const select = $('aranceles-obra_social');
    // An obra social sees its own; the colegio and a prestador every one.
    const choices = S.meta.obrasSociales.filter((o) => S.claims.role !== 'obra_social' || o.id === S.claims.subject);
    if (select.dataset.ids !== choices.map((o) => o.id).join(',')) {
      const keep = select.value;
      select.replaceChildren(...choices.map((o) => el('option', { value: o.id }, o.name)));
      select.dataset.ids = choices.map((o) => o.id).join(',');
      if (choices.some((o) => o.id === keep)) select.value = keep;
    }
    const os = choices.find((o) => o.id === select.value);
    const versions = os ? os.aranceles : [];
    $('aranceles-head').replaceChildren(el('th', { scope: 'col' }, 'Código'), el('th', { scope: 'col' }, 'Práctica'),
      ...versions.map((v) => el('th', { scope: 'col', class: 'num' }, v.effective_from ? `${v.version} (desde ${date(v.effective_from)})` : v.version)));
    fillTable('aranceles-rows', os ? os.practices : [], (p) => [td(p.code), td(p.name), ...versions.map((v) => td(money(v.fees[p.code]), 'num'))]);
  }
  $('aranceles-obra_social').addEventListener('change', draw);
  return { fill: draw };
}
