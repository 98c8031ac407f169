import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup, UPSTREAM_KEYS } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })
const post = (body: unknown, key = CLIENT_KEY) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  body: JSON.stringify(body),
})
const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })
const msg = (model: string) => ({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
const gem = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }

describe('an upstream that refuses the gateway’s own key', () => {
  it('is a 502 naming the setting, in each protocol’s shape, never the client’s 401', async () => {
    const t = await setup(target())
    try {
      const a = await t.raw('/v1/chat/completions', post(chat('openai:error-401')))
      expect(a.status).toBe(502)
      expect(a.headers.get('x-should-retry')).toBe('false')
      const ab = (await a.json()) as any
      expect(ab.error).toMatchObject({ type: 'upstream_authentication_error', code: 'upstream_key_refused', param: null })
      expect(ab.error.message).toMatch(/^The upstream "openai" refused the gateway's key OPENAI_API_KEY \(HTTP 401: Incorrect API key provided/)
      expect(ab.error.message).toContain('Your key for the gateway was accepted')

      const b = await t.raw('/v1/messages', post(msg('anthropic:error-401')))
      expect(b.status).toBe(502)
      const bb = (await b.json()) as any
      expect(bb).toEqual({ type: 'error', error: { type: 'upstream_authentication_error', message: expect.stringContaining('refused the gateway\'s key ANTHROPIC_API_KEY') } })
      // Claude Code reads "x-api-key" in a message as "log in again"
      expect(bb.error.message).not.toContain('x-api-key')

      // translated: an OpenAI client on the Gemini back end, whose wrong-key answer is a 400 API_KEY_INVALID
      const c = await t.raw('/v1beta/models/gemini:error-401:generateContent', post(gem))
      expect(c.status).toBe(502)
      expect(await c.json()).toEqual({ error: { code: 502, status: 'FAILED_PRECONDITION', message: expect.stringContaining('GEMINI_API_KEY') } })
      const d = await t.raw('/v1/chat/completions', post(chat('gemini:error-401')))
      expect(d.status).toBe(502)
      expect(((await d.json()) as any).error.message).toContain('refused the gateway\'s key GEMINI_API_KEY (HTTP 400')
      expect(JSON.stringify([ab, bb])).not.toContain(UPSTREAM_KEYS.openai)
    } finally {
      await t.gw.close()
    }
  })

  it('the official SDKs see a 502 they do not retry; a wrong client key is still a 401', async () => {
    const t = await setup(target())
    try {
      const openai = new OpenAI({ baseURL: `${t.gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 2 })
      const err = await openai.chat.completions.create(chat('openai:error-401') as never).catch((e) => e)
      expect(err).toBeInstanceOf(OpenAI.InternalServerError)
      expect(err.status).toBe(502)
      expect(err.code).toBe('upstream_key_refused')
      const anthropic = new Anthropic({ baseURL: t.gw.url, apiKey: CLIENT_KEY, maxRetries: 2 })
      const aerr = await anthropic.messages.create(msg('anthropic:error-401') as never).catch((e) => e)
      expect(aerr).toBeInstanceOf(Anthropic.InternalServerError)
      expect(aerr.message).toContain('ANTHROPIC_API_KEY')
      expect(await t.upstream()).toHaveLength(2) // one call each: no retries

      const wrong = await t.raw('/v1/chat/completions', post(chat('openai:gpt-test'), 'not-the-key'))
      expect(wrong.status).toBe(401)
      expect(((await wrong.json()) as any).error.code).toBe('invalid_api_key')
    } finally {
      await t.gw.close()
    }
  })

  it('a key-less endpoint that the upstream wants a key for says which setting to set', async () => {
    const t = await setup(target(), { LLM_PROXY_ENDPOINT_BOX_URL: `${upstream.url}/t/box-keyless/v1` })
    try {
      const res = await t.raw('/v1/chat/completions', post(chat('box:error-401')))
      expect(res.status).toBe(502)
      expect(((await res.json()) as any).error.message).toMatch(/^The upstream "box" wants a key \(HTTP 401: .*\) and the gateway has none for it: set the "box" endpoint's key\.$/)
    } finally {
      await t.gw.close()
    }
  })
})

describe('an unknown back end prefix', () => {
  it('is a 400 in each protocol’s shape even with DEFAULT_BACKEND, configured back ends first', async () => {
    const t = await setup(target(), { DEFAULT_BACKEND: 'openai:gpt-test' })
    try {
      const a = await t.raw('/v1/chat/completions', post(chat('opnai:gpt-test')))
      expect(a.status).toBe(400)
      const ab = (await a.json()) as any
      expect(ab.error).toMatchObject({ type: 'invalid_request_error', param: 'model' })
      expect(ab.error.message).toMatch(/^Unknown back end "opnai" in model "opnai:gpt-test" \(configured: openai, anthropic, gemini, openai-responses; others, which need a key or URL: azure-openai/)
      const b = await t.raw('/v1/messages', post(msg('antropic:claude-test')))
      expect(b.status).toBe(400)
      expect(await b.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^Unknown back end "antropic"/) } })
      const c = await t.raw('/v1beta/models/gemnii:gemini-test:generateContent', post(gem))
      expect(c.status).toBe(400)
      expect(await c.json()).toEqual({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/^Unknown back end "gemnii"/) } })
      // nothing went upstream but the model lists (fetched once to see whether some back end lists the name)
      expect((await t.upstream()).filter((r) => r.method === 'POST')).toHaveLength(0)
      // a bare model nobody claims still goes to DEFAULT_BACKEND
      const d = await t.raw('/v1/chat/completions', post(chat('mystery-model')))
      expect(d.status).toBe(200)
      expect((await t.upstream()).at(-1)!.body.model).toBe('gpt-test')
    } finally {
      await t.gw.close()
    }
  })
})

describe('a path no route takes', () => {
  const get = { headers: { authorization: `Bearer ${CLIENT_KEY}` } }
  it('answers 404 in the protocol family of the path it probably meant, naming it', async () => {
    const t = await setup(target())
    try {
      const doubled = await t.raw('/v1/v1/chat/completions', post(chat('openai:gpt-test')))
      expect(doubled.status).toBe(404)
      const db = (await doubled.json()) as any
      expect(db.error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' })
      expect(db.error.message).toMatch(/^No route for POST \/v1\/v1\/chat\/completions\. Did you mean POST \/v1\/chat\/completions\? OpenAI clients take http:\/\/HOST\/v1/)

      const missing = await t.raw('/chat/completions', post(chat('openai:gpt-test')))
      expect(missing.status).toBe(404)
      expect(((await missing.json()) as any).error.message).toContain('Did you mean POST /v1/chat/completions?')

      const messages = await t.raw('/messages', post(msg('anthropic:claude-test')))
      expect(messages.status).toBe(404)
      expect(await messages.json()).toEqual({
        type: 'error',
        error: { type: 'not_found_error', message: expect.stringContaining('Did you mean POST /v1/messages?') },
      })
      const anthropicDoubled = await t.raw('/anthropic/v1/v1/messages', post(msg('anthropic:claude-test')))
      expect(((await anthropicDoubled.json()) as any).error.message).toContain('Did you mean POST /anthropic/v1/messages?')

      const gemini = await t.raw('/v1/models/gemini-2.5-pro:generateContent', post(gem))
      expect(gemini.status).toBe(404)
      expect(await gemini.json()).toEqual({
        error: { code: 404, status: 'NOT_FOUND', message: expect.stringContaining('Did you mean POST /v1beta/models/gemini-2.5-pro:generateContent?') },
      })

      // an OpenAI model retrieval is not mistaken for Gemini; nothing to suggest
      const plain = await t.raw('/v1/models/gpt-4.1', get)
      expect(plain.status).toBe(404)
      const pb = (await plain.json()) as any
      expect(pb.error.code).toBe('not_found')
      expect(pb.error.message).not.toContain('Did you mean')
      // models.retrieve reads the live model lists; nothing was ever sent to be generated
      expect((await t.upstream()).filter((r: { method: string }) => r.method !== 'GET')).toHaveLength(0)
    } finally {
      await t.gw.close()
    }
  })

  it('a wrong method on a known path is a 405 in that family, with Allow', async () => {
    const t = await setup(target())
    try {
      const a = await t.raw('/v1/chat/completions', get)
      expect(a.status).toBe(405)
      expect(a.headers.get('allow')).toBe('POST')
      expect(((await a.json()) as any).error).toMatchObject({ type: 'invalid_request_error', message: 'Method GET is not allowed on /v1/chat/completions; it takes POST.' })
      const b = await t.raw('/v1/messages', get)
      expect(b.status).toBe(405)
      expect(await b.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Method GET is not allowed on /v1/messages; it takes POST.' } })
      const c = await t.raw('/v1beta/models', { ...get, method: 'DELETE' })
      expect(c.status).toBe(405)
      expect(await c.json()).toEqual({ error: { code: 405, status: 'INVALID_ARGUMENT', message: 'Method DELETE is not allowed on /v1beta/models; it takes GET.' } })
    } finally {
      await t.gw.close()
    }
  })
})

describe('base URLs', () => {
  it('an upstream 404 names the URL the gateway called (no query string, no key) and the form the base URL takes', async () => {
    // What OpenAI answers when the base URL lacks /v1.
    const { createServer } = await import('node:http')
    const openai = createServer((req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null } }))
    })
    await new Promise<void>((r) => openai.listen(0, '127.0.0.1', r))
    const origin = `http://127.0.0.1:${(openai.address() as { port: number }).port}`
    const t = await setup(target(), { OPENAI_BASE_URL: origin, PROXY_API_KEYS: '' })
    try {
      const res = await t.raw(`/v1/chat/completions?key=${CLIENT_KEY}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat('openai:gpt-test')),
      })
      expect(res.status).toBe(404)
      const text = await res.text()
      expect(JSON.parse(text).error.message).toBe(
        `Invalid URL (POST /chat/completions) — the gateway called POST ${origin}/chat/completions; ` +
          'if that path is wrong, check OPENAI_BASE_URL: OpenAI-compatible base URLs include the version path, usually /v1 (https://api.openai.com/v1).',
      )
      expect(text).not.toContain(CLIENT_KEY)
      expect(text).not.toContain(UPSTREAM_KEYS.openai)
    } finally {
      await t.gw.close()
      openai.closeAllConnections()
      await new Promise((r) => openai.close(r))
    }
  })

  it('a pasted /v1 (Anthropic), /v1beta (Gemini) or endpoint path (OpenAI) is taken off at load', async () => {
    const id = `norm-${Date.now().toString(36)}`
    const base = upstream.baseFor(id)
    const t = await setup(target(), {
      ANTHROPIC_BASE_URL: `${base}/v1`,
      GEMINI_BASE_URL: `${base}/v1beta`,
      OPENAI_BASE_URL: `${base}/v1/chat/completions`,
    })
    try {
      for (const [path, body] of [
        ['/v1/messages', msg('anthropic:claude-test')],
        ['/v1beta/models/gemini:gemini-test:generateContent', gem],
        ['/v1/chat/completions', chat('openai:gpt-test')],
      ] as const)
        expect((await t.raw(path, post(body))).status).toBe(200)
      expect(upstream.requests(id).map((r) => r.path)).toEqual(['/v1/messages', '/v1beta/models/gemini-test:generateContent', '/v1/chat/completions'])
    } finally {
      await t.gw.close()
    }
  })
})

describe('a gateway with no back end', () => {
  it('says so once at start, in /health, and in a header on the empty model lists the SDKs still parse', async () => {
    const { vi } = await import('vitest')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const gw = await startGateway({ LLM_PROXY_LOCAL_DISCOVERY: '0', LOG_LEVEL: 'info' }, '127.0.0.1', 0)
    try {
      const health = await fetch(`${gw.url}/health`)
      const expected = expect.stringMatching(/^No back end is configured: set a provider key such as OPENAI_API_KEY, .* or LLM_PROXY_ENDPOINT_<NAME>_URL$/)
      expect(await health.json()).toEqual({ status: 'ok', mode: 'single-user', warnings: [expected] })
      expect(warn.mock.calls.filter(([m]) => String(m).includes('No back end is configured'))).toHaveLength(1)

      for (const path of ['/v1/models', '/anthropic/v1/models', '/v1beta/models']) {
        const res = await fetch(`${gw.url}${path}`)
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-warnings')).toEqual(expected)
      }
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 })
      const page = await openai.models.list()
      expect(page.data).toEqual([])
      const anthropic = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'x', maxRetries: 0 })
      expect((await anthropic.models.list()).data).toEqual([])
    } finally {
      warn.mockRestore()
      await gw.close()
    }
    // with a back end, no such header
    const t = await setup(target())
    try {
      const res = await t.raw('/v1/models', { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
      expect(res.headers.get('x-gateway-warnings')).toBeNull()
      expect(await (await fetch(`${t.gw.url}/health`)).json()).toEqual({ status: 'ok', mode: 'single-user' })
    } finally {
      await t.gw.close()
    }
  })
})

describe('LOG_LEVEL=debug', () => {
  it('logs each routing decision and the upstream URL, never keys, bodies or the client’s ?key=', async () => {
    const { vi } = await import('vitest')
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const t = await setup(target(), { LOG_LEVEL: 'debug', DEFAULT_BACKEND: 'anthropic', MODEL_ALIASES: 'fast=openai:gpt-test' })
    try {
      const secretText = 'my secret prompt text'
      const body = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: secretText }] })
      const h = { 'content-type': 'application/json' }
      for (const model of ['openai:gpt-test', 'gpt-4.1', 'fast', 'mystery'])
        expect((await t.raw(`/v1/chat/completions?key=${CLIENT_KEY}&beta=true`, { method: 'POST', headers: h, body: body(model) })).status).toBe(200)
      const lines = log.mock.calls.map(([m]) => String(m))
      const base = `${upstream.url}/t/`
      expect(lines.filter((l) => l.startsWith('route: '))).toEqual([
        'route: "openai:gpt-test" → openai model=gpt-test (explicit)',
        'route: "gpt-4.1" → openai model=gpt-4.1 (listed)',
        'route: "fast" → openai model=gpt-test (alias, explicit)',
        'route: "mystery" → anthropic model=mystery (default)',
      ])
      const up = lines.filter((l) => l.startsWith('upstream: '))
      expect(up).toHaveLength(4)
      expect(up[0]).toMatch(new RegExp(`^upstream: POST ${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^ ]+/v1/chat/completions \\(pass-through, key …[^ ]{4}\\)$`))
      // The key used is named by its last 4 characters only.
      expect(up[3]).toMatch(/\/v1\/messages \(translated, key …[^ ]{4}\)$/)
      const all = lines.join('\n')
      for (const secret of [CLIENT_KEY, UPSTREAM_KEYS.openai, UPSTREAM_KEYS.anthropic, secretText, 'beta=true']) expect(all).not.toContain(secret)
    } finally {
      log.mockRestore()
      await t.gw.close()
    }
  })
})
