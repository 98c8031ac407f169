import type { CaptureView, LegView } from '../capture-view'
import { Page } from './layout'

const TITLES: Record<string, string> = {
  'client-request': 'Client request',
  'upstream-request': 'Upstream request',
  'upstream-response': 'Upstream response',
  'client-response': 'Client response',
}

/** Scalars of a meta map (headers shown apart). */
function MetaTable(props: { meta: Record<string, unknown> }) {
  const entries = Object.entries(props.meta).filter(([k]) => k !== 'headers')
  if (!entries.length) return null
  return (
    <table>
      <tbody>
        {entries.map(([k, v]) => (
          <tr>
            <th>{k}</th>
            <td>
              <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Leg(props: { leg: LegView }) {
  const l = props.leg
  const headers = l.head?.headers && typeof l.head.headers === 'object' ? (l.head.headers as Record<string, unknown>) : undefined
  return (
    <section class="leg" data-leg={l.leg}>
      <h2>
        {TITLES[l.leg] ?? l.leg}
        {l.attempt !== undefined && ` · attempt ${l.attempt}`}{' '}
        <span class="muted">
          (+{Math.round(l.from)} ms{l.to > l.from ? ` to +${Math.round(l.to)} ms` : ''})
        </span>
      </h2>
      {l.head && <MetaTable meta={l.head} />}
      {headers && (
        <>
          <h3>Headers</h3>
          <pre>{Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}\n`).join('')}</pre>
        </>
      )}
      {l.text !== undefined && (
        <>
          <h3>
            Body{l.chunks ? ` (${l.chunks} stream chunks, reassembled)` : ''} · {l.bytes} bytes
          </h3>
          <pre class="body">{l.text}</pre>
        </>
      )}
      {l.error && <p class="bad">Error: {l.error}</p>}
      {l.end && Object.keys(l.end).length > 0 && <MetaTable meta={l.end} />}
    </section>
  )
}

export function CapturePage(props: { view: CaptureView }) {
  const v = props.view
  return (
    <Page title={`Capture ${v.exchange}`} tab="capture">
      <p>
        <a href="/admin/traffic">← Traffic</a>
      </p>
      <section>
        <h2>
          Exchange <code>{v.exchange}</code>
        </h2>
        <p class="muted">Started {new Date(v.started).toISOString()}. Secrets were replaced before the capture was written.</p>
        {v.summary && <MetaTable meta={v.summary} />}
      </section>
      {v.legs.map((l) => (
        <Leg leg={l} />
      ))}
    </Page>
  )
}

export function CaptureMissing(props: { message: string }) {
  return (
    <Page title="Capture" tab="capture">
      <p>
        <a href="/admin/traffic">← Traffic</a>
      </p>
      <section>
        <h2>No capture</h2>
        <p>{props.message}</p>
      </section>
    </Page>
  )
}
