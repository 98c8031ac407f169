import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/config/settings'
import { emptyHealth } from '../../src/resilience/health-book'
import { keyHint, keyId } from '../../src/resilience/key-id'
import { NO_KEY, pickKey } from '../../src/resilience/key-pool'

const backend = (keys: string[], id = 'openai') => ({ id, keys }) as unknown as Backend
const KEYS = ['sk-aaaaaaaaaaaa1111', 'sk-bbbbbbbbbbbb2222', 'sk-cccccccccccc3333']
const now = 1_000_000

describe('key pools', () => {
  it('names keys by fingerprint and last 4 characters only', () => {
    expect(keyId(KEYS[0]!)).toMatch(/^k[0-9a-f]{16}$/)
    expect(keyId(KEYS[0]!)).not.toBe(keyId(KEYS[1]!))
    expect(keyHint(KEYS[0]!)).toBe('…1111')
    expect(keyHint('short')).toBe('…')
  })

  it('sticks a session to one key and spreads sessions over the keys', () => {
    const h = emptyHealth()
    const pick = (s: string) => pickKey(backend(KEYS), h, new Set(), { rotation: 'session', session: () => s, now })
    const first = pick('session-1')
    for (let i = 0; i < 5; i++) expect(pick('session-1')).toEqual(first)
    const used = new Set(Array.from({ length: 40 }, (_, i) => (pick(`s${i}`) as { key: string }).key))
    expect(used.size).toBe(3)
  })

  it('moves only the sessions of a key that becomes unusable', () => {
    const h = emptyHealth()
    const opts = (s: string) => ({ rotation: 'session' as const, session: () => s, now })
    const before = Array.from({ length: 30 }, (_, i) => (pickKey(backend(KEYS), h, new Set(), opts(`s${i}`)) as { key: string }).key)
    h.keys[keyId(KEYS[0]!)] = { state: 'cooling', until: now + 30_000, reason: 'HTTP 429', hint: '…1111' }
    const after = Array.from({ length: 30 }, (_, i) => (pickKey(backend(KEYS), h, new Set(), opts(`s${i}`)) as { key: string }).key)
    after.forEach((k, i) => {
      expect(k).not.toBe(KEYS[0])
      if (before[i] !== KEYS[0]) expect(k).toBe(before[i])
    })
  })

  it('round-robin turns through the usable keys', () => {
    const h = emptyHealth()
    const b = backend(KEYS, 'rr-test')
    const keys = Array.from({ length: 6 }, () => (pickKey(b, h, new Set(), { rotation: 'round-robin', session: () => 'x', now }) as { key: string }).key)
    expect(new Set(keys.slice(0, 3)).size).toBe(3)
    expect(keys.slice(3)).toEqual(keys.slice(0, 3))
  })

  it('skips cooling, retired and tried keys; says when the soonest cooling key is free', () => {
    const h = emptyHealth()
    h.keys[keyId(KEYS[0]!)] = { state: 'cooling', until: now + 5_000, reason: 'HTTP 429', hint: '' }
    h.keys[keyId(KEYS[1]!)] = { state: 'disabled', since: now, reason: 'HTTP 401', hint: '' }
    const o = { rotation: 'session' as const, session: () => 's', now }
    expect(pickKey(backend(KEYS), h, new Set(), o)).toMatchObject({ kind: 'key', key: KEYS[2] })
    expect(pickKey(backend(KEYS), h, new Set([keyId(KEYS[2]!)]), o)).toEqual({ kind: 'cooling', until: now + 5_000 })
    // A cooldown that has run out counts as active again.
    expect(pickKey(backend(KEYS), h, new Set([keyId(KEYS[2]!)]), { ...o, now: now + 5_001 })).toMatchObject({ kind: 'key', key: KEYS[0] })
    h.keys[keyId(KEYS[0]!)] = { state: 'disabled', since: now, reason: 'HTTP 403', hint: '' }
    expect(pickKey(backend(KEYS), h, new Set([keyId(KEYS[2]!)]), o)).toEqual({ kind: 'none' })
  })

  it('a back end without keys is one pseudo-key that can cool', () => {
    const h = emptyHealth()
    const o = { rotation: 'session' as const, session: () => 's', now }
    expect(pickKey(backend([]), h, new Set(), o)).toEqual({ kind: 'key', id: NO_KEY, hint: '' })
    h.keys[NO_KEY] = { state: 'cooling', until: now + 1000, reason: 'HTTP 429', hint: '' }
    expect(pickKey(backend([]), h, new Set(), o)).toEqual({ kind: 'cooling', until: now + 1000 })
  })
})
