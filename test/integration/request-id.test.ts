import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startGateway } from '../../adapters/node'
import { createApp } from '../../src/app'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup, type Setup } from './gateway-suite'

/** Every answer carries x-request-id: the client's own when it sent a sane one, else the gateway's id. */
let upstream: FakeUpstream
let t: Setup
beforeAll(async () => {
  upstream = await startFakeUpstream()
  t = await setup({ upstreamUrl: upstream.url, start: (env) => startGateway(env, '127.0.0.1', 0) }, { RETRY_MAX_WAIT_S: '0' })
})
afterAll(async () => {
  await t.gw.close()
  await upstream.close()
})

const GATEWAY_ID = /^req_[0-9a-z]+$/
const messages = [{ role: 'user' as const, content: 'hi' }]

describe('x-request-id through the official SDKs', () => {
  it('OpenAI: `_request_id` on an answer is the gateway id; the client\'s own comes back as it was sent', async () => {
    const r = await t.openai.chat.completions.create({ model: 'openai:gpt-test', messages })
    expect(r._request_id).toMatch(GATEWAY_ID)
    const mine = await t.openai.chat.completions.create({ model: 'anthropic:claude-test', messages }, { headers: { 'x-request-id': 'client-req-42' } })
    expect(mine._request_id).toBe('client-req-42')
    const again = await t.openai.chat.completions.create({ model: 'openai:gpt-test', messages })
    expect(again._request_id).not.toBe(r._request_id)
  })

  it('OpenAI: a stream, and an error (APIError.requestID)', async () => {
    const { response } = await t.openai.chat.completions.create({ model: 'anthropic:claude-test', messages, stream: true }, { headers: { 'x-request-id': 'stream-req-1' } }).withResponse()
    expect(response.headers.get('x-request-id')).toBe('stream-req-1')
    const err = await t.openai.chat.completions.create({ model: 'gemini:error-429', messages }, { headers: { 'x-request-id': 'err-req-1' } }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect(err.status).toBe(429)
    expect(err.requestID).toBe('err-req-1')
    const bad = await t.openai.chat.completions.create({ model: 'nope:nothing', messages }).catch((e) => e)
    expect(bad.status).toBe(400)
    expect(bad.requestID).toMatch(GATEWAY_ID)
  })

  it('a client key the gateway refuses: 401 with the id too', async () => {
    const stranger = new OpenAI({ baseURL: `${t.gw.url}/v1`, apiKey: 'not-a-client-key', maxRetries: 0 })
    const err = await stranger.chat.completions.create({ model: 'openai:gpt-test', messages }, { headers: { 'x-request-id': 'who-1' } }).catch((e) => e)
    expect(err.status).toBe(401)
    expect(err.requestID).toBe('who-1')
  })

  it('Anthropic: a message, a stream and an error in its own shape', async () => {
    const { response } = await t.anthropic.messages.create({ model: 'openai:gpt-test', max_tokens: 50, messages }, { headers: { 'x-request-id': 'ant-1' } }).withResponse()
    expect(response.headers.get('x-request-id')).toBe('ant-1')
    const s = await t.anthropic.messages.create({ model: 'anthropic:claude-test', max_tokens: 50, messages, stream: true }).withResponse()
    expect(s.response.headers.get('x-request-id')).toMatch(GATEWAY_ID)
    for await (const _ of s.data);
    const err = await t.anthropic.messages.create({ model: 'anthropic:error-429', max_tokens: 50, messages }, { headers: { 'x-request-id': 'ant-err' } }).catch((e) => e)
    expect(err.status).toBe(429)
    expect(err.headers.get('x-request-id')).toBe('ant-err')
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
  })

  it('Gemini: the answer\'s headers', async () => {
    const r = await t.gemini.models.generateContent({ model: 'openai:gpt-test', contents: 'hi', config: { httpOptions: { headers: { 'x-request-id': 'gem-1' } } } })
    expect(r.sdkHttpResponse?.headers?.['x-request-id']).toBe('gem-1')
  })

  it('a gateway reply (an in-chat command) carries it', async () => {
    const r = await t.openai.chat.completions.create({ model: 'openai:gpt-test', messages: [{ role: 'user', content: '!/help' }] }, { headers: { 'x-request-id': 'cmd-1' } })
    expect(r.choices[0]!.message.content).toContain('!/model(backend:model)')
    expect(r._request_id).toBe('cmd-1')
  })

  it('/health, an unknown path, the admin APIs and /metrics: every answer', async () => {
    for (const path of ['/health', '/nowhere', '/v1/nowhere', '/v1/diagnostics', '/metrics', '/v1/models']) {
      const res = await t.raw(path, { headers: { 'x-request-id': `p-${path.length}`, authorization: `Bearer ${CLIENT_KEY}` } })
      expect(res.headers.get('x-request-id'), path).toBe(`p-${path.length}`)
      const plain = await t.raw(path)
      expect(plain.headers.get('x-request-id'), path).toMatch(GATEWAY_ID)
    }
  })

  it('an insane x-request-id is replaced by the gateway id', async () => {
    const res = await t.raw('/health', { headers: { 'x-request-id': 'has spaces and "quotes"' } })
    expect(res.headers.get('x-request-id')).toMatch(GATEWAY_ID)
    const long = await t.raw('/health', { headers: { 'x-request-id': 'x'.repeat(129) } })
    expect(long.headers.get('x-request-id')).toMatch(GATEWAY_ID)
  })
})

describe('x-request-id when the settings are broken (Workers read them per request)', () => {
  it('on /health\'s 503 and on the 500 every other request gets', async () => {
    const app = createApp()
    const bindings = { OPENAI_BASE_URL: 'not a url', LLM_PROXY_LOCAL_DISCOVERY: '0' }
    const health = await app.fetch(new Request('http://127.0.0.1/health', { headers: { 'x-request-id': 'broken-1' } }), bindings)
    expect(health.status).toBe(503)
    expect(health.headers.get('x-request-id')).toBe('broken-1')
    const chat = await app.fetch(new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST', body: '{}', headers: { 'x-request-id': 'broken-2' } }), bindings)
    expect(chat.status).toBe(500)
    expect(chat.headers.get('x-request-id')).toBe('broken-2')
  })
})
