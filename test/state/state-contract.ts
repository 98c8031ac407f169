import { describe, expect, it } from 'vitest'
import { sumUsage } from '../../src/resilience/usage-totals'
import type { CircuitPolicy, GatewayState, UsageQuery, UsageRecord } from '../../src/state/ports'

/**
 * One behaviour for every implementation of the state ports: memory, files
 * (STATE_DIR) and the Durable Objects inside workerd each run this suite.
 * Names are unique per run, so implementations whose storage outlives one
 * test (Durable Objects) start each test clean.
 */
export interface StateTarget {
  make(): GatewayState
  /**
   * A second instance over the same storage: another isolate for the Durable
   * Objects, the same folder after a restart for files. Absent for memory.
   */
  again?(first: GatewayState): Promise<GatewayState>
  /** The two instances share live storage (Durable Objects), so changes go both ways. */
  shared?: boolean
}

let n = 0
const unique = (what: string) => `${what}-${Date.now().toString(36)}-${(n++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`

const POLICY: CircuitPolicy = { failures: 3, windowMs: 30_000, openMs: 60_000 }
const fail = (model: string) => ({ type: 'failure' as const, model, kind: 'server' as const, status: 500, message: 'upstream 500' })

// Usage records in the year 2100, so queries `since` then see only this suite's.
const DAY1 = Date.UTC(2100, 0, 1, 10)
const DAY2 = Date.UTC(2100, 0, 2, 10)
const usage = (over: Partial<UsageRecord>): UsageRecord => ({
  at: DAY1,
  client: 'c',
  frontEnd: 'openai-chat',
  backend: 'openai',
  model: 'gpt-4.1',
  attempts: ['openai:gpt-4.1'],
  status: 200,
  inputTokens: 100,
  outputTokens: 10,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  totalMs: 50,
  costUsd: null,
  ...over,
})

export function stateContract(name: string, target: StateTarget): void {
  describe(`${name}: health`, () => {
    it('cools and retires keys, lists the back end, and reactivation brings both back', async () => {
      const s = target.make()
      const b = unique('backend')
      const until = Date.now() + 60_000
      const h = await s.health.report(b, [
        { type: 'cool', keyId: 'k1', hint: '…aaaa', until, reason: '429' },
        { type: 'retire', keyId: 'k2', hint: '…bbbb', reason: '401' },
      ], POLICY)
      expect(h.keys).toEqual({
        k1: { state: 'cooling', until, reason: '429', hint: '…aaaa' },
        k2: { state: 'disabled', since: expect.any(Number), reason: '401', hint: '…bbbb' },
      })
      expect((await s.health.read(b)).keys).toEqual(h.keys)
      expect(await s.health.list()).toContain(b)
      // A retired key is not turned into a cooling one.
      await s.health.report(b, [{ type: 'cool', keyId: 'k2', hint: '…bbbb', until, reason: '429' }], POLICY)
      expect((await s.health.read(b)).keys.k2?.state).toBe('disabled')
      expect(await s.health.reactivate(b)).toBe(2)
      expect((await s.health.read(b)).keys).toEqual({})
    })

    it('a cooldown whose time has passed is gone; a back end never reported is not listed', async () => {
      const s = target.make()
      const b = unique('backend')
      await s.health.report(b, [
        { type: 'cool', keyId: 'past', hint: '…pppp', until: Date.now() - 1, reason: '429' },
        { type: 'cool', keyId: 'future', hint: '…ffff', until: Date.now() + 60_000, reason: '429' },
      ], POLICY)
      expect(Object.keys((await s.health.read(b)).keys)).toEqual(['future'])
      expect(await s.health.list()).not.toContain(unique('never'))
      expect(await s.health.read(unique('never'))).toEqual({ keys: {}, circuits: {}, recentErrors: [] })
    })

    it('the circuit opens after N failures (not on client errors), and an open one gives no probe before its time', async () => {
      const s = target.make()
      const b = unique('backend')
      await s.health.report(b, [{ type: 'failure', model: 'm', kind: 'client', status: 400, message: 'bad request' }], POLICY)
      await s.health.report(b, [fail('m'), fail('m')], POLICY)
      const two = await s.health.read(b)
      expect(two.circuits.m?.state).toBe('closed')
      expect(two.recentErrors.map((e) => e.kind)).toEqual(['client', 'server', 'server'])
      const three = await s.health.report(b, [fail('m')], POLICY)
      expect(three.circuits.m?.state).toBe('open')
      expect(three.circuits.m?.until).toBeGreaterThan(Date.now())
      expect(await s.health.claimProbe(b, 'm')).toBe(false)
      expect(await s.health.claimProbe(b, 'other-model')).toBe(true)
    })

    it('past its time, exactly one of many concurrent callers gets the probe; a success closes the circuit', async () => {
      const s = target.make()
      const b = unique('backend')
      // openMs 0: open until now, so the probe is due at once.
      const policy = { ...POLICY, openMs: 0 }
      await s.health.report(b, [fail('m'), fail('m'), fail('m')], policy)
      expect((await s.health.read(b)).circuits.m?.state).toBe('open')
      const claims = await Promise.all(Array.from({ length: 25 }, () => s.health.claimProbe(b, 'm')))
      expect(claims.filter(Boolean)).toHaveLength(1)
      expect((await s.health.read(b)).circuits.m?.probing).toEqual(expect.any(Number))
      await s.health.report(b, [{ type: 'success', model: 'm' }], policy)
      expect((await s.health.read(b)).circuits).toEqual({})
      expect(await s.health.claimProbe(b, 'm')).toBe(true)
    })

    it('a failed probe opens the circuit again', async () => {
      const s = target.make()
      const b = unique('backend')
      await s.health.report(b, [fail('m'), fail('m'), fail('m')], { ...POLICY, openMs: 0 })
      expect(await s.health.claimProbe(b, 'm')).toBe(true)
      const h = await s.health.report(b, [fail('m')], POLICY)
      expect(h.circuits.m).toMatchObject({ state: 'open' })
      expect(h.circuits.m?.probing).toBeUndefined()
      expect(await s.health.claimProbe(b, 'm')).toBe(false)
    })
  })

  describe(`${name}: client limits`, () => {
    it('50 concurrent requests against rpm 10: exactly 10 go, the rest are told rpm and when to retry', async () => {
      const s = target.make()
      const client = unique('client')
      const answers = await Promise.all(Array.from({ length: 50 }, () => s.limits.admit(client, { rpm: 10 }, 1)))
      expect(answers.filter((a) => a.ok)).toHaveLength(10)
      for (const a of answers.filter((a) => !a.ok))
        expect(a).toMatchObject({ ok: false, limit: 'rpm', allowed: 10, retryAfterS: expect.any(Number) })
      // Another client has its own counters.
      expect(await s.limits.admit(unique('client'), { rpm: 10 }, 1)).toEqual({ ok: true })
    })

    it('tpm refuses a request that would pass it; settling with the real usage makes room', async () => {
      const s = target.make()
      const client = unique('client')
      expect(await s.limits.admit(client, { tpm: 100 }, 60)).toEqual({ ok: true })
      expect(await s.limits.admit(client, { tpm: 100 }, 60)).toMatchObject({ ok: false, limit: 'tpm', used: 60, allowed: 100 })
      await s.limits.settle(client, -50)
      expect(await s.limits.admit(client, { tpm: 100 }, 60)).toEqual({ ok: true })
    })

    it('daily tokens', async () => {
      const s = target.make()
      const client = unique('client')
      expect(await s.limits.admit(client, { dailyTokens: 1000 }, 900)).toEqual({ ok: true })
      expect(await s.limits.admit(client, { dailyTokens: 1000 }, 200)).toMatchObject({ ok: false, limit: 'daily_tokens', used: 900 })
    })
  })

  describe(`${name}: invalid keys per address`, () => {
    it('5 failures start a minute\'s wait, each further one doubles it, a success inside the wait changes nothing', async () => {
      const s = target.make()
      const failures = s.authFailures
      expect(failures).toBeDefined()
      const address = unique('203.0.113')
      const before = Date.now()
      for (let i = 0; i < 4; i++) expect(await failures!.fail(address)).toBeLessThanOrEqual(Date.now())
      const first = await failures!.fail(address)
      expect(first - before).toBeGreaterThanOrEqual(60_000)
      expect(first - Date.now()).toBeLessThanOrEqual(60_000)
      await failures!.succeed(address)
      const second = await failures!.fail(address)
      expect(second - Date.now()).toBeGreaterThan(60_000)
      expect(second - before).toBeLessThanOrEqual(120_000 + (Date.now() - before))
      // Another address is untouched.
      expect(await failures!.fail(unique('203.0.113'))).toBeLessThanOrEqual(Date.now())
    })

    it('a success before the wait starts forgets the count', async () => {
      const s = target.make()
      const address = unique('198.51.100')
      for (let i = 0; i < 4; i++) await s.authFailures!.fail(address)
      await s.authFailures!.succeed(address)
      for (let i = 0; i < 4; i++) expect(await s.authFailures!.fail(address)).toBeLessThanOrEqual(Date.now())
    })
  })

  describe(`${name}: usage`, () => {
    it('totals by client, backend, model and day, with since and client', async () => {
      const s = target.make()
      const a = unique('alice')
      const b = unique('bob')
      const records = [
        usage({ client: a, inputTokens: 100, outputTokens: 10, costUsd: 0.001 }),
        usage({ client: a, backend: 'anthropic', model: 'claude-sonnet-4-5', status: 529, inputTokens: 7, outputTokens: 0, at: DAY2 }),
        usage({ client: b, inputTokens: 50, cachedInputTokens: 20, reasoningTokens: 5, costUsd: 0.002, at: DAY2 + 1000 }),
        usage({ client: b, backend: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 1, at: DAY1 - 1 }),
      ]
      await s.usage.record(records.slice(0, 1))
      await s.usage.record(records.slice(1))
      const since = DAY1 - 1
      const q = (over: Partial<UsageQuery> & Pick<UsageQuery, 'groupBy'>) => s.usage.totals({ since, ...over })

      const byClient = await q({ groupBy: 'client' })
      expect(byClient.filter((r) => r.group === a || r.group === b)).toEqual([
        { group: a, requests: 2, errors: 1, input_tokens: 107, output_tokens: 10, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: 0.001 },
        { group: b, requests: 2, errors: 0, input_tokens: 51, output_tokens: 20, cached_input_tokens: 20, reasoning_tokens: 5, cost_usd: 0.002 },
      ])
      // Each grouping, with `since` and `client`, agrees with the reference totals over the same records.
      for (const groupBy of ['client', 'backend', 'model', 'day'] as const)
        for (const over of [{ client: a }, { client: b }, { client: b, since: DAY1 }, { client: a, since: DAY2 + 1 }]) {
          const query = { since, groupBy, ...over }
          expect(await s.usage.totals(query), `${groupBy} ${JSON.stringify(over)}`).toEqual(sumUsage(records, query))
        }
      expect(await q({ groupBy: 'day', client: b })).toEqual([
        expect.objectContaining({ group: '2100-01-01', requests: 1, cost_usd: null }),
        expect.objectContaining({ group: '2100-01-02', requests: 1, cost_usd: 0.002 }),
      ])
      expect((await q({ groupBy: 'model', client: a })).map((r) => r.group).sort()).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1'])
      expect(await q({ groupBy: 'backend', client: a, since: DAY2 + 1 })).toEqual([])
      // Everyone's, the admin's view, holds both clients' rows.
      const all = await q({ groupBy: 'model' })
      const openai = all.find((r) => r.group === 'openai:gpt-4.1')!
      expect(openai.requests).toBeGreaterThanOrEqual(2)
    })
  })

  describe(`${name}: sessions`, () => {
    it('only the owner reads or deletes a session, another client cannot take its id over, and it expires', async () => {
      const s = target.make()
      const id = unique('session')
      const record = { owner: 'alice', data: { model: 'openai:gpt-4.1', turns: 3 }, updatedAt: 1 }
      await s.sessions.put(id, record, 3600)
      expect(await s.sessions.get(id, 'alice')).toEqual(record)
      expect(await s.sessions.get(id, 'mallory')).toBeNull()
      await s.sessions.put(id, { ...record, owner: 'mallory', data: {} }, 3600)
      expect(await s.sessions.get(id, 'alice')).toEqual(record)
      await s.sessions.delete(id, 'mallory')
      expect(await s.sessions.get(id, 'alice')).toEqual(record)
      await s.sessions.delete(id, 'alice')
      expect(await s.sessions.get(id, 'alice')).toBeNull()
      expect(await s.sessions.get(unique('session'), 'alice')).toBeNull()

      // A TTL that has run out: gone, and the id is free again.
      const old = unique('session')
      await s.sessions.put(old, record, 0)
      expect(await s.sessions.get(old, 'alice')).toBeNull()
      await s.sessions.put(old, { ...record, owner: 'bob' }, 3600)
      expect(await s.sessions.get(old, 'bob')).toMatchObject({ owner: 'bob' })
    })
  })

  const again = target.again
  if (again)
    describe(`${name}: a second instance over the same storage`, () => {
      it('sees the first one\'s retirements, cooldowns, counters, usage and sessions', async () => {
        const first = target.make()
        const b = unique('backend')
        const client = unique('client')
        const session = unique('session')
        await first.health.report(b, [
          { type: 'retire', keyId: 'k1', hint: '…1111', reason: '401' },
          { type: 'cool', keyId: 'k2', hint: '…2222', until: Date.now() + 60_000, reason: '429' },
        ], POLICY)
        await first.limits.admit(client, { rpm: 2 }, 1)
        await first.limits.admit(client, { rpm: 2 }, 1)
        await first.usage.record([usage({ client, inputTokens: 42 })])
        await first.sessions.put(session, { owner: client, data: { x: 1 }, updatedAt: 5 }, 3600)

        const second = await again(first)
        expect(second).not.toBe(first)
        const h = await second.health.read(b)
        expect(h.keys.k1).toMatchObject({ state: 'disabled', reason: '401', hint: '…1111' })
        expect(h.keys.k2).toMatchObject({ state: 'cooling', reason: '429' })
        expect(await second.health.list()).toContain(b)
        expect(await second.limits.admit(client, { rpm: 2 }, 1)).toMatchObject({ ok: false, limit: 'rpm' })
        expect(await second.usage.totals({ client, groupBy: 'client' })).toEqual([expect.objectContaining({ group: client, requests: 1, input_tokens: 42 })])
        expect(await second.sessions.get(session, client)).toEqual({ owner: client, data: { x: 1 }, updatedAt: 5 })

      })

      if (target.shared)
        it('what the second does, the first sees at once (both talk to the same objects)', async () => {
          const first = target.make()
          const second = await again(first)
          const b = unique('backend')
          await first.health.report(b, [{ type: 'retire', keyId: 'k1', hint: '…1111', reason: '403' }], POLICY)
          expect((await second.health.read(b)).keys.k1?.state).toBe('disabled')
          expect(await second.health.reactivate(b)).toBe(1)
          expect((await first.health.read(b)).keys).toEqual({})
        })
    })
}
