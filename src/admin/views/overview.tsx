import type { BackendView } from '../../gateway/diagnostics'
import { healthWord, type Overview } from '../overview-data'
import { Flash, Page } from './layout'

const time = (ms: number | string) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')

function KeysTable(props: { b: BackendView }) {
  const { b } = props
  const retired = b.keys.some((k) => k.state !== 'active')
  return (
    <div id={`backend-${b.id}`}>
      <h3>
        {b.id} {!b.configured && <span class="muted">(not configured now)</span>}
      </h3>
      {b.keys.length === 0 ? (
        <p class="muted">No keys.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Key</th>
              <th>State</th>
              <th>Since / until</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {b.keys.map((k) => (
              <tr data-key-state={k.state}>
                <td>
                  <code>{k.key}</code>
                  {k.configured === false && <span class="muted"> (not in the settings)</span>}
                </td>
                <td>
                  <span class={`pill ${k.state === 'active' ? 'ok' : k.state === 'cooling' ? 'warn' : 'bad'}`}>{k.state}</span>
                </td>
                <td>{k.since ? `since ${time(k.since)}` : k.until ? `until ${time(k.until)}` : ''}</td>
                <td>{k.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {retired && (
        <form method="post" action={`/admin/backends/${encodeURIComponent(b.id)}/reactivate`}>
          <button type="submit" name="reactivate" value={b.id}>
            Reactivate {b.id}'s keys
          </button>
        </form>
      )}
      {b.circuits.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Circuit (model)</th>
              <th>State</th>
              <th class="num">Failures in window</th>
              <th>Until</th>
            </tr>
          </thead>
          <tbody>
            {b.circuits.map((c) => (
              <tr>
                <td>{c.model}</td>
                <td>
                  <span class={`pill ${c.state === 'closed' ? 'ok' : 'warn'}`}>{c.state}</span>
                  {c.probing && ' (probe out)'}
                </td>
                <td class="num">{c.failures}</td>
                <td>{c.until ? time(c.until) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {b.recent_errors.length > 0 && (
        <details>
          <summary>{b.recent_errors.length} recent errors</summary>
          <table>
            <tbody>
              {b.recent_errors.slice(0, 20).map((e) => (
                <tr>
                  <td>{time(e.at)}</td>
                  <td>{e.model}</td>
                  <td>
                    {e.kind}
                    {e.status !== undefined && ` ${e.status}`}
                  </td>
                  <td>{e.key ? <code>{e.key}</code> : ''}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  )
}

export function OverviewPage(props: { data: Overview; flash?: string; error?: string; form?: Record<string, string> }) {
  const { data } = props
  const form = props.form ?? {}
  const backends = [...data.endpoints.flatMap((e) => (e.health ? [e.health] : [])), ...data.orphans]
  return (
    <Page title="Overview" tab="overview">
      <Flash message={props.flash} />
      <Flash message={props.error} error />
      <section>
        <h2>Endpoints</h2>
        <table id="endpoints">
          <thead>
            <tr>
              <th>Id</th>
              <th>Source</th>
              <th>Provider</th>
              <th>Protocol</th>
              <th>URL</th>
              <th class="num">Models</th>
              <th>Health</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {data.endpoints.map((e) => {
              const h = healthWord(e.health)
              return (
                <tr data-endpoint={e.id}>
                  <td>
                    <a href={`#backend-${e.id}`}>{e.id}</a>
                  </td>
                  <td>
                    <span class="pill">{e.source}</span>
                  </td>
                  <td>{e.provider}</td>
                  <td>{e.protocol}</td>
                  <td>
                    <code>{e.url}</code>
                  </td>
                  <td class="num">{e.models}</td>
                  <td class={h.tone}>{h.word}</td>
                  <td>
                    {e.source === 'registry' && (
                      <form method="post" action={`/admin/endpoints/${encodeURIComponent(e.id)}/delete`} class="inline">
                        <button type="submit">Remove</button>
                      </form>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <p class="muted">
          {data.unconfigured} catalogue providers have no key or URL set and are not listed. Registry endpoints can be removed here;
          others come from the config file, the environment or discovery.
        </p>
        <h3>Add a registry endpoint</h3>
        <form method="post" action="/admin/endpoints" id="add-endpoint">
          <input name="id" placeholder="id (e.g. box)" required value={form.id ?? ''} />{' '}
          <input name="url" placeholder="base URL (https://host/v1)" required size={32} value={form.url ?? ''} />{' '}
          <input name="provider" placeholder="provider (openai-compatible)" value={form.provider ?? ''} />{' '}
          <input name="key" type="password" placeholder="key (optional)" autocomplete="off" />{' '}
          <input name="models" placeholder="models, comma-separated" size={24} value={form.models ?? ''} />{' '}
          <button type="submit" class="primary">
            Add
          </button>
        </form>
      </section>
      <section>
        <h2>Keys and circuit breakers</h2>
        {backends.length === 0 ? <p class="muted">No back end is configured.</p> : backends.map((b) => <KeysTable b={b} />)}
      </section>
      <div class="grid">
        <section>
          <h2>Sessions</h2>
          <p class="muted">
            Sessions this {`process's`} recent traffic belongs to, newest first, with the overrides their store holds (the session store is
            not listed as a whole: on Workers each session is its own Durable Object).
          </p>
          {data.sessions.length === 0 ? (
            <p class="muted">No session seen yet.</p>
          ) : (
            <table id="sessions">
              <thead>
                <tr>
                  <th>Session</th>
                  <th>Client</th>
                  <th>Last seen</th>
                  <th class="num">Requests</th>
                  <th>Overrides</th>
                </tr>
              </thead>
              <tbody>
                {data.sessions.map((s) => (
                  <tr>
                    <td>
                      <code>{s.id}</code>
                    </td>
                    <td>{s.client}</td>
                    <td>{time(s.lastSeen)}</td>
                    <td class="num">{s.requests}</td>
                    <td>
                      {s.settings &&
                        Object.entries(s.settings).map(([k, v]) => (
                          <span class="pill">
                            {k}={String(v)}
                          </span>
                        ))}
                      {s.oneoff && <span class="pill">oneoff={s.oneoff}</span>}
                      {s.routes && <span class="pill">routes: {s.routes.join(', ')}</span>}
                      {!s.settings && !s.oneoff && !s.routes && <span class="muted">none</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section>
          <h2>Named routes</h2>
          {Object.keys(data.routes).length === 0 ? (
            <p class="muted">No ROUTES are set.</p>
          ) : (
            <table>
              <tbody>
                {Object.entries(data.routes).map(([name, steps]) => (
                  <tr>
                    <td>
                      <code>{name}</code>
                    </td>
                    <td>{steps.join(' → ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </Page>
  )
}
