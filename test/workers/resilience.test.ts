import { env } from 'cloudflare:test'
import { describe, expect, inject, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { buildDurableState } from '../../src/state/durable-state'
import type { DurableBindings } from '../../src/state/durable/bindings'
import type { GatewayState } from '../../src/state/ports'
import { memoryState } from '../../src/state/memory-state'
import { MemoryStore } from '../../src/state/memory-store'

/**
 * The attempt loop inside workerd over the real Durable Objects (src/state/durable/), against the scripted
 * upstream (test/integration/scripted-upstream.ts) driven over HTTP.
 */
const upstream = inject('scriptedUpstreamUrl')
const durable = env as unknown as DurableBindings
const ADMIN = 'admin-key-resilience-1'

const base = (scope: string) => ({
  LOG_LEVEL: 'silent',
  LLM_PROXY_LOCAL_DISCOVERY: '0',
  ADMIN_API_KEY: ADMIN,
  OPENAI_BASE_URL: `${upstream}/s/${scope}/v1`,
  ANTHROPIC_BASE_URL: `${upstream}/s/${scope}`,
})

/** One gateway instance as one isolate runs it: its own uncached durable state and runtime, over the shared Durable Objects. */
function instance(bindings: Record<string, string>) {
  const app = createApp({ store: () => new MemoryStore(), state: () => buildDurableState(durable) })
  // Each instance gets its own bindings object, hence its own runtime (as another isolate would).
  const own = { ...bindings }
  return (path: string, init: RequestInit = {}) => app.fetch(new Request(`http://localhost${path}`, init), own)
}
type Instance = ReturnType<typeof instance>

const chatInit = (model: string, extra: object = {}, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
})

async function script(scope: string, rules: unknown[]) {
  await fetch(`${upstream}/__reset?scope=${scope}`, { method: 'POST' })
  const res = await fetch(`${upstream}/__script?scope=${scope}`, { method: 'POST', body: JSON.stringify(rules) })
  expect(res.status).toBe(200)
}
async function requests(scope: string): Promise<Array<{ key: string; model: string; action: string; path: string; stream: boolean }>> {
  return (await fetch(`${upstream}/__requests?scope=${scope}`)).json()
}
async function keysSeenBy(gw: Instance): Promise<Array<{ key: string; state: string; reason?: string }>> {
  const res = await gw('/v1/diagnostics', { headers: { 'x-api-key': ADMIN } })
  expect(res.status).toBe(200)
  const view: any = await res.json()
  return view.backends.find((b: any) => b.id === 'openai').keys
}
const stateOf = async (gw: Instance, hint: string) => (await keysSeenBy(gw)).find((k) => k.key === hint)?.state

describe('two gateway instances over the same Durable Objects', () => {
  const scope = `workers-resilience-shared-${Math.random().toString(36).slice(2)}`
  const RETIRED = 'sk-openai-shared-retire-1111'
  const COOLED = 'sk-openai-shared-cooled-2222'
  const SPARE = 'sk-openai-shared-spare-3333'
  const bindings = { ...base(scope), OPENAI_API_KEY: `${RETIRED},${COOLED},${SPARE}`, KEY_ROTATION: 'round-robin' }
  const a = instance(bindings)
  const b = instance(bindings)

  /** Requests through `gw` until the scripted upstream has seen `key` (round-robin reaches every key). */
  async function throughUntilTried(gw: Instance, key: string, model: string) {
    for (let i = 0; i < 6 && !(await requests(scope)).some((r) => r.key === key); i++) {
      const res = await gw('/v1/chat/completions', chatInit(`openai:${model}`))
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    expect((await requests(scope)).some((r) => r.key === key)).toBe(true)
  }

  it('a key retired (401) through A is not used through B; one cooled by a 429 through A is skipped by B; A reactivates them for B', async () => {
    await script(scope, [
      { key: RETIRED, action: { do: 'status', status: 401 } },
      { key: COOLED, action: { do: 'status', status: 429, retryAfter: 30 } },
    ])
    // A meets the 401 and the 429 and still answers with the spare key.
    await throughUntilTried(a, RETIRED, 'gpt-4.1-mini')
    await throughUntilTried(a, COOLED, 'gpt-4.1-mini')
    // The reports are written after A's answers: B sees them once they land.
    await vi.waitFor(async () => {
      expect(await stateOf(b, '…1111')).toBe('disabled')
      expect(await stateOf(b, '…2222')).toBe('cooling')
    }, { timeout: 10_000 })
    const cooling = (await keysSeenBy(b)).find((k) => k.key === '…2222')
    expect(cooling?.reason).toContain('429')

    // B never sends either key upstream: every answer comes from the spare.
    await fetch(`${upstream}/__reset?scope=${scope}`, { method: 'POST' })
    for (let i = 0; i < 6; i++) {
      const res = await b('/v1/chat/completions', chatInit('openai:gpt-4.1-mini'))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-route')).toBe('openai:gpt-4.1-mini; key=...3333')
      await res.arrayBuffer()
    }
    const seenByB = await requests(scope)
    expect(seenByB).toHaveLength(6)
    expect(seenByB.every((r) => r.key === SPARE && r.action === 'ok')).toBe(true)

    // The keys are fine again: A reactivates them, and B uses them.
    const reactivated = await a('/v1/diagnostics/backends/openai/reactivate', { method: 'POST', headers: { 'x-api-key': ADMIN } })
    expect(reactivated.status).toBe(200)
    expect(await reactivated.json()).toEqual({ backend: 'openai', reactivated: 2 })
    expect(await stateOf(b, '…1111')).toBe('active')
    expect(await stateOf(b, '…2222')).toBe('active')
    for (let i = 0; i < 6; i++) {
      const res = await b('/v1/chat/completions', chatInit('openai:gpt-4.1-mini'))
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    const afterReactivation = await requests(scope)
    expect(new Set(afterReactivation.map((r) => r.key))).toEqual(new Set([RETIRED, COOLED, SPARE]))
    expect(afterReactivation.every((r) => r.action === 'ok')).toBe(true)
  })
})

describe('failover inside workerd', () => {
  const scope = `workers-resilience-failover-${Math.random().toString(36).slice(2)}`
  const bindings = { ...base(scope), OPENAI_API_KEY: 'sk-openai-failover-4444', ANTHROPIC_API_KEY: 'sk-ant-failover-5555' }
  const gw = instance(bindings)
  const MODEL = 'openai:gpt-4.1|anthropic:claude-sonnet-4-5'

  it('OpenAI answering 500: served from Anthropic, streaming and not, and x-gateway-route says so', async () => {
    await script(scope, [{ model: 'gpt-4.1', action: { do: 'status', status: 500 } }])

    const plain = await gw('/v1/chat/completions', chatInit(MODEL))
    expect(plain.status).toBe(200)
    expect(plain.headers.get('x-gateway-route')).toBe('anthropic:claude-sonnet-4-5; key=...5555')
    const body: any = await plain.json()
    expect(body.object).toBe('chat.completion')
    expect(body.choices[0].message.content).toEqual(expect.any(String))

    const streamed = await gw('/v1/chat/completions', chatInit(MODEL, { stream: true }))
    expect(streamed.status).toBe(200)
    expect(streamed.headers.get('content-type')).toContain('text/event-stream')
    expect(streamed.headers.get('x-gateway-route')).toBe('anthropic:claude-sonnet-4-5; key=...5555')
    const text = await streamed.text()
    expect(text).toContain('chat.completion.chunk')
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)

    const log = await requests(scope)
    // OpenAI was tried first each time (or skipped once its circuit opened), and Anthropic answered both.
    expect(log.filter((r) => r.model === 'gpt-4.1').every((r) => r.action === 'status 500')).toBe(true)
    expect(log.filter((r) => r.path === '/v1/messages').map((r) => [r.model, r.stream, r.action])).toEqual([
      ['claude-sonnet-4-5', false, 'ok'],
      ['claude-sonnet-4-5', true, 'ok'],
    ])
  })
})

describe('client rpm inside workerd', () => {
  const scope = `workers-resilience-rpm-${Math.random().toString(36).slice(2)}`
  const name = `rpm-${Math.random().toString(36).slice(2)}`
  const KEY = `sk-client-${name}-6666`
  const bindings = {
    ...base(scope),
    OPENAI_API_KEY: 'sk-openai-rpm-7777',
    PROXY_CONFIG: JSON.stringify({ clients: [{ name, key: KEY, rpm: 2 }] }),
  }
  const gw = instance(bindings)

  it('10 concurrent requests with rpm 2: exactly 2 reach the upstream, the rest get a 429 with retry-after; /v1/usage adds the 2 up', async () => {
    await script(scope, [])
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => gw('/v1/chat/completions', chatInit('openai:gpt-4.1-nano', {}, { authorization: `Bearer ${KEY}` }))),
    )
    const ok = answers.filter((r) => r.status === 200)
    const refused = answers.filter((r) => r.status === 429)
    expect(ok).toHaveLength(2)
    expect(refused).toHaveLength(8)
    for (const r of refused) {
      const retry = Number(r.headers.get('retry-after'))
      expect(retry).toBeGreaterThanOrEqual(1)
      expect(retry).toBeLessThanOrEqual(60)
      const body: any = await r.json()
      expect(body.error.type).toBe('rate_limit_error')
      expect(body.error.message).toContain(`"${name}" is over its rpm limit of 2`)
    }
    await Promise.all(ok.map((r) => r.arrayBuffer()))
    expect(await requests(scope)).toHaveLength(2)

    // Usage is written after each answer: the client's totals show the 2 exchanges once they land.
    await vi.waitFor(async () => {
      const res = await gw('/v1/usage', { headers: { authorization: `Bearer ${KEY}` } })
      expect(res.status).toBe(200)
      const { data }: any = await res.json()
      expect(data).toEqual([
        expect.objectContaining({ group: name, requests: 2, errors: 0, input_tokens: 40, cached_input_tokens: 10, output_tokens: 18 }),
      ])
    }, { timeout: 10_000 })
  })
})

describe('what the Durable Object round trips cost (measured, not asserted)', () => {
  it('200 sequential requests through durable state and through memory state', async () => {
    const scope = `workers-resilience-cost-${Math.random().toString(36).slice(2)}`
    await script(scope, [])
    const bindings = { ...base(scope), OPENAI_API_KEY: 'sk-openai-cost-8888' }
    const run = async (state: () => GatewayState) => {
      const app = createApp({ store: () => new MemoryStore(), state })
      const own = { ...bindings }
      const once = async () => {
        const res = await app.fetch(new Request('http://localhost/v1/chat/completions', chatInit('openai:gpt-4.1-mini')), own)
        expect(res.status).toBe(200)
        await res.arrayBuffer()
      }
      for (let i = 0; i < 10; i++) await once() // warm-up
      const start = performance.now()
      for (let i = 0; i < 200; i++) await once()
      return (performance.now() - start) / 200
    }
    const memory = await run(() => memoryState())
    const durableMs = await run(() => buildDurableState(durable))
    const memoryAgain = await run(() => memoryState())
    console.log(
      `[resilience cost] 200 sequential chat requests inside workerd: memory state ${memory.toFixed(2)} ms/request ` +
        `(again: ${memoryAgain.toFixed(2)}), Durable Object state ${durableMs.toFixed(2)} ms/request, ` +
        `difference ${(durableMs - (memory + memoryAgain) / 2).toFixed(2)} ms/request`,
    )
    expect((await requests(scope)).length).toBe(3 * 210)

    // The calls a request makes, one at a time: the health read on its path, and the usage write after its answer.
    const state = buildDurableState(durable)
    const each = async (call: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 10; i++) await call(i)
      const start = performance.now()
      for (let i = 0; i < 200; i++) await call(i)
      return (performance.now() - start) / 200
    }
    const read = await each(() => state.health.read('openai'))
    const client = `cost-${Math.random().toString(36).slice(2)}`
    const record = await each((i) =>
      state.usage.record([
        { at: Date.now() + i, client, frontEnd: 'openai', backend: 'openai', model: 'gpt-4.1-mini', attempts: ['openai:gpt-4.1-mini'], status: 200, inputTokens: 20, outputTokens: 9, cachedInputTokens: 5, reasoningTokens: 0, totalMs: 1, costUsd: null },
      ]),
    )
    const admit = await each(() => state.limits.admit(client, { rpm: 1_000_000 }, 0))
    console.log(
      `[resilience cost] one Durable Object call at a time inside workerd: health.read ${read.toFixed(2)} ms, ` +
        `usage.record ${record.toFixed(2)} ms, limits.admit ${admit.toFixed(2)} ms`,
    )
    expect((await state.usage.totals({ client, groupBy: 'client' }))[0]).toMatchObject({ group: client, requests: 210 })
  })
})
