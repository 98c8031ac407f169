import type { FoundCapture } from '../../capture/reader'
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

/** Where the exchange is kept, and its download (a capture file `npm run capture` reads). */
function Kept(props: { found: Pick<FoundCapture, 'source' | 'runtime'>; download: string }) {
  const { source, runtime } = props.found
  return (
    <p id="capture-source">
      <a href={props.download} download>
        Download this exchange
      </a>{' '}
      (a capture file: <code>npm run capture -- show ID --dir FILE</code>).{' '}
      {source === undefined ? (
        <span class="muted">Not in the bucket yet: it waits in this Worker's batch (CAPTURE_FLUSH_MS).</span>
      ) : (
        <>
          Kept, with the exchanges written with it, in {runtime === 'workers' ? 'the R2 object' : 'the file'} <code data-source={source}>{source}</code>
          {runtime === 'workers' && (
            <span class="muted">
              {' '}
              (<code>wrangler r2 object get BUCKET/{source}</code>)
            </span>
          )}
          .
        </>
      )}
    </p>
  )
}

export function CapturePage(props: { view: CaptureView; found: Pick<FoundCapture, 'source' | 'runtime'>; download: string }) {
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
        <Kept found={props.found} download={props.download} />
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
