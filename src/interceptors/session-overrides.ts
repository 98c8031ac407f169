import type { ThinkingConfig } from '../hub/request'
import { invalidRequest } from '../hub/errors'
import type { Overrides } from '../routing/selector-params'
import { routeSelector } from './commands/route-policy'
import type { Interceptor, RequestTurn, SessionData } from './types'

/**
 * Applies what the session's commands set, strongest first:
 *
 * - the model: `!/oneoff` (then cleared), else the session's `model`, else its
 *   `backend` with the client's model name, else the client's model; a name
 *   that is one of the session's failover routes becomes that route's
 *   selector. FORCE_MODEL, applied later by routing, still wins over all.
 * - `temperature`, `top-p`, `max-tokens`, `reasoning-effort`,
 *   `thinking-budget` into `turn.overrides`, which win over a selector's
 *   `?parameters` and the client's body.
 *
 * A turn the gateway answers itself (a command-only message) changes nothing:
 * a one-off waits for the next real request.
 */
export const sessionOverrides: Interceptor = {
  name: 'session-overrides',
  does: 'applies !/oneoff, !/model, !/backend, session routes and !/set values to the request',
  request(turn) {
    if (turn.replied !== undefined) return
    const d = turn.session.data
    if (!d.oneoff && !d.settings && !d.routes) return
    applyModel(turn, d)
    const o = overridesOf(d.settings)
    if (o) Object.assign(turn.overrides, o)
  },
}

function applyModel(turn: RequestTurn, d: SessionData): void {
  const s = d.settings
  let selector: string | undefined
  let via: 'oneoff' | 'session' = 'session'
  if (d.oneoff) {
    selector = d.oneoff
    via = 'oneoff'
    delete d.oneoff
    turn.session.touch()
  } else if (typeof s?.model === 'string' && s.model) selector = s.model
  else if (typeof s?.backend === 'string' && s.backend) selector = `${s.backend}:${withoutBackend(turn, turn.model)}`
  const named = selector ?? turn.model
  const route = d.routes?.[named]
  if (route) {
    selector = routeSelector(route)
    if (selector === undefined)
      throw invalidRequest(`model "${named}" is a failover route of this session with no elements yet: add some with route-append, or use another model.`, 'model')
  }
  if (selector === undefined) return
  turn.model = selector
  turn.modelVia = via
}

/** The client's model without a `backend:` prefix that names a known back end (`llama3:8b` stays whole). */
function withoutBackend(turn: RequestTurn, model: string): string {
  const colon = model.indexOf(':')
  return colon > 0 && turn.rt.endpoints.get(model.slice(0, colon)) ? model.slice(colon + 1) : model
}

/** The session's request parameters as overrides, or undefined when it sets none. */
export function overridesOf(s: SessionData['settings']): Overrides | undefined {
  if (!s) return undefined
  const o: Overrides = {}
  if (typeof s.temperature === 'number') o.temperature = s.temperature
  if (typeof s['top-p'] === 'number') o.topP = s['top-p']
  if (typeof s['max-tokens'] === 'number') o.maxTokens = s['max-tokens']
  const effort = s['reasoning-effort']
  const budget = s['thinking-budget']
  if (effort === 'none') o.thinking = { enabled: false }
  else if (typeof effort === 'string' || typeof budget === 'number') {
    const t: ThinkingConfig = { enabled: true }
    if (typeof effort === 'string') t.effort = effort as ThinkingConfig['effort']
    if (typeof budget === 'number') t.budgetTokens = budget
    o.thinking = t
  }
  return Object.keys(o).length ? o : undefined
}
