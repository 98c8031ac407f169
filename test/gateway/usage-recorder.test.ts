import { describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/gateway/runtime'
import { recordExchange, tokenDelta, type ExchangeSummary } from '../../src/gateway/usage-recorder'
import { memoryState } from '../../src/state/memory-state'
import type { GatewayState } from '../../src/state/ports'

function runtime(state: GatewayState = memoryState()) {
  const errors: string[] = []
  const rt = { state, log: { error: (m: string) => errors.push(m) } } as unknown as Runtime
  const deferred: Promise<unknown>[] = []
  return { rt, errors, deferred, defer: (p: Promise<unknown>) => void deferred.push(p) }
}

const summary = (over: Partial<ExchangeSummary> = {}): ExchangeSummary => ({
  startedAt: Date.parse('2026-12-05T10:00:00Z'),
  client: { name: 'ci', limits: {} },
  frontEnd: 'anthropic',
  backend: 'openai',
  model: 'gpt-4.1',
  attempts: ['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1'],
  status: 200,
  usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 300, reasoningTokens: 50 },
  ttfbMs: 120,
  totalMs: 900,
  estimatedInputTokens: 0,
  prices: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
  ...over,
})

describe('recordExchange', () => {
  it('writes one usage record through defer, input counted with its cached part, cost from the prices', async () => {
    const { rt, defer, deferred } = runtime()
    recordExchange(rt, defer, summary({ session: 's1' }))
    expect(deferred).toHaveLength(1)
    await Promise.all(deferred)
    expect(await rt.state.usage.totals({ groupBy: 'model' })).toEqual([
      { group: 'openai:gpt-4.1', requests: 1, errors: 0, input_tokens: 1000, output_tokens: 200, cached_input_tokens: 300, reasoning_tokens: 50, cost_usd: 0.003150 },
    ])
  })

  it('a failed exchange without usage counts as an error with no tokens; no prices is a null cost', async () => {
    const { rt, defer, deferred } = runtime()
    recordExchange(rt, defer, summary({ status: 502, usage: undefined, prices: undefined }))
    await Promise.all(deferred)
    expect(await rt.state.usage.totals({ groupBy: 'client' })).toEqual([
      { group: 'ci', requests: 1, errors: 1, input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: null },
    ])
  })

  it('settles the client’s token counters with the real count when it has token limits', async () => {
    const { rt, defer, deferred } = runtime()
    const client = { name: 'tok', limits: { tpm: 2000 } }
    expect(await rt.state.limits.admit('tok', client.limits, 100)).toEqual({ ok: true })
    recordExchange(rt, defer, summary({ client, estimatedInputTokens: 100 }))
    await Promise.all(deferred)
    // 1,200 really used: 800 left, so 900 more does not fit
    expect(await rt.state.limits.admit('tok', client.limits, 900)).toMatchObject({ ok: false, limit: 'tpm', used: 1200 })
    expect(tokenDelta(summary({ estimatedInputTokens: 100 }))).toBe(1100)
    expect(tokenDelta(summary({ estimatedInputTokens: 100, usage: undefined, status: 500 }))).toBe(-100)
    expect(tokenDelta(summary({ estimatedInputTokens: 100, usage: undefined, status: 200 }))).toBe(0)
    // A client that left before the upstream reported anything: the upstream may have billed the prompt, so the estimate stands.
    expect(tokenDelta(summary({ estimatedInputTokens: 100, usage: undefined, status: 499 }))).toBe(0)
    // One that left after some usage was reported: what was reported counts.
    expect(tokenDelta(summary({ estimatedInputTokens: 100, usage: { inputTokens: 120, outputTokens: 1 }, status: 499 }))).toBe(21)
  })

  it('a failing ledger is logged, never thrown', async () => {
    const state = memoryState()
    state.usage.record = async () => {
      throw new Error('disk full')
    }
    const { rt, defer, deferred, errors } = runtime(state)
    expect(() => recordExchange(rt, defer, summary())).not.toThrow()
    await Promise.all(deferred)
    expect(errors).toEqual([expect.stringContaining('disk full')])
  })
})
