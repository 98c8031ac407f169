import type { SessionData } from '../types'

export type RoutePolicy = 'k' | 'm' | 'km' | 'mk'
export type SessionRoute = NonNullable<SessionData['routes']>[string]

/**
 * What each policy of a session's failover route means, given this gateway's
 * attempt loop (src/gateway/attempt-loop.ts): within one entry of a selector it
 * tries the entry's other keys after a 429 or a refused key (401/402/403), and
 * moves to the next entry after a 5xx, a timeout, a connection failure or a
 * context-length refusal. A selector met twice is tried once.
 *
 * - `k`  (keys): the first element only, with every key of its back end. Exact.
 * - `km` (keys, then models; the default): each element in turn, each with all
 *   of its keys. Exact: it is what `a|b|c` does.
 * - `m`  (models): each element in turn, one key each. Approximate: served as
 *   `a|b|c`, so a 429 or a refused key still tries that element's next key
 *   before the next element (the attempt loop has no one-key-per-entry mode).
 * - `mk` (models, then keys): each element's first key, then the next keys.
 *   Approximate: served as `a|b|c` like `km` (the attempt loop cannot come back
 *   to an element it left).
 */
export const POLICIES: Record<RoutePolicy, { means: string; exact: boolean }> = {
  k: { means: 'the first element only, with all its keys', exact: true },
  km: { means: 'each element in turn, each with all its keys', exact: true },
  m: { means: 'each element in turn, one key each (approximate: served as km; a 429 or refused key still tries the element’s next key)', exact: false },
  mk: { means: 'each element’s first key, then their next keys (approximate: served as km; the gateway does not come back to an element)', exact: false },
}

export const DEFAULT_POLICY: RoutePolicy = 'km'

export function isPolicy(v: string): v is RoutePolicy {
  return Object.hasOwn(POLICIES, v)
}

/** The selector a session route stands for (`a|b|c`, or `a` for policy k); undefined for a route with no elements. */
export function routeSelector(route: SessionRoute): string | undefined {
  if (!route.elements.length) return undefined
  return route.policy === 'k' ? route.elements[0] : route.elements.join('|')
}
