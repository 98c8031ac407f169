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
const json = (body: unknown, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}`, ...extra },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})
const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra })
const msg = (model: string, extra: object = {}) => ({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...extra })

function expectOpenAIError(body: any) {
  expect(body.error).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }))
  expect('code' in body.error).toBe(true)
}
function expectAnthropicError(body: any, type: string) {
  expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) } })
}

describe('errors in the client’s own protocol', () => {
  it('malformed JSON → 400 in both shapes', async () => {
    const t = await setup(target())
    try {
      const a = await t.raw('/v1/chat/completions', json('{"model": '))
      expect(a.status).toBe(400)
      expectOpenAIError(await a.json())
      const b = await t.raw('/v1/messages', json('{"model": '))
      expect(b.status).toBe(400)
      expectAnthropicError(await b.json(), 'invalid_request_error')
    } finally {
      await t.gw.close()
    }
  })

  it('a schema violation → 400 naming the field', async () => {
    const t = await setup(target())
    try {
      const a = await t.raw('/v1/chat/completions', json({ model: 'openai:gpt-test', messages: 'nope' }))
      expect(a.status).toBe(400)
      expect((await a.json()).error.message).toContain('messages')
      // translated requests are validated in full (a pass-through body is checked as far as routing needs)
      const b = await t.raw('/anthropic/v1/messages', json({ model: 'openai:x', max_tokens: 5, messages: [{ role: 'robot', content: 'hi' }] }))
      expect(b.status).toBe(400)
      expect((await b.json()).error.message).toContain('messages[0].role')
      const c = await t.raw(
        '/v1/chat/completions',
        json({ model: 'anthropic:x', messages: [{ role: 'user', content: 'hi' }, { role: 'tool', content: 'result' }] }),
      )
      expect(c.status).toBe(400)
      expect((await c.json()).error.message).toContain('tool_call_id')
      // pass-through: the envelope is still checked
      const d = await t.raw('/v1/messages', json({ model: 'anthropic:x', max_tokens: 5 }))
      expect(d.status).toBe(400)
      expect((await d.json()).error.message).toContain('messages')
      expect(await t.upstream()).toHaveLength(0)
    } finally {
      await t.gw.close()
    }
  })

  it('an unanswered tool call → 400 before anything reaches the upstream', async () => {
    const t = await setup(target())
    try {
      const res = await t.raw(
        '/v1/chat/completions',
        json({
          model: 'anthropic:claude-test',
          messages: [
            { role: 'user', content: 'weather?' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
            { role: 'user', content: 'never mind' },
          ],
        }),
      )
      expect(res.status).toBe(400)
      expect((await res.json()).error.message).toMatch(/call_1.*no tool result/)
      expect(await t.upstream()).toHaveLength(0)
    } finally {
      await t.gw.close()
    }
  })

  it('an unknown back end → 400 listing the known ones', async () => {
    const t = await setup(target())
    try {
      const res = await t.raw('/v1/chat/completions', json(chat('nosuch:model')))
      expect(res.status).toBe(400)
      const m = (await res.json()).error.message
      expect(m).toContain('nosuch')
      expect(m).toContain('openai')
      expect(m).toContain('anthropic')
    } finally {
      await t.gw.close()
    }
  })

  it('a missing upstream key → an error naming the setting', async () => {
    const t = await setup(target(), { OPENAI_API_KEY: '' })
    try {
      const res = await t.raw('/v1/messages', json(msg('openai:gpt-test')))
      expect(res.status).toBe(401)
      expect((await res.json()).error.message).toContain('OPENAI_API_KEY')
    } finally {
      await t.gw.close()
    }
  })

  it('upstream 429 → 429 with the upstream message and retry-after, translated or not', async () => {
    const t = await setup(target())
    try {
      const a = await t.raw('/v1/messages', json(msg('openai:error-429')))
      expect(a.status).toBe(429)
      expect(a.headers.get('retry-after')).toBe('7')
      const body = await a.json()
      expectAnthropicError(body, 'rate_limit_error')
      expect(body.error.message).toContain('Rate limit reached for fake model')
      const b = await t.raw('/v1/chat/completions', json(chat('openai:error-429')))
      expect(b.status).toBe(429)
      expect((await b.json()).error.message).toContain('Rate limit reached for fake model')
    } finally {
      await t.gw.close()
    }
  })

  it('an unreachable upstream → 502, without leaking the key', async () => {
    const t = await setup(target(), { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })
    try {
      const res = await t.raw('/v1/messages', json(msg('openai:gpt-test')))
      expect(res.status).toBe(502)
      const text = await res.text()
      expectAnthropicError(JSON.parse(text), 'api_error')
      expect(text).not.toContain(UPSTREAM_KEYS.openai)
    } finally {
      await t.gw.close()
    }
  })

  it('an upstream that does not answer in time → 504', async () => {
    const { createServer } = await import('node:http')
    const silent = createServer(() => {})
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as { port: number }).port
    const t = await setup(target(), { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, UPSTREAM_TIMEOUT_MS: '200' })
    try {
      const res = await t.raw('/v1/chat/completions', json(chat('openai:gpt-test')))
      expect(res.status).toBe(504)
      expectOpenAIError(await res.json())
    } finally {
      await t.gw.close()
      silent.closeAllConnections()
      await new Promise((r) => silent.close(r))
    }
  })

  it('a failure after the stream started → an error event, then a clean close (Anthropic client)', async () => {
    const t = await setup(target())
    try {
      const s = t.anthropic.messages.stream({ model: 'openai:fail-midstream', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      await expect(s.finalMessage()).rejects.toThrow(/upstream/i)
      const res = await t.raw('/v1/messages', json(msg('openai:fail-midstream', { stream: true })))
      const text = await res.text()
      expect(text.startsWith('event: message_start')).toBe(true)
      expect(text).toContain('event: error')
      expect(text).not.toContain('message_stop')
    } finally {
      await t.gw.close()
    }
  })

  it('a failure after the stream started → an error chunk, no [DONE] (OpenAI client, pass-through and translated)', async () => {
    const t = await setup(target())
    try {
      for (const model of ['openai:fail-midstream', 'anthropic:fail-midstream']) {
        const s = await t.openai.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })
        await expect(
          (async () => {
            for await (const _ of s);
          })(),
        ).rejects.toThrow()
        const res = await t.raw('/v1/chat/completions', json(chat(model, { stream: true })))
        const text = await res.text()
        expect(text).toContain('"error"')
        expect(text).not.toContain('[DONE]')
      }
    } finally {
      await t.gw.close()
    }
  })

  it('an oversized body → 413', async () => {
    const t = await setup(target(), { MAX_BODY_BYTES: '1000' })
    try {
      const big = chat('openai:gpt-test', { messages: [{ role: 'user', content: 'x'.repeat(5000) }] })
      const res = await t.raw('/v1/chat/completions', json(big))
      expect(res.status).toBe(413)
      expectOpenAIError(await res.json())
      const b = await t.raw('/v1/messages', json(big))
      expect(b.status).toBe(413)
      expectAnthropicError(await b.json(), 'request_too_large')
    } finally {
      await t.gw.close()
    }
  })

  it('an unknown route → 404 in the path’s protocol', async () => {
    const t = await setup(target())
    try {
      const res = await t.raw('/v1/nothing', { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
      expect(res.status).toBe(404)
      expectOpenAIError(await res.json())
    } finally {
      await t.gw.close()
    }
  })
})

describe('client keys (PROXY_API_KEYS)', () => {
  it('accepts a key as Bearer, x-api-key, x-goog-api-key or ?key=, and refuses others', async () => {
    const t = await setup(target())
    try {
      const body = JSON.stringify(chat('openai:gpt-test'))
      const h = { 'content-type': 'application/json' }
      for (const headers of [
        { ...h, authorization: `Bearer ${CLIENT_KEY}` },
        { ...h, 'x-api-key': CLIENT_KEY },
        { ...h, 'x-goog-api-key': CLIENT_KEY },
      ]) expect((await t.raw('/v1/chat/completions', { method: 'POST', headers, body })).status).toBe(200)
      expect((await t.raw(`/v1/chat/completions?key=${CLIENT_KEY}`, { method: 'POST', headers: h, body })).status).toBe(200)

      const wrong = await t.raw('/v1/chat/completions', { method: 'POST', headers: { ...h, authorization: 'Bearer nope' }, body })
      expect(wrong.status).toBe(401)
      expectOpenAIError(await wrong.json())
      const none = await t.raw('/v1/messages', { method: 'POST', headers: h, body })
      expect(none.status).toBe(401)
      expectAnthropicError(await none.json(), 'authentication_error')
      // the client's key never reaches the upstream, even via ?key=
      for (const r of await t.upstream()) {
        expect(JSON.stringify(r)).not.toContain(CLIENT_KEY)
      }
    } finally {
      await t.gw.close()
    }
  })

  it('needs no key when PROXY_API_KEYS is unset; /health never does', async () => {
    const t = await setup(target(), { PROXY_API_KEYS: '' })
    try {
      const res = await t.raw('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chat('openai:gpt-test')) })
      expect(res.status).toBe(200)
    } finally {
      await t.gw.close()
    }
    const locked = await setup(target())
    try {
      expect((await fetch(`${locked.gw.url}/health`)).status).toBe(200)
    } finally {
      await locked.gw.close()
    }
  })
})
