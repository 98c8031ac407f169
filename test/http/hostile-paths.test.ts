/**
 * Malformed percent-encoding, doubled slashes and odd header text in and around
 * a request: a 4xx in the client's protocol, never a URIError or a 500.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { headerValue } from '../../src/http/header-value'
import { FAKE_ENV, fakeTransport, post, SECRETS } from '../helpers/fake-transport'

const { transport, urls } = fakeTransport()
const app = createApp({ transport, env: FAKE_ENV })
const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${SECRETS.client}` }) =>
  app.fetch(new Request(`http://gw.test${path}`, { headers }))
const contents = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }

describe('malformed percent-encoding', () => {
  it('in a Gemini model path is a 400 in Gemini’s shape', async () => {
    for (const model of ['%E0%A4%A', '%', '%zz', 'gemini:%E0%A4%A', 'models%2F%']) {
      for (const action of ['generateContent', 'streamGenerateContent', 'countTokens']) {
        const res = await app.fetch(post(`/v1beta/models/${model}:${action}`, contents))
        expect(res.status, `${model}:${action}`).toBe(400)
        expect(await res.json()).toEqual({ error: { code: 400, message: expect.stringContaining('percent-encoding'), status: 'INVALID_ARGUMENT' } })
      }
      const one = await get(`/v1beta/models/${model}`)
      expect(one.status, model).toBe(400)
      expect((await one.json()).error.status).toBe('INVALID_ARGUMENT')
    }
    expect(urls).toEqual([])
  })

  it('a Gemini model path is decoded once, not twice', async () => {
    const res = await get('/v1beta/models/gemini%252Dx')
    expect(res.status).toBe(404)
    expect((await res.json()).error.message).toContain("'gemini%2Dx'")
  })

  it('in ?key= is a wrong key (401), and a well-encoded one works', async () => {
    for (const q of ['?key=%', '?key=%zz', '?key=%E0%A4%A']) {
      const res = await app.fetch(new Request(`http://gw.test/v1beta/models/gemini:g:generateContent${q}`, { method: 'POST', body: JSON.stringify(contents) }))
      expect(res.status, q).toBe(401)
      expect((await res.json()).error.status).toBe('UNAUTHENTICATED')
    }
    const ok = await app.fetch(new Request(`http://gw.test/v1beta/models/gemini:g:generateContent?key=${encodeURIComponent(SECRETS.client)}`, { method: 'POST', body: JSON.stringify(contents) }))
    expect(ok.status).toBe(200)
  })

  it('in other paths and in the registry is a 4xx in the path’s protocol', async () => {
    const chat = await app.fetch(post('/v1/chat/completions%zz', { model: 'openai:x', messages: [] }))
    expect(chat.status).toBe(404)
    expect((await chat.json()).error).toEqual(expect.objectContaining({ message: expect.stringContaining('No route'), type: expect.any(String) }))
    const stored = await get('/v1/responses/%E0%A4%A')
    expect(stored.status).toBe(404)
    const registry = await app.fetch(new Request('http://gw.test/api/v1/registry/%E0%A4%A', { method: 'DELETE', headers: { authorization: `Bearer ${SECRETS.admin}` } }))
    expect(registry.status).toBe(404)
    expect((await registry.json()).error.message).toContain('No registry endpoint')
  })
})

describe('doubled slashes', () => {
  it('get a 404 in the protocol the path belongs to', async () => {
    const anthropic = await app.fetch(post('//v1/messages', { model: 'anthropic:c', max_tokens: 5, messages: [] }))
    expect(anthropic.status).toBe(404)
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.any(String) } })
    const gem = await app.fetch(post('/v1beta//models/g:generateContent', contents))
    expect(gem.status).toBe(404)
    expect((await gem.json()).error.status).toBe('NOT_FOUND')
  })
})

describe('x-gateway-warnings', () => {
  it('is printable ASCII whatever the warning says (non-ASCII escaped, length capped)', () => {
    expect(headerValue('plain text')).toBe('plain text')
    expect(headerValue('0–1 mod\u00e8le\r\nX: y')).toBe('0-1 mod%C3%A8le  X: y')
    expect(headerValue('x'.repeat(10_000))).toHaveLength(4096)
  })

  it('a warning naming a non-ASCII model no longer breaks the response', async () => {
    const res = await app.fetch(post('/v1/chat/completions', { model: 'anthropic:modèle-ü', temperature: 1.7, top_k: 3, messages: [{ role: 'user', content: 'hi' }] }))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-gateway-warnings')).toContain('temperature 1.7 clamped to 1')
    const reasoning = await app.fetch(post(`/v1beta/models/${encodeURIComponent('openai:o3-модель')}:generateContent`, { ...contents, generationConfig: { temperature: 0.5 } }))
    expect(reasoning.status).toBe(200)
    expect(reasoning.headers.get('x-gateway-warnings')).toBe(`temperature dropped: o3-${encodeURIComponent('модель')} is a reasoning model and does not accept it.`)
  })
})
