import type { Backend } from '../config/settings'
import { diagnostics, type BackendView } from '../gateway/diagnostics'
import type { Runtime } from '../gateway/runtime'

/** One endpoint row: where it comes from, what it speaks, and its health from the diagnostics view. */
export interface EndpointRow {
  id: string
  provider: string
  protocol: string
  url: string
  source: string
  models: number
  hasKey: boolean
  health: BackendView | undefined
}

/** A session seen in the traffic feed, with what the session store holds for it. */
export interface SessionRow {
  id: string
  client: string
  lastSeen: number
  requests: number
  /** `!/set(…)` values, `!/oneoff`, session routes: undefined when the session has none stored (or expired). */
  settings?: Record<string, string | number | boolean>
  oneoff?: string
  routes?: string[]
}

export interface Overview {
  endpoints: EndpointRow[]
  /** Back ends diagnostics knows that are no endpoint now (removed, or state from an earlier setting). */
  orphans: BackendView[]
  /** Catalogue providers with no key or URL (not shown as rows). */
  unconfigured: number
  sessions: SessionRow[]
  routes: Record<string, string[]>
}

const MAX_SESSIONS = 50

/**
 * What the overview shows, gathered from what the gateway already has: the endpoint table (every source),
 * the diagnostics view (keys masked, circuits, recent errors) and the sessions of the traffic feed. The
 * session store cannot list its sessions (a Durable Object each on Workers), so the page shows the sessions
 * this process (isolate) served recently, each read from the store with its owner.
 */
export async function overview(rt: Runtime): Promise<Overview> {
  const diag = await diagnostics(rt)
  const byId = new Map(diag.backends.map((b) => [b.id, b]))
  const all = rt.endpoints.all()
  const shown = all.filter((b) => b.configured || b.source === 'registry')
  const endpoints = shown.map((b: Backend): EndpointRow => ({
    id: b.id,
    provider: b.provider,
    protocol: b.protocol,
    url: b.baseUrl,
    source: b.source,
    models: b.models.length,
    hasKey: b.keys.length > 0,
    health: byId.get(b.id),
  }))
  const ids = new Set(shown.map((b) => b.id))
  return {
    endpoints,
    orphans: diag.backends.filter((b) => !ids.has(b.id)),
    unconfigured: all.length - shown.length,
    sessions: await sessions(rt),
    routes: diag.routes,
  }
}

async function sessions(rt: Runtime): Promise<SessionRow[]> {
  const seen = new Map<string, SessionRow>()
  const rows = rt.feed.latest()
  for (let i = rows.length - 1; i >= 0 && seen.size < MAX_SESSIONS; i--) {
    const r = rows[i]!
    if (!r.session) continue
    const k = `${r.client}\u0000${r.session}`
    const s = seen.get(k)
    if (s) s.requests++
    else seen.set(k, { id: r.session, client: r.client, lastSeen: r.at, requests: 1 })
  }
  const list = [...seen.values()]
  await Promise.all(
    list.map(async (s) => {
      const record = await rt.state.sessions.get(s.id, s.client).catch(() => null)
      const data = record?.data as { settings?: SessionRow['settings']; oneoff?: string; routes?: Record<string, unknown> } | undefined
      if (data?.settings && Object.keys(data.settings).length) s.settings = data.settings
      if (typeof data?.oneoff === 'string') s.oneoff = data.oneoff
      if (data?.routes && Object.keys(data.routes).length) s.routes = Object.keys(data.routes)
    }),
  )
  return list
}

/** A back end's health in one word, for the endpoints table. */
export function healthWord(h: BackendView | undefined): { word: string; tone: 'ok' | 'warn' | 'bad' } {
  if (!h) return { word: 'no record', tone: 'ok' }
  const active = h.keys.filter((k) => k.state === 'active' && k.configured !== false).length
  const retired = h.keys.filter((k) => k.state === 'disabled').length
  const open = h.circuits.filter((c) => c.state !== 'closed').length
  if (h.keys.length && active === 0) return { word: 'no usable key', tone: 'bad' }
  if (open) return { word: `${open} circuit${open > 1 ? 's' : ''} open`, tone: 'warn' }
  if (retired) return { word: `${retired} key${retired > 1 ? 's' : ''} retired`, tone: 'warn' }
  if (h.keys.some((k) => k.state === 'cooling')) return { word: 'cooling', tone: 'warn' }
  return { word: 'healthy', tone: 'ok' }
}
