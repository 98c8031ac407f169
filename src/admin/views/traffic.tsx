import { raw } from 'hono/html'
import type { TrafficRow } from '../../observe/exchange-feed'
import { Page } from './layout'

/** The capture page of a row (its ref in the query: the capture reader needs the start time and session). */
export function captureHref(r: Pick<TrafficRow, 'id' | 'at' | 'session'>): string {
  const q = new URLSearchParams({ at: String(r.at) })
  if (r.session) q.set('session', r.session)
  return `/admin/capture/${encodeURIComponent(r.id)}?${q}`
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23)
const statusTone = (s: number) => (s >= 500 ? 'bad' : s >= 400 ? 'warn' : 'ok')

export function TrafficRowView(props: { r: TrafficRow }) {
  const { r } = props
  return (
    <tr data-id={r.id}>
      <td title={new Date(r.at).toISOString()}>{time(r.at)}</td>
      <td>{r.client}</td>
      <td>
        <code>{r.session ?? ''}</code>
      </td>
      <td>
        {r.frontEnd} → {r.backend}:{r.model}
        {r.stream ? ' (stream)' : ''}
      </td>
      <td class={statusTone(r.status)}>{r.status}</td>
      <td class="num">
        {r.totalMs} ms{r.ttfbMs !== undefined ? ` (first byte ${r.ttfbMs} ms)` : ''}
      </td>
      <td class="num">
        {r.inputTokens} / {r.outputTokens}
      </td>
      <td>{r.captured ? <a href={captureHref(r)}>capture</a> : <span class="muted">—</span>}</td>
    </tr>
  )
}

/**
 * The live tail: an EventSource on /admin/events (the login cookie goes with it), each `row` event a new
 * table row built with textContent (nothing from the row is parsed as HTML).
 */
const TAIL_SCRIPT = `
(() => {
  const body = document.getElementById('traffic-rows');
  const state = document.getElementById('tail-state');
  const empty = document.getElementById('traffic-empty');
  const time = (ms) => new Date(ms).toISOString().slice(11, 23);
  const cell = (tr, text, cls) => { const td = tr.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; };
  const tone = (s) => (s >= 500 ? 'bad' : s >= 400 ? 'warn' : 'ok');
  const es = new EventSource('/admin/events');
  es.onopen = () => { state.textContent = 'live'; state.className = 'pill ok'; };
  es.onerror = () => { state.textContent = 'reconnecting…'; state.className = 'pill warn'; };
  es.addEventListener('row', (e) => {
    const r = JSON.parse(e.data);
    if (empty) empty.remove();
    const tr = document.createElement('tr');
    tr.className = 'new';
    tr.dataset.id = r.id;
    cell(tr, time(r.at)).title = new Date(r.at).toISOString();
    cell(tr, r.client);
    const code = document.createElement('code');
    code.textContent = r.session || '';
    tr.insertCell().append(code);
    cell(tr, r.frontEnd + ' → ' + r.backend + ':' + r.model + (r.stream ? ' (stream)' : ''));
    cell(tr, String(r.status), tone(r.status));
    cell(tr, r.totalMs + ' ms' + (r.ttfbMs !== undefined ? ' (first byte ' + r.ttfbMs + ' ms)' : ''), 'num');
    cell(tr, r.inputTokens + ' / ' + r.outputTokens, 'num');
    const last = tr.insertCell();
    if (r.capture) { const a = document.createElement('a'); a.href = r.capture; a.textContent = 'capture'; last.append(a); }
    else { last.textContent = '—'; last.className = 'muted'; }
    body.prepend(tr);
    while (body.rows.length > 200) body.deleteRow(-1);
  });
})();
`

export function TrafficPage(props: { rows: TrafficRow[]; capture: boolean }) {
  const rows = props.rows.slice().reverse()
  return (
    <Page title="Traffic" tab="traffic">
      <section>
        <h2>
          Latest requests <span id="tail-state" class="pill warn">connecting…</span>
        </h2>
        <p class="muted">
          Newest first; new requests appear as they finish (live tail, server-sent events). This process's latest exchanges (on Workers, this
          isolate's).{' '}
          {props.capture ? 'Captured exchanges link to their capture.' : 'Capture is off: turn it on (CAPTURE) to see exchanges in full.'}
        </p>
        <table>
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Client</th>
              <th>Session</th>
              <th>Route</th>
              <th>Status</th>
              <th class="num">Latency</th>
              <th class="num">Tokens in / out</th>
              <th>Capture</th>
            </tr>
          </thead>
          <tbody id="traffic-rows">
            {rows.length === 0 && (
              <tr id="traffic-empty">
                <td colspan={8} class="muted">
                  No request yet.
                </td>
              </tr>
            )}
            {rows.map((r) => (
              <TrafficRowView r={r} />
            ))}
          </tbody>
        </table>
      </section>
      <script>{raw(TAIL_SCRIPT)}</script>
    </Page>
  )
}
