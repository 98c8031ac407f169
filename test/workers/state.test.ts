import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { BackendHealthObject, ClientLimitsObject } from '../../src/index'
import { buildDurableState, durableState } from '../../src/state/durable-state'
import { hasDurableBindings, type DurableBindings } from '../../src/state/durable/bindings'
import { stateContract } from '../state/state-contract'

// The real Durable Objects (src/state/durable/), inside workerd with their SQLite storage.
const bindings = env as unknown as DurableBindings

stateContract('Durable Objects', {
  make: () => buildDurableState(bindings),
  // Another isolate: its own GatewayState over the same namespaces.
  again: async () => buildDurableState({ ...bindings }),
  shared: true,
})

describe('Durable Object state wiring', () => {
  it('the bindings are all there, and one GatewayState is built per bindings object', () => {
    expect(hasDurableBindings(env as unknown as Record<string, unknown>)).toBe(true)
    expect(hasDurableBindings({ ...env, GATEWAY_USAGE: undefined })).toBe(false)
    expect(durableState(bindings)).toBe(durableState(bindings))
    expect(durableState({ ...bindings })).not.toBe(durableState(bindings))
  })

  it('a new instance over an object\'s storage (after eviction or a restart) has its record: health at once, limits after the coalesced write', async () => {
    const state = buildDurableState(bindings)
    const b = `evicted-${Math.random().toString(36).slice(2)}`
    await state.health.report(b, [{ type: 'retire', keyId: 'k9', hint: '…9999', reason: '401' }], { failures: 3, windowMs: 1000, openMs: 1000 })
    const health = env.GATEWAY_HEALTH.get(env.GATEWAY_HEALTH.idFromName(b))
    const fresh = await runInDurableObject(health, (_o: unknown, ctx) => new BackendHealthObject(ctx as never, bindings).read(b))
    expect(fresh.keys.k9).toMatchObject({ state: 'disabled', reason: '401' })

    const client = `evicted-${Math.random().toString(36).slice(2)}`
    expect(await state.limits.admit(client, { rpm: 1 }, 1)).toEqual({ ok: true })
    const limits = env.GATEWAY_LIMITS.get(env.GATEWAY_LIMITS.idFromName(client))
    await vi.waitFor(async () => expect(await runInDurableObject(limits, (_o: unknown, ctx) => ctx.storage.kv.get('counters'))).toBeDefined(), { timeout: 10_000 })
    const again = await runInDurableObject(limits, (_o: unknown, ctx) => new ClientLimitsObject(ctx as never, bindings).admit({ rpm: 1 }, 1))
    expect(again).toMatchObject({ ok: false, limit: 'rpm' })
  })

  it('a session\'s alarm deletes its storage once the TTL has run out', async () => {
    const state = buildDurableState(bindings)
    const id = `alarm-${Math.random().toString(36).slice(2)}`
    const stub = env.GATEWAY_SESSIONS.get(env.GATEWAY_SESSIONS.idFromName(id))
    await state.sessions.put(id, { owner: 'alice', data: {}, updatedAt: 1 }, 3600)
    const alarm = await runInDurableObject(stub, (_o: unknown, ctx) => ctx.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now() + 3_500_000)

    await state.sessions.put(id, { owner: 'alice', data: {}, updatedAt: 2 }, 0)
    // The alarm is due now: it has run, or runs here.
    await runDurableObjectAlarm(stub)
    expect(await runInDurableObject(stub, (_o: unknown, ctx) => ctx.storage.kv.get('session') ?? null)).toBeNull()
    expect(await state.sessions.get(id, 'alice')).toBeNull()
  })

  it('usage rows are in SQLite, one ledger per client, and admin totals add the ledgers up', async () => {
    const state = buildDurableState(bindings)
    const client = `ledger-${Math.random().toString(36).slice(2)}`
    const at = Date.UTC(2101, 0, 1)
    const rec = { at, client, frontEnd: 'anthropic', backend: 'groq', model: 'llama', attempts: ['groq:llama'], status: 200, inputTokens: 3, outputTokens: 4, cachedInputTokens: 0, reasoningTokens: 0, totalMs: 1, costUsd: 0.5 }
    await state.usage.record([rec, { ...rec, client: `${client}-2`, costUsd: 0.25 }])
    const stub = env.GATEWAY_USAGE.get(env.GATEWAY_USAGE.idFromName(client))
    const rows = await runInDurableObject(stub, (_o: unknown, ctx) => ctx.storage.sql.exec('SELECT client, input_tokens FROM usage').toArray())
    expect(rows).toEqual([{ client, input_tokens: 3 }])
    expect(await state.usage.totals({ since: at, groupBy: 'backend' })).toEqual([
      { group: 'groq', requests: 2, errors: 0, input_tokens: 6, output_tokens: 8, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: 0.75 },
    ])
  })
})
