// A8/A9: the "Consumir" form under the pending items: consume an item (its consumption is a
// transaction of its own, with the number the obra social's system gave it), or anular it alone.
// What the ticket carries follows the row's obra social (GET /v1/meta): the affiliate's signature
// where it asks for it, the tipo de facturación where its items may bill solo honorarios or solo
// gastos.
import { $, argentinaMs, el, fieldErrors, transactionOf } from './ui.js';

const TIPOS = ['honorarios_y_gastos', 'solo_honorarios', 'solo_gastos'];  // the first is the default

// The server names a tipo de facturación by its place in the command's `billing`
// ("billing[1].tipo", "billing[0].item": consumption.billing_not_offered, billing_item_unknown):
// shown on the select of the item that entry lists, when the form shows it (this form consumes
// one item, `body.items[0]`); otherwise in the form's message.
const billingField = (body) => (field) => {
  const m = /^billing\[(\d+)\]\.(?:item|tipo)$/.exec(field);
  const entry = m && (body.billing || [])[Number(m[1])];
  return entry && entry.item === body.items[0] && !$('consume-billing-box').hidden ? 'billing' : field;
};

// `openAction(form, subject, what)` opens an action form; `submitAction(form, body, done, fieldOf)`
// posts its command. Returns `open(p)`, for a pending row.
export function consumeForm({ S, metaLabel, openAction, submitAction }) {
  function open(p) {
    const os = S.meta.obrasSociales.find((o) => o.id === p.os) || {};
    for (const id of ['consume-reason', 'consume-number', 'consume-clinical_summary']) $(id).value = '';
    $('consume-affiliate_signed').checked = false;
    $('consume-signature').hidden = !os.consumption_affiliate_signature;
    $('consume-billing').replaceChildren(...TIPOS.map((t) => el('option', { value: t }, metaLabel('tipo_facturacion', t))));
    $('consume-billing-box').hidden = !os.bills_fee_shares;
    openAction('consume', p, `${p.transaction} ítem ${p.item} · ${p.practice}`);
  }
  function consume() {
    const p = S.action;
    const deferred = $('consume-form').elements.when.value === 'deferred';
    const at = argentinaMs($('consume-performed_at').value);
    const number = $('consume-number').value.trim(), summary = $('consume-clinical_summary').value.trim();
    const signed = $('consume-affiliate_signed').checked;
    const tipo = $('consume-billing-box').hidden ? TIPOS[0] : $('consume-billing').value;
    const errors = {};
    // The server takes up to 20 digits, but the number travels as a JSON number, and a double
    // holds every integer of 15 digits exactly (not of 16 or more: 2^53 has 16), so the page
    // asks for at most 15.
    if (!/^(?!0+$)\d{1,15}$/.test(number)) {
      errors.number = 'Indicá el número de transacción del consumo que dio la obra social (hasta 15 dígitos, distinto de 0).';
    }
    if (deferred && at === null) errors.performed_at = 'Indicá la fecha y hora de realización.';
    if (!$('consume-signature').hidden && !signed) {
      errors.affiliate_signed = 'Indicá que el afiliado firmó el ticket: la obra social no acepta el consumo sin su firma.';
    }
    if (new TextEncoder().encode(summary).length > 2000) {
      errors.clinical_summary = 'Acortá el resumen clínico: admite hasta 2000 bytes (una letra con tilde ocupa 2).';
    }
    if (Object.keys(errors).length) return fieldErrors('consume', errors);
    const body = {
      command: 'consume_practices', provider: p.provider, transaction: transactionOf(p.transaction), items: [p.item],
      deferred, performed_at: deferred ? at : null, number: Number(number), affiliate_signed: signed, clinical_summary: summary,
      ...(tipo === TIPOS[0] ? {} : { billing: [{ item: p.item, tipo }] }),  // items not listed bill honorarios y gastos
    };
    submitAction('consume', body, `Consumido: ${p.transaction} ítem ${p.item}.`, billingField(body));
  }
  // A9: the item alone leaves the pending (the patient will not come); the rest of the transaction stands.
  function anularItem() {
    const p = S.action, reason = $('consume-reason').value.trim();
    if (!reason) return fieldErrors('consume', { reason: 'Indicá el motivo de la anulación.' });
    submitAction('consume', { command: 'cancel_transaction', provider: p.provider, transaction: transactionOf(p.transaction), item: p.item, reason },
      `Anulado: ${p.transaction} ítem ${p.item}.`);
  }

  for (const input of $('consume-form').elements.when) input.addEventListener('change', () => {
    $('consume-performed_at').disabled = $('consume-form').elements.when.value !== 'deferred';
  });
  $('consume-form').addEventListener('submit', (e) => { e.preventDefault(); consume(); });
  $('consume-anular').addEventListener('click', anularItem);
  return { open };
}
