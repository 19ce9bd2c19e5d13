// The prestador's standing forms: loading an order, loading an invoice and submitting a
// dental budget, each a command through POST /v1/commands. They follow the configuration the
// server gives (GET /v1/meta) and the prestador's own rows (its adhesions, its settlement).
import { $, centavos, el, fieldErrors, fillTable, labelledInput, money, setText, td } from './ui.js';

// `S` is the board's state; `submitAction(form, body, done)` posts a form's command and says
// how it went. Returns `fill` (draws the forms again from the state) and `reset` (a new sign-in).
export function prestadorForms({ S, todayAR, metaLabel, submitAction }) {
  // What an order must carry besides the form's own inputs: one input each.
  const ORDER_FIELDS = new Set(['affiliate_number', 'attention_date', 'affiliate_name', 'plan']);  // the form's own inputs
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
  // The forms follow the configuration (GET /v1/meta) and the prestador's rows.
  function fillForms() {
    if (!S.meta || !S.claims || S.claims.role !== 'prestador') return;
    if (!$('order-attention_date').value) $('order-attention_date').value = todayAR();
    if (fillObrasSociales($('order-obra_social'))) fillOrderPractices();
    if (!$('issue-issued_on').value) $('issue-issued_on').value = todayAR();
    // Until chosen by hand, the period is the one the settlement shows (the latest).
    if (!$('issue-period').dataset.typed) $('issue-period').value = S.shownPeriod || todayAR().slice(0, 7);
    if (fillObrasSociales($('issue-obra_social'))) fillIssueExtra();
    if (fillObrasSociales($('budget-obra_social'))) fillBudgetPractices();
    if (!$('budget-credential_type').options.length) {  // A1: "Tipo" of the credential; none chosen: not said
      $('budget-credential_type').replaceChildren(el('option', { value: '' }, 'Sin indicar'),
        ...Object.entries(S.meta.labels.credential_type).filter(([name]) => name !== 'no_informado')
          .map(([name, text]) => el('option', { value: name }, text)));
    }
    suggestAmount();
  }
  function fillOrderPractices() {
    const os = S.meta.obrasSociales.find((o) => o.id === $('order-obra_social').value);
    $('order-practice_code').replaceChildren(...(os ? os.practices : []).map((p) => el('option', { value: p.code }, `${p.code} · ${p.name}`)));
    $('order-extra').replaceChildren(...(os ? os.required_order_fields : []).filter((f) => !ORDER_FIELDS.has(f))
      .flatMap((f) => labelledInput(`order-fields.${f}`, FIELD_LABEL[f] || f, { 'data-field': f })));
  }
  // F2: what an invoice to the chosen obra social carries: its authorization, if it asks for
  // one, and a reference to each attachment it requires.
  function fillIssueExtra() {
    const os = S.meta.obrasSociales.find((o) => o.id === $('issue-obra_social').value);
    $('issue-extra').replaceChildren(
      // IOMA's (003): the acta de autorización, "Nº trámite de acta digital xx xxx xxxxxxx xx".
      ...(os && os.invoice_requires_authorization
        ? labelledInput('issue-authorization', os.bills_actas ? 'Nº trámite de acta digital (xx xxx xxxxxxx xx)' : 'Trámite de autorización que factura',
          os.bills_actas ? { placeholder: '21 054 0731206 11', maxlength: '17' } : {})
        : []),
      ...(os ? os.invoice_attachments : []).flatMap((kind) =>
        labelledInput(`issue-attachments.${kind}`, `${metaLabel('attachment_kind', kind)}: referencia del archivo`, { 'data-kind': kind })),
      // A5: an obra social that takes the written reports with the presentation: one per session.
      ...(os && os.report_with_presentation
        ? labelledInput('issue-attachments.informe', 'Informes, uno por sesión que lo requiere: referencias separadas por comas', { maxlength: '8000' })
        : []));
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
        .map((i) => ({ kind: i.dataset.kind, reference: i.value.trim() }))
        .concat(($('issue-attachments.informe')?.value || '').split(',').map((r) => r.trim()).filter(Boolean)
          .map((reference) => ({ kind: 'informe', reference }))),
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
    fillTable('budget-line-rows', S.budgetLines, (l) => [td(l.practice_code), td(l.name), td(l.tooth || '–'), td(l.faces || '–'), td(String(l.quantity)),
      el('td', { class: 'act' }, el('button', { type: 'button', class: 'small', 'data-line': String(S.budgetLines.indexOf(l)),
        'aria-label': `Quitar ${l.practice_code}${l.tooth ? ` del diente ${l.tooth}` : ''}` }, 'Quitar'))]);
  }
  function addBudgetLines() {
    const p = budgetPractice();
    const checked = (id) => [...$(id).querySelectorAll('input:checked')].map((i) => i.value);
    const teeth = checked('budget-teeth'), faces = checked('budget-faces').join('');
    const quantity = Number($('budget-quantity').value);
    let why = '';
    if (!p) why = 'Elegí una práctica.';
    else if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) why = 'La cantidad va de 1 a 99.';
    else if (p.requires_tooth && !teeth.length) why = `La práctica ${p.code} requiere diente: no se agregó.`;
    else if (p.requires_faces && !faces) why = `La práctica ${p.code} requiere cara: no se agregó.`;
    setText('budget-picker-msg', why);
    if (why) return;
    for (const tooth of teeth.length ? teeth : [0]) S.budgetLines.push({ practice_code: p.code, name: p.name, tooth: Number(tooth), faces, quantity });
    for (const i of $('budget-form').querySelectorAll('.picker input:checked')) i.checked = false;
    $('budget-quantity').value = '1';
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
      affiliate_name: $('budget-affiliate_name').value.trim(), plan: $('budget-plan').value.trim(), titular: $('budget-titular').value.trim(),
      ...($('budget-credential_type').value ? { credential_type: $('budget-credential_type').value } : {}),
      credential: $('budget-credential').value.trim(), family_group: '', token: $('budget-token').value.trim(),
      diagnosis_code: $('budget-diagnosis_code').value.trim(), diagnosis_type: $('budget-diagnosis_type').value,
      prescriptor_matricula: $('budget-prescriptor_matricula').value.trim(), prescriptor_name: $('budget-prescriptor_name').value.trim(),
      lines: S.budgetLines.map(({ practice_code, tooth, faces, quantity }) => ({ practice_code, tooth, faces, quantity })),
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
      affiliate_name: $('order-affiliate_name').value.trim(), plan: $('order-plan').value.trim(),
      patient_signature: $('order-patient_signature').checked, professional_signature: $('order-professional_signature').checked,
      professional_stamp: $('order-professional_stamp').checked,
      fields: [...f.querySelectorAll('input[data-field]')].map((i) => ({ name: i.dataset.field, value: i.value.trim() })),
    };
    if (await submitAction('order', body, `Orden ${body.order_id} cargada: espera la revisión del colegio.`)) {
      for (const i of f.querySelectorAll('input:not([type=date])')) { if (i.type === 'checkbox') i.checked = false; else i.value = ''; }
    }
  }

  $('order-form').addEventListener('submit', (e) => { e.preventDefault(); loadOrder(); });
  $('order-obra_social').addEventListener('change', fillOrderPractices);
  $('issue-form').addEventListener('submit', (e) => { e.preventDefault(); issueInvoice(); });
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
  $('issue-obra_social').addEventListener('change', fillIssueExtra);
  $('issue-period').addEventListener('change', (e) => { e.target.dataset.typed = '1'; suggestAmount(); });
  $('issue-amount').addEventListener('input', (e) => { e.target.dataset.typed = e.target.value ? '1' : ''; });
  S.budgetLines = [];
  function reset() {
    for (const id of ['order-attention_date', 'issue-issued_on', 'issue-period']) $(id).value = '';
    delete $('issue-period').dataset.typed;
    S.budgetLines = [];
    drawBudgetLines();
  }
  return { fill: fillForms, reset };
}
