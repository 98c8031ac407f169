import { own, setOwn } from '../hub/own'
import type { BackendHealth, CircuitCondition, CircuitPolicy, FailureKind, HealthReport } from '../state/ports'

/**
 * The rules of one back end's health record, as pure functions over plain
 * data: the memory store and the Durable Object host the same record and
 * apply the same rules, so they cannot drift apart.
 */

export const RECENT_ERRORS = 20

/** A model's circuit: an own property only (a model may be called `__proto__`). */
export function circuitOf(h: BackendHealth, model: string): CircuitCondition | undefined {
  return own(h.circuits, model)
}


export const emptyHealth = (): BackendHealth => ({ keys: {}, circuits: {}, recentErrors: [] })

/** The failures that count against a back end and model's circuit (not a key's quota or the client's prompt). */
const CIRCUIT_FAILURES: ReadonlySet<FailureKind> = new Set(['server', 'timeout', 'network', 'cut'])

/** Drops what has run out: cooled keys, failures older than the window. Mutates and returns `h`. */
export function prune(h: BackendHealth, now: number, policy?: CircuitPolicy): BackendHealth {
  for (const [id, k] of Object.entries(h.keys)) if (k.state === 'cooling' && k.until <= now) delete h.keys[id]
  if (policy)
    for (const [model, c] of Object.entries(h.circuits)) {
      c.failures = c.failures.filter((t) => t > now - policy.windowMs)
      if (c.state === 'closed' && c.failures.length === 0) delete h.circuits[model]
    }
  return h
}

export function applyReports(h: BackendHealth, reports: HealthReport[], policy: CircuitPolicy, now: number): BackendHealth {
  prune(h, now, policy)
  for (const r of reports) {
    switch (r.type) {
      case 'cool': {
        const k = h.keys[r.keyId]
        // A retired key stays retired; a longer cooldown is not shortened.
        if (k?.state === 'disabled' || (k?.state === 'cooling' && k.until >= r.until)) break
        h.keys[r.keyId] = { state: 'cooling', until: r.until, reason: r.reason, hint: r.hint }
        break
      }
      case 'retire':
        if (h.keys[r.keyId]?.state !== 'disabled') h.keys[r.keyId] = { state: 'disabled', since: now, reason: r.reason, hint: r.hint }
        break
      case 'success':
        // A success closes the circuit (the probe's, or any request's that got through).
        if (circuitOf(h, r.model)) delete h.circuits[r.model]
        break
      case 'failure': {
        h.recentErrors.push({ at: now, model: r.model, kind: r.kind, status: r.status, key: r.hint, message: r.message.slice(0, 300) })
        if (h.recentErrors.length > RECENT_ERRORS) h.recentErrors.splice(0, h.recentErrors.length - RECENT_ERRORS)
        if (!CIRCUIT_FAILURES.has(r.kind)) break
        let c = circuitOf(h, r.model)
        if (!c) setOwn(h.circuits, r.model, (c = { state: 'closed', failures: [] }))
        c.failures.push(now)
        // A failed probe, or enough failures in the window: open (again) for openMs.
        if (c.probing !== undefined || c.failures.length >= policy.failures) {
          c.state = 'open'
          c.until = now + policy.openMs
          delete c.probing
        }
        break
      }
    }
  }
  return h
}

/** A probe out longer than this is taken as lost (its request died without reporting). */
export const PROBE_LEASE_MS = 60_000

/** Whether a request may try this model now: closed, or open past its time with no probe out (then it takes the probe). */
export function circuitAllows(h: BackendHealth, model: string, now: number): 'yes' | 'probe' | 'no' {
  const c = circuitOf(h, model)
  if (!c || c.state === 'closed') return 'yes'
  if (c.until !== undefined && c.until > now) return 'no'
  if (c.probing !== undefined && c.probing > now - PROBE_LEASE_MS) return 'no'
  return 'probe'
}

/** Takes the probe of an open circuit past its time; true for exactly one caller. */
export function claimProbe(h: BackendHealth, model: string, now: number): boolean {
  if (circuitAllows(h, model, now) !== 'probe') return circuitAllows(h, model, now) === 'yes'
  circuitOf(h, model)!.probing = now
  return true
}

export function reactivate(h: BackendHealth): number {
  const n = Object.keys(h.keys).length
  h.keys = {}
  return n
}
