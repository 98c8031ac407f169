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
