import type { Backend } from '../config/settings'
import type { BackendHealth } from '../state/ports'
import { keyHint, keyId } from './key-id'

export type KeyPick =
  | { kind: 'key'; key?: string; id: string; hint: string }
  /** Every usable key is cooling; the soonest is free at `until` (ms). */
  | { kind: 'cooling'; until: number }
  /** Every key is retired, or was tried by this request already. */
  | { kind: 'none' }

/** A back end without keys (a local server) is one pseudo-key, so a 429 from it cools it the same way. */
export const NO_KEY = 'none'

const turns = new Map<string, number>()

/**
 * The key for this attempt: one that is not cooling, retired, or already tried
 * by this request.
 *
 * - `session` rotation: each session sticks to one key, sessions spread over
 *   the keys by rendezvous hashing (a key's sessions move only when it becomes
 *   unusable, so provider prompt caches, which are per key, keep working).
 * - `round-robin`: the next usable key on every request (this isolate's turn).
 */
export function pickKey(
  backend: Backend,
  health: BackendHealth,
  tried: ReadonlySet<string>,
  o: { rotation: 'session' | 'round-robin'; session: () => string; now: number },
): KeyPick {
  if (backend.keys.length === 0) {
    const c = health.keys[NO_KEY]
    if (tried.has(NO_KEY)) return { kind: 'none' }
    if (c?.state === 'cooling' && c.until > o.now) return { kind: 'cooling', until: c.until }
    return { kind: 'key', id: NO_KEY, hint: '' }
  }
  let soonest = Infinity
  const usable: Array<{ key: string; id: string }> = []
  for (const key of backend.keys) {
    const id = keyId(key)
    if (tried.has(id)) continue
    const c = health.keys[id]
    if (c?.state === 'disabled') continue
    if (c?.state === 'cooling' && c.until > o.now) {
      soonest = Math.min(soonest, c.until)
      continue
    }
    usable.push({ key, id })
  }
  if (!usable.length) return soonest < Infinity ? { kind: 'cooling', until: soonest } : { kind: 'none' }
  if (usable.length === 1) return { kind: 'key', ...usable[0]!, hint: keyHint(usable[0]!.key) }
  let chosen: { key: string; id: string }
  if (o.rotation === 'round-robin') {
    const turn = turns.get(backend.id) ?? 0
    turns.set(backend.id, turn + 1)
    chosen = usable[turn % usable.length]!
  } else {
    const session = o.session()
    let best = -1
    chosen = usable[0]!
    for (const u of usable) {
      const score = hash32(session + '\u0000' + u.id)
      if (score > best) {
        best = score
        chosen = u
      }
    }
  }
  return { kind: 'key', ...chosen, hint: keyHint(chosen.key) }
}

/** FNV-1a, 32 bits: spreads sessions, nothing more. */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
