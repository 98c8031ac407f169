import { describe, expect, it } from 'vitest'
import { admitClient } from '../../src/gateway/admit-client'
import type { Runtime } from '../../src/gateway/runtime'
import { GatewayError } from '../../src/hub/errors'
import type { HubRequest } from '../../src/hub/request'
import type { ClientIdentity } from '../../src/routes/types'
import type { ClientLimits, LimitState } from '../../src/state/ports'
import { MemoryLimits } from '../../src/state/memory-state'

/** Memory limits that also note every call. */
function runtime() {
  const calls: Array<{ client: string; limits: ClientLimits; tokens: number }> = []
  const inner = new MemoryLimits()
  const limits: LimitState = {
    admit: (client, l, tokens) => {
      calls.push({ client, limits: l, tokens })
      return inner.admit(client, l, tokens)
    },
    settle: (client, delta) => inner.settle(client, delta),
  }
  return { rt: { state: { limits } } as unknown as Runtime, calls }
}

const hub = (text: string): HubRequest => ({ model: 'm', system: [], messages: [{ role: 'user', content: [{ type: 'text', text }] }] }) as unknown as HubRequest
const refusal = async (p: unknown) => {
  try {
    await p
  } catch (err) {
    return err as GatewayError
  }
  throw new Error('admitted')
}

describe('admitClient', () => {
  it('a client without limits costs nothing: no estimate, no state call, 0 at once', () => {
    const { rt, calls } = runtime()
    const anon: ClientIdentity = { name: 'anonymous', limits: {} }
    expect(admitClient(rt, anon, hub('x'.repeat(4000)), '{}')).toBe(0)
    expect(calls).toHaveLength(0)
  })

  it('rpm only: counted without a token estimate', async () => {
    const { rt, calls } = runtime()
    expect(await admitClient(rt, { name: 'a', limits: { rpm: 2 } }, hub('x'.repeat(4000)), '')).toBe(0)
    expect(calls).toEqual([{ client: 'a', limits: { rpm: 2 }, tokens: 0 }])
  })

  it('over rpm: a 429 naming the limit, the client and the value, with retry-after in seconds', async () => {
    const { rt } = runtime()
    const c: ClientIdentity = { name: 'ci', limits: { rpm: 2 } }
    await admitClient(rt, c, undefined, '')
    await admitClient(rt, c, undefined, '')
    const err = await refusal(admitClient(rt, c, undefined, ''))
    expect(err).toBeInstanceOf(GatewayError)
    expect(err.kind).toBe('rate_limit')
    expect(err.status).toBe(429)
    expect(err.message).toBe(`Client "ci" is over its rpm limit of 2 requests per minute; retry in ${err.retryAfter} s.`)
    expect(Number(err.retryAfter)).toBeGreaterThanOrEqual(1)
    expect(Number(err.retryAfter)).toBeLessThanOrEqual(60)
  })

  it('token limits: the hub request’s estimate, or a quarter of an undecoded body', async () => {
    const { rt, calls } = runtime()
    const c: ClientIdentity = { name: 't', limits: { tpm: 1000 } }
    expect(await admitClient(rt, c, hub('x'.repeat(400)), 'ignored')).toBe(101)
    expect(await admitClient(rt, c, undefined, 'y'.repeat(802))).toBe(201)
    expect(calls.map((x) => x.tokens)).toEqual([101, 201])
    const err = await refusal(admitClient(rt, c, undefined, 'z'.repeat(3000)))
    expect(err.message).toContain('Client "t" is over its tpm limit of 1000 tokens per minute (this request is estimated at 750 input tokens; 302 already counted)')
  })

  it('daily_tokens: refused until the next UTC day', async () => {
    const { rt } = runtime()
    const c: ClientIdentity = { name: 'd', limits: { dailyTokens: 100 } }
    await admitClient(rt, c, undefined, 'x'.repeat(300))
    const err = await refusal(admitClient(rt, c, undefined, 'x'.repeat(300)))
    expect(err.message).toContain('over its daily_tokens limit of 100 tokens per UTC day')
    const midnight = (Date.parse(new Date().toISOString().slice(0, 10)) + 86_400_000 - Date.now()) / 1000
    expect(Math.abs(Number(err.retryAfter) - midnight)).toBeLessThanOrEqual(2)
  })

  it('30 concurrent admissions never let more than rpm through', async () => {
    const { rt } = runtime()
    const c: ClientIdentity = { name: 'burst', limits: { rpm: 7 } }
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => admitClient(rt, c, undefined, '')))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7)
  })
})
