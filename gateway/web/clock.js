// The business clock in the header: on a test clock (`serve --test-clock`, the demo) the
// instant the views are judged by, and for the colegio the form that moves it forward
// (POST /v1/clock). On the real clock nothing is shown: it is today.
import { $, fieldErrors, fromMs, postJson, setText, showError } from './ui.js';

export function clockBar({ S, onMoved }) {
  function show(clock) {
    const test = clock.mode === 'test';
    setText('clock', test ? `Reloj de prueba: ${fromMs(clock.now)}` : '');
    $('clock').hidden = !test;
    $('clock-form').hidden = !(test && S.claims && S.claims.role === 'colegio');
    $('clock-to').min = clock.today;
  }
  function hide() {
    $('clock').hidden = true;
    $('clock-form').hidden = true;
  }
  async function move(body) {
    const r = await postJson('/v1/clock', body, S.token);
    if (r.status !== 200) return showError('clock', r, 'to');
    fieldErrors('clock', {});
    setText('clock-msg', '');
    $('clock-to').value = '';
    onMoved(r.body);
  }
  $('clock-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!$('clock-to').value) return fieldErrors('clock', { to: 'Elegí la fecha.' });
    move({ to: $('clock-to').value });
  });
  $('clock-day').addEventListener('click', () => move({ advance_days: 1 }));
  return { show, hide };
}
