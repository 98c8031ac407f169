import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import type { ConfigFile } from '../../src/config/config-file'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup, type Setup } from './gateway-suite'

/**
 * Client limits and usage through the Node adapter and the fake upstream: a client over its
 * limit gets a 429 in its own protocol with retry-after and nothing reaches the upstream; the
 * usage totals equal what the upstream reported (20 input tokens, 5 of them cached, 9 output).
 */
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const ADMIN = 'admin-key-987'
const ALICE = 'sk-alice-key-0001'
const BOB = 'sk-bob-key-0002'

function gateway(env: Record<string, string> = {}, config?: ConfigFile): Promise<Setup> {
  return setup({ upstreamUrl: upstream.url, start: (e) => startGateway(e, '127.0.0.1', 0, config) }, env)
}

const post = (key: string, body: unknown, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...extra },
  body: JSON.stringify(body),
})
const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra })
const msg = (model: string, extra: object = {}) => ({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...extra })
const gem = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
const usage = async (t: Setup, key: string, query = '') => {
  const res = await t.raw(`/v1/usage${query}`, { headers: { authorization: `Bearer ${key}` } })
  return { status: res.status, body: (await res.json()) as any }
}

describe('client rate limits', () => {
  it('30 concurrent requests with rpm 5: exactly 5 reach the upstream, the rest get a native 429 with retry-after', async () => {
    const t = await gateway({ CLIENT_RPM: '5' })
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => t.raw('/v1/chat/completions', post(CLIENT_KEY, chat('openai:gpt-test')))),
      )
      const ok = answers.filter((r) => r.status === 200)
      const refused = answers.filter((r) => r.status === 429)
      expect(ok).toHaveLength(5)
      expect(refused).toHaveLength(25)
      expect((await t.upstream()).length).toBe(5)
      const retry = Number(refused[0]!.headers.get('retry-after'))
      expect(retry).toBeGreaterThanOrEqual(1)
      expect(retry).toBeLessThanOrEqual(60)
      const body = (await refused[0]!.json()) as any
      expect(body.error.type).toBe('rate_limit_error')
      expect(body.error.message).toContain('"key-1"')
      expect(body.error.message).toContain('rpm limit of 5')
      await Promise.all([...ok, ...refused.slice(1)].map((r) => r.arrayBuffer()))
    } finally {
      await t.gw.close()
    }
  })

  it('over its rpm, each front end gets its own 429 shape and nothing goes upstream', async () => {
    const t = await gateway({}, { clients: [{ name: 'tight', key: ALICE, rpm: 1 }] })
    try {
      expect((await t.raw('/v1/chat/completions', post(ALICE, chat('openai:gpt-test')))).status).toBe(200)
      const before = (await t.upstream()).length

      const openai = await t.raw('/v1/chat/completions', post(ALICE, chat('anthropic:claude-test', { stream: true })))
      expect(openai.status).toBe(429)
      expect(openai.headers.get('retry-after')).toMatch(/^\d+$/)
      const o = (await openai.json()) as any
      expect(o.error).toMatchObject({ type: 'rate_limit_error', message: expect.stringContaining('Client "tight" is over its rpm limit of 1') })

      const responses = await t.raw('/v1/responses', post(ALICE, { model: 'openai:gpt-test', input: 'hi' }))
      expect(responses.status).toBe(429)
      expect(((await responses.json()) as any).error.message).toContain('rpm limit of 1')

      const anthropic = await t.raw('/v1/messages', post(ALICE, msg('anthropic:claude-test')))
      expect(anthropic.status).toBe(429)
      expect(anthropic.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('"tight"') } })

      const gemini = await t.raw('/v1beta/models/gemini:gem-test:streamGenerateContent?alt=sse', post(ALICE, gem))
      expect(gemini.status).toBe(429)
      expect(gemini.headers.get('retry-after')).toMatch(/^\d+$/)
      const g = (await gemini.json()) as any
      expect(g.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('rpm limit of 1') })

      expect((await t.upstream()).length).toBe(before)
    } finally {
      await t.gw.close()
    }
  })

  it('limits are per client: one client over its limit does not hold back another', async () => {
    const t = await gateway({}, { clients: [{ name: 'alice', key: ALICE, rpm: 1 }, { name: 'bob', key: BOB }] })
    try {
      expect((await t.raw('/v1/chat/completions', post(ALICE, chat('openai:gpt-test')))).status).toBe(200)
      expect((await t.raw('/v1/chat/completions', post(ALICE, chat('openai:gpt-test')))).status).toBe(429)
      for (let i = 0; i < 3; i++) expect((await t.raw('/v1/chat/completions', post(BOB, chat('openai:gpt-test')))).status).toBe(200)
      expect((await t.upstream()).length).toBe(4)
    } finally {
      await t.gw.close()
    }
  })

  it('tpm: a request that would pass the token limit is refused naming it, and the real count settles the estimate', async () => {
    // Each exchange really uses 29 tokens (20 in, 9 out): after settling, the first one leaves room for no second one under 40.
    const t = await gateway({}, { clients: [{ name: 'tokens', key: ALICE, tpm: 40 }] })
    try {
      expect((await t.raw('/v1/messages', post(ALICE, msg('anthropic:claude-test')))).status).toBe(200)
      const res = await t.raw('/v1/messages', post(ALICE, msg('anthropic:claude-test', { messages: [{ role: 'user', content: 'x'.repeat(200) }] })))
      expect(res.status).toBe(429)
      const body = (await res.json()) as any
      expect(body.error.message).toContain('tpm limit of 40 tokens per minute')
      expect(body.error.message).toContain('29 already counted')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect((await t.upstream()).length).toBe(1)
    } finally {
      await t.gw.close()
    }
  })

  it('daily_tokens: past the day’s budget the client waits for the next UTC day', async () => {
    const t = await gateway({}, { clients: [{ name: 'daily', key: ALICE, daily_tokens: 30 }] })
    try {
      expect((await t.raw('/v1beta/models/gemini:gem-test:generateContent', post(ALICE, gem))).status).toBe(200)
      const res = await t.raw('/v1beta/models/gemini:gem-test:generateContent', post(ALICE, gem))
      expect(res.status).toBe(429)
      const body = (await res.json()) as any
      expect(body.error.message).toContain('daily_tokens limit of 30')
      expect(body.error.message).toContain('"daily"')
      const retry = Number(res.headers.get('retry-after'))
      const midnight = Math.ceil((Date.parse(new Date().toISOString().slice(0, 10)) + 86_400_000 - Date.now()) / 1000)
      expect(Math.abs(retry - midnight)).toBeLessThanOrEqual(5)
      expect((await t.upstream()).length).toBe(1)
    } finally {
      await t.gw.close()
    }
  })
})

describe('usage', () => {
  const config: ConfigFile = { clients: [{ name: 'alice', key: ALICE }, { name: 'bob', key: BOB }] }

  /** Alice: 6 good exchanges over every front end, streaming and not, and one refused by the upstream; Bob: 2 good ones. */
  async function mixedRun(t: Setup) {
    const sse = async (res: Response) => {
      expect(res.status).toBe(200)
      await res.text()
    }
    await sse(await t.raw('/v1/chat/completions', post(ALICE, chat('openai:gpt-test'))))
    await sse(await t.raw('/v1/chat/completions', post(ALICE, chat('openai:gpt-test', { stream: true, stream_options: { include_usage: true } }))))
    await sse(await t.raw('/v1/chat/completions', post(ALICE, chat('anthropic:claude-test', { stream: true, stream_options: { include_usage: true } }))))
    await sse(await t.raw('/v1/messages', post(ALICE, msg('anthropic:claude-test', { stream: true }))))
    await sse(await t.raw('/v1/messages', post(ALICE, msg('gemini:gem-test'))))
    await sse(await t.raw('/v1beta/models/gemini:gem-test:streamGenerateContent?alt=sse', post(ALICE, gem)))
    const refused = await t.raw('/v1/chat/completions', post(ALICE, chat('openai:error-429')))
    expect(refused.status).toBe(429)
    await refused.text()
    await sse(await t.raw('/v1/responses', post(BOB, { model: 'openai:gpt-test', input: 'hi' })))
    await sse(await t.raw('/v1/messages', post(BOB, msg('openai:gpt-test'))))
  }

  it('totals equal what the upstream reported, grouped by client, backend, model and day', async () => {
    const t = await gateway({ ADMIN_API_KEY: ADMIN }, config)
    try {
      await mixedRun(t)
      const byClient = await usage(t, ADMIN, '?group_by=client')
      expect(byClient.status).toBe(200)
      expect(byClient.body).toEqual({
        data: [
          { group: 'alice', requests: 7, errors: 1, input_tokens: 120, output_tokens: 54, cached_input_tokens: 30, reasoning_tokens: 0, cost_usd: null },
          { group: 'bob', requests: 2, errors: 0, input_tokens: 40, output_tokens: 18, cached_input_tokens: 10, reasoning_tokens: 0, cost_usd: null },
        ],
      })

      const byBackend = (await usage(t, ADMIN, '?group_by=backend')).body.data
      expect(Object.fromEntries(byBackend.map((r: any) => [r.group, [r.requests, r.errors, r.input_tokens, r.output_tokens]]))).toEqual({
        // the Responses request goes to the openai back end too
        openai: [5, 1, 80, 36],
        anthropic: [2, 0, 40, 18],
        gemini: [2, 0, 40, 18],
      })
      const byModel = (await usage(t, ADMIN, '?group_by=model')).body.data
      expect(byModel.map((r: any) => r.group).sort()).toEqual(['anthropic:claude-test', 'gemini:gem-test', 'openai:error-429', 'openai:gpt-test'])
      expect(byModel.find((r: any) => r.group === 'openai:error-429')).toMatchObject({ requests: 1, errors: 1, input_tokens: 0 })

      const byDay = (await usage(t, ADMIN, '?group_by=day')).body.data
      expect(byDay).toHaveLength(1)
      expect(byDay[0]).toMatchObject({ group: new Date().toISOString().slice(0, 10), requests: 9, errors: 1, input_tokens: 160, output_tokens: 72, cached_input_tokens: 40 })
      // the default grouping is per client
      expect((await usage(t, ADMIN)).body).toEqual(byClient.body)
    } finally {
      await t.gw.close()
    }
  })

  it('a client key sees only its own usage; the admin key sees everyone and may filter by client', async () => {
    const t = await gateway({ ADMIN_API_KEY: ADMIN }, config)
    try {
      await mixedRun(t)
      const bob = await usage(t, BOB, '?group_by=backend')
      expect(bob.status).toBe(200)
      expect(bob.body.data.reduce((n: number, r: any) => n + r.requests, 0)).toBe(2)
      expect((await usage(t, ALICE)).body.data.map((r: any) => r.group)).toEqual(['alice'])
      // asking for another client's usage with a client key is refused, in OpenAI's shape
      const other = await usage(t, BOB, '?client=alice')
      expect(other.status).toBe(403)
      expect(other.body.error).toMatchObject({ param: 'client', message: expect.stringContaining('only its own usage') })
      expect((await usage(t, ADMIN, '?client=bob')).body.data).toEqual([expect.objectContaining({ group: 'bob', requests: 2 })])
      // the admin key is sent as x-api-key too
      const x = await t.raw('/v1/usage', { headers: { 'x-api-key': ADMIN } })
      expect(((await x.json()) as any).data).toHaveLength(2)
      // no key, or an unknown one: 401
      expect((await t.raw('/v1/usage')).status).toBe(401)
      expect((await usage(t, 'sk-nobody')).status).toBe(401)
      // the admin key is not a client key: it cannot generate
      expect((await t.raw('/v1/chat/completions', post(ADMIN, chat('openai:gpt-test')))).status).toBe(401)
    } finally {
      await t.gw.close()
    }
  })

  it('a stream that breaks after its first bytes is recorded as an error (passed through and translated)', async () => {
    const t = await gateway({ ADMIN_API_KEY: ADMIN }, config)
    try {
      const passed = await t.raw('/v1/chat/completions', post(ALICE, chat('openai:fail-midstream', { stream: true })))
      expect(passed.status).toBe(200)
      expect(await passed.text()).toContain('error')
      const translated = await t.raw('/v1/messages', post(ALICE, msg('openai:fail-midstream', { stream: true })))
      expect(translated.status).toBe(200)
      expect(await translated.text()).toContain('event: error')
      expect((await usage(t, ADMIN, '?group_by=model')).body.data).toEqual([
        expect.objectContaining({ group: 'openai:fail-midstream', requests: 2, errors: 2 }),
      ])
    } finally {
      await t.gw.close()
    }
  })

  it('since: unix seconds or ISO; a bad value or group_by is a 400 naming the parameter', async () => {
    const t = await gateway({ ADMIN_API_KEY: ADMIN }, config)
    try {
      await t.raw('/v1/chat/completions', post(ALICE, chat('openai:gpt-test'))).then((r) => r.text())
      const future = Math.floor(Date.now() / 1000) + 3600
      expect((await usage(t, ADMIN, `?since=${future}`)).body).toEqual({ data: [] })
      expect((await usage(t, ADMIN, `?since=${Math.floor(Date.now() / 1000) - 3600}`)).body.data).toHaveLength(1)
      expect((await usage(t, ADMIN, `?since=${new Date(Date.now() - 3_600_000).toISOString()}`)).body.data).toHaveLength(1)
      expect((await usage(t, ADMIN, `?since=${new Date(Date.now() + 86_400_000 * 2).toISOString().slice(0, 10)}`)).body.data).toHaveLength(0)
      for (const [query, param] of [['?since=yesterday', 'since'], ['?since=2026-13-45', 'since'], ['?group_by=week', 'group_by']]) {
        const bad = await usage(t, ADMIN, query)
        expect(bad.status).toBe(400)
        expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param })
        expect(bad.body.error.message).toContain(param)
      }
    } finally {
      await t.gw.close()
    }
  })

  it('without client keys everyone is "anonymous"; /v1/usage is a route (POST is a 405, /usage suggests /v1/usage)', async () => {
    const t = await gateway({ PROXY_API_KEYS: '' })
    try {
      await t.raw('/v1/messages', post('anything', msg('anthropic:claude-test'))).then((r) => r.text())
      const res = await t.raw('/v1/usage')
      expect(((await res.json()) as any).data).toEqual([expect.objectContaining({ group: 'anonymous', requests: 1, input_tokens: 20, output_tokens: 9 })])
      const wrongMethod = await t.raw('/v1/usage', { method: 'POST' })
      expect(wrongMethod.status).toBe(405)
      const miss = await t.raw('/usage')
      expect(miss.status).toBe(404)
      expect(((await miss.json()) as any).error.message).toContain('/v1/usage')
    } finally {
      await t.gw.close()
    }
  })
})
