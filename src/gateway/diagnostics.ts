import type { Backend } from '../config/settings'
import { keyHint, keyId } from '../resilience/key-id'
import type { BackendHealth, FailureKind } from '../state/ports'
import type { Runtime } from './runtime'

/**
 * `GET /v1/diagnostics`: each back end's keys, circuits and recent errors, and
 * the named routes. A key shows only its hint (`…abcd`); state never held more.
 */

export interface KeyView {
  key: string
  state: 'active' | 'cooling' | 'disabled'
  /** ISO time a cooling key is usable again. */
  until?: string
  /** ISO time a disabled key was retired. */
  since?: string
  reason?: string
  /** false for a key the state knows but the settings no longer hold. */
  configured?: false
}

export interface CircuitView {
  model: string
  /** `half-open`: open, past its time, so one probe may go. */
  state: 'closed' | 'open' | 'half-open'
  /** Failures inside the window. */
  failures: number
  until?: string
  /** A probe is out. */
  probing?: true
}

export interface RecentErrorView {
  at: string
  model: string
  kind: FailureKind
  status?: number
  key?: string
  message: string
}

export interface BackendView {
  id: string
  configured: boolean
  keys: KeyView[]
  circuits: CircuitView[]
  /** Newest first. */
  recent_errors: RecentErrorView[]
}

export interface DiagnosticsView {
  backends: BackendView[]
  routes: Record<string, string[]>
}

const iso = (ms: number) => new Date(ms).toISOString()

/** One back end's view: its configured keys (by fingerprint) against its health record. */
export function backendView(id: string, backend: Backend | undefined, health: BackendHealth, windowMs: number, now: number): BackendView {
  const configured = backend?.configured === true
  const seen = new Set<string>()
  const keys: KeyView[] = []
  for (const key of configured ? backend!.keys : []) {
    const kid = keyId(key)
    if (seen.has(kid)) continue
    seen.add(kid)
    const k = health.keys[kid]
    if (!k || (k.state === 'cooling' && k.until <= now)) keys.push({ key: keyHint(key), state: 'active' })
    else if (k.state === 'cooling') keys.push({ key: keyHint(key), state: 'cooling', until: iso(k.until), reason: k.reason })
    else keys.push({ key: keyHint(key), state: 'disabled', since: iso(k.since), reason: k.reason })
  }
  // Keys the record holds that the settings no longer name (reactivating clears them).
  for (const [kid, k] of Object.entries(health.keys)) {
    if (seen.has(kid) || (k.state === 'cooling' && k.until <= now)) continue
    keys.push(
      k.state === 'cooling'
        ? { key: k.hint, state: 'cooling', until: iso(k.until), reason: k.reason, configured: false }
        : { key: k.hint, state: 'disabled', since: iso(k.since), reason: k.reason, configured: false },
    )
  }

  const circuits: CircuitView[] = []
  for (const [model, c] of Object.entries(health.circuits)) {
    const failures = c.failures.filter((t) => t > now - windowMs).length
    if (c.state === 'closed') {
      if (failures > 0) circuits.push({ model, state: 'closed', failures })
      continue
    }
    const view: CircuitView = { model, state: c.until !== undefined && c.until > now ? 'open' : 'half-open', failures }
    if (c.until !== undefined) view.until = iso(c.until)
    if (c.probing !== undefined) view.probing = true
    circuits.push(view)
  }

  const recent_errors = health.recentErrors
    .slice()
    .reverse()
    .map((e): RecentErrorView => {
      const view: RecentErrorView = { at: iso(e.at), model: e.model, kind: e.kind, message: e.message }
      if (e.status !== undefined) view.status = e.status
      if (e.key !== undefined) view.key = e.key
      return view
    })

  return { id, configured, keys, circuits, recent_errors }
}

/** Every configured back end, and every one the health state has a record of, read in parallel. */
export async function diagnostics(rt: Pick<Runtime, 'endpoints' | 'state' | 'settings'>, now = Date.now()): Promise<DiagnosticsView> {
  const configured = new Map(rt.endpoints.all().filter((b) => b.configured).map((b) => [b.id, b]))
  const listed = rt.state.health.list()
  const reads = new Map([...configured.keys()].map((id) => [id, rt.state.health.read(id)]))
  const extra = (await listed).filter((id) => !configured.has(id)).sort()
  for (const id of extra) reads.set(id, rt.state.health.read(id))
  const ids = [...configured.keys(), ...extra]
  const records = await Promise.all(ids.map((id) => reads.get(id)!))
  const windowMs = rt.settings.resilience.circuit.windowMs
  return {
    backends: ids.map((id, i) => backendView(id, configured.get(id) ?? rt.endpoints.get(id), records[i]!, windowMs, now)),
    routes: Object.fromEntries(rt.settings.routes),
  }
}

/** Whether reactivation may name this back end: configured, or known to the health state. */
export async function knownBackend(rt: Pick<Runtime, 'endpoints' | 'state'>, id: string): Promise<boolean> {
  return rt.endpoints.get(id)?.configured === true || (await rt.state.health.list()).includes(id)
}
