import { describe, expect, it } from 'vitest'
import { backendView, diagnostics } from '../../src/gateway/diagnostics'
import { emptyHealth } from '../../src/resilience/health-book'
import { keyId } from '../../src/resilience/key-id'
import type { Backend } from '../../src/config/settings'
import type { BackendHealth, HealthState } from '../../src/state/ports'

/** The view of one back end's health record, at a fixed time. */
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)
const WINDOW = 30_000
const backend = (keys: string[], configured = true) => ({ id: 'b', keys, configured }) as unknown as Backend
const iso = (ms: number) => new Date(ms).toISOString()

describe('backendView', () => {
  it('an open circuit past its time is half-open; failures count only inside the window; a probe out shows', () => {
    const h: BackendHealth = {
      keys: {},
      circuits: {
        open: { state: 'open', failures: [NOW - 1000, NOW - 2000, NOW - 3000], until: NOW + 10_000 },
        due: { state: 'open', failures: [NOW - 40_000, NOW - 5_000], until: NOW - 1 },
        probed: { state: 'open', failures: [NOW - 5_000], until: NOW - 1000, probing: NOW - 500 },
        old: { state: 'closed', failures: [NOW - 31_000] },
        recent: { state: 'closed', failures: [NOW - 100, NOW - 200] },
      },
      recentErrors: [],
    }
    expect(backendView('b', backend([]), h, WINDOW, NOW).circuits).toEqual([
      { model: 'open', state: 'open', failures: 3, until: iso(NOW + 10_000) },
      { model: 'due', state: 'half-open', failures: 1, until: iso(NOW - 1) },
      { model: 'probed', state: 'half-open', failures: 1, until: iso(NOW - 1000), probing: true },
      { model: 'recent', state: 'closed', failures: 2 },
    ])
  })

  it('keys: matched by fingerprint, a cooldown that ran out is active, keys the settings no longer hold are flagged', () => {
    const [a, b, c] = ['sk-proj-aaaaaaaaaaaa1111', 'sk-proj-bbbbbbbbbbbb2222', 'short']
    const h: BackendHealth = {
      keys: {
        [keyId(a)]: { state: 'cooling', until: NOW - 1, reason: '429', hint: '…1111' },
        [keyId(b)]: { state: 'cooling', until: NOW + 5000, reason: '429 retry-after 5', hint: '…2222' },
        [keyId('sk-gone-cccccccccccc3333')]: { state: 'disabled', since: NOW - 60_000, reason: '401', hint: '…3333' },
      },
      circuits: {},
      recentErrors: [],
    }
    // A key listed twice shows once; a short key shows nothing of itself.
    expect(backendView('b', backend([a, b, b, c]), h, WINDOW, NOW).keys).toEqual([
      { key: '…1111', state: 'active' },
      { key: '…2222', state: 'cooling', until: iso(NOW + 5000), reason: '429 retry-after 5' },
      { key: '…', state: 'active' },
      { key: '…3333', state: 'disabled', since: iso(NOW - 60_000), reason: '401', configured: false },
    ])
  })

  it('an unconfigured back end shows only what its record holds; recent errors newest first', () => {
    const h: BackendHealth = {
      keys: { [keyId('sk-whatever-key-9999')]: { state: 'disabled', since: NOW, reason: '403', hint: '…9999' } },
      circuits: {},
      recentErrors: [
        { at: NOW - 2000, model: 'm', kind: 'network', message: 'connection reset' },
        { at: NOW - 1000, model: 'm', kind: 'rate_limited', status: 429, key: '…9999', message: 'slow down' },
      ],
    }
    const view = backendView('b', backend(['sk-whatever-key-9999'], false), h, WINDOW, NOW)
    expect(view.configured).toBe(false)
    expect(view.keys).toEqual([{ key: '…9999', state: 'disabled', since: iso(NOW), reason: '403', configured: false }])
    expect(view.recent_errors).toEqual([
      { at: iso(NOW - 1000), model: 'm', kind: 'rate_limited', status: 429, key: '…9999', message: 'slow down' },
      { at: iso(NOW - 2000), model: 'm', kind: 'network', message: 'connection reset' },
    ])
  })
})

describe('diagnostics', () => {
  it('reads every back end’s record at once, not one after another', async () => {
    const pending: Array<() => void> = []
    const health = {
      list: async () => ['b2', 'gone'],
      read: (id: string) => new Promise<BackendHealth>((resolve) => pending.push(() => resolve(emptyHealth()))),
    } as unknown as HealthState
    const rt = {
      endpoints: { all: () => [backend(['sk-one-key-00001111']), { ...backend([]), id: 'off', configured: false }, { ...backend(['sk-two-key-00002222']), id: 'b2' }], get: () => undefined },
      state: { health },
      settings: { routes: new Map([['r', ['b:m']]]), resilience: { circuit: { windowMs: WINDOW } } },
    } as any
    const view = diagnostics(rt, NOW)
    // Let the list settle: every read must be out before any of them answers.
    for (let i = 0; i < 5 && pending.length < 3; i++) await Promise.resolve()
    expect(pending.length).toBe(3)
    for (const done of pending) done()
    const v = await view
    expect(v.backends.map((b) => [b.id, b.configured])).toEqual([['b', true], ['b2', true], ['gone', false]])
    expect(v.routes).toEqual({ r: ['b:m'] })
  })
})
