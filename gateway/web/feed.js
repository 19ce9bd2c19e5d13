// The live event feed: one websocket per topic (/v1/topics/<topic>), resumed where the tab
// left it (next offsets per partition in sessionStorage), reconnecting with backoff.
import { BACKOFF_MS, wsUrl } from './ui.js';

const FEED_KEY = 'liquida.feed.';  // + topic: next offset per partition, to resume the feed

// `board`: token() for the auth message, event(e) for each new event, changed() when the
// stream's state changes, unauthorized() when the server refuses the token.
export class Feed {
  constructor(topic, board) {
    this.topic = topic;
    this.board = board;
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
    ws.onopen = () => ws.send(JSON.stringify({ auth: this.board.token() }));
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      if (m.type === 'authenticated') { this.attempt = 0; this.board.changed(); return; }
      if (m.type === 'error') { this.error = m.code; return; }
      if (m.type !== 'event') return;
      if (m.offset < (this.next[m.partition] || 0)) return;
      this.next[m.partition] = m.offset + 1;
      const p = m.payload || {};
      this.board.event({
        topic: m.topic, kind: String(m.kind || 'evento'), at: m.occurred_at, provider: m.provider_id,
        os: typeof p.obra_social === 'string' ? p.obra_social : '', amount: typeof p.amount === 'number' ? p.amount : null,
      });
      if (!this.saveTimer) this.saveTimer = setTimeout(() => { this.saveTimer = 0; saveFeedOffsets(this.topic, this.next); }, 2000);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (e.code === 4401) return this.board.unauthorized();
      if (e.code === 4403) { this.stopped = true; this.board.changed(); return; }
      // 1013: the server has too many streams open; come back much later.
      const delay = e.code === 1013 ? 60000 : BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt++;
      this.timer = setTimeout(() => this.connect(), delay * (0.8 + Math.random() * 0.4));
      this.board.changed();
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
