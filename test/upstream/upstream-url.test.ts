/**
 * The upstream URL is the gateway's, not the client's: hostile model names
 * (dot segments, `#`, `?`, control characters, encoded slashes) and client query
 * strings, sent through every protocol's back end, checked against the path the
 * fake upstream on loopback actually received (real HTTP, so any normalisation
 * the HTTP client does happens too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { startFakeUpstream, type FakeUpstream } from '../integration/fake-upstream'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const CLIENT_KEY = 'client-key-url'
let counter = 0

function gateway() {
  const id = `url-${counter++}`
  const base = upstream.baseFor(id)
  const app = createApp({
    env: {
      PROXY_API_KEYS: CLIENT_KEY,
      OPENAI_API_KEY: 'sk-url-openai',
      OPENAI_BASE_URL: `${base}/v1`,
      OPENAI_RESPONSES_API_KEY: 'sk-url-openai',
      OPENAI_RESPONSES_BASE_URL: `${base}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-url',
      ANTHROPIC_BASE_URL: base,
      GEMINI_API_KEY: 'AIza-url',
      GEMINI_BASE_URL: base,
      AZURE_OPENAI_API_KEY: 'azure-url-key',
      AZURE_OPENAI_BASE_URL: base,
      LOG_LEVEL: 'silent',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    },
  })
  return {
    send: (path: string, body: unknown) =>
      app.fetch(
        new Request(`http://gw.test${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
          body: JSON.stringify(body),
        }),
      ),
    /** The paths (with query) the upstream received for this gateway. */
    received: () => upstream.requests(id).map((r) => r.path),
  }
}

const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })
const gemini = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }

/** Model names that try to steer a path-carried model elsewhere: each must be refused with a 400 naming it. */
const REFUSED = [
  '../../v1beta/files',
  'models/../../v1beta/cachedContents',
  'tunedModels/../../x',
  'a/./b',
  '..',
  'x#fragment',
  'x\u0000y',
  'x\r\nHost: evil.example',
  'a//b',
  '/leading',
  'trailing/',
  'back\\slash',
  'lone\ud800surrogate',
]

describe('hostile model names never leave the upstream path', () => {
  for (const backend of ['gemini', 'openai', 'anthropic', 'openai-responses', 'azure-openai']) {
    it(`${backend}: unsafe names are a 400 naming the model, and nothing goes upstream`, async () => {
      const gw = gateway()
      for (const model of REFUSED) {
        const res = await gw.send('/v1/chat/completions', chat(`${backend}:${model}`))
        expect(res.status, model).toBe(400)
        const err = (await res.json()).error
        expect(err.param).toBe('model')
        expect(err.message).toContain(JSON.stringify(model).slice(1, 6))
      }
      expect(gw.received()).toEqual([])
    })
  }

  it('gemini (upstream): the model is one encoded path segment, models/ and tunedModels/ are Gemini’s own forms', async () => {
    const gw = gateway()
    const cases: Array<[string, string]> = [
      ['gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['models/gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['tunedModels/my-tuned-1', '/v1beta/tunedModels/my-tuned-1:generateContent'],
      ['qwen/qwen3-coder', '/v1beta/models/qwen%2Fqwen3-coder:generateContent'],
      ['a%2F..%2Fb', '/v1beta/models/a%252F..%252Fb:generateContent'],
      ['x:y', '/v1beta/models/x%3Ay:generateContent'],
      ['sp ace', '/v1beta/models/sp%20ace:generateContent'],
      ['...', '/v1beta/models/...:generateContent'],
      ['modèle', '/v1beta/models/mod%C3%A8le:generateContent'],
    ]
    for (const [model] of cases) expect((await gw.send('/v1/chat/completions', chat(`gemini:${model}`))).status, model).toBe(200)
    expect(gw.received()).toEqual(cases.map(([, path]) => path))
  })

  it('gemini front end → gemini: a path model, escaped or not, reaches the upstream as one segment', async () => {
    const gw = gateway()
    for (const path of [
      '/v1beta/models/gemini:qwen%2Fqwen3-coder:generateContent',
      '/v1beta/models/gemini%3Aa%2F..%2F..%2Fx:generateContent',
      '/v1beta/models/gemini:x%23y:generateContent',
      '/v1beta/models/gemini:x%3Fkey%3D1:generateContent',
      '/v1beta/models/gemini:x%00:generateContent',
      '/v1beta/models/gemini:%E0%A4%A:generateContent',
      '/v1beta/models/gemini:%zz:generateContent',
      '/v1beta/models/gemini:tunedModels%2Fmine:countTokens',
      '/v1beta/models/gemini:models%2F..%2F..%2Fx:countTokens',
    ]) {
      const res = await gw.send(path, gemini)
      if (res.status !== 200) {
        expect(res.status, path).toBe(400)
        expect(await res.json()).toEqual({ error: { code: 400, message: expect.any(String), status: 'INVALID_ARGUMENT' } })
      }
    }
    expect(gw.received()).toEqual([
      '/v1beta/models/qwen%2Fqwen3-coder:generateContent',
      '/v1beta/tunedModels/mine:countTokens',
    ])
  })

  it('gemini countTokens: a nested generateContentRequest names the upstream model once, in Gemini’s form', async () => {
    const gw = gateway()
    const count = (path: string) => gw.send(path, { generateContentRequest: { model: 'models/client-said', ...gemini } })
    expect((await count('/v1beta/models/gemini:models%2Fgemini-2.5-flash:countTokens')).status).toBe(200)
    expect((await count('/v1beta/models/gemini:tunedModels%2Fmine:countTokens')).status).toBe(200)
    expect((await count('/v1beta/models/gemini:gemini-x:countTokens')).status).toBe(200)
    expect(upstream.requests(`url-${counter - 1}`).map((r) => [r.path, r.body.generateContentRequest.model])).toEqual([
      ['/v1beta/models/gemini-2.5-flash:countTokens', 'models/gemini-2.5-flash'],
      ['/v1beta/tunedModels/mine:countTokens', 'tunedModels/mine'],
      ['/v1beta/models/gemini-x:countTokens', 'models/gemini-x'],
    ])
  })

  it('openai, anthropic, responses: the model travels in the body; the path is the protocol’s', async () => {
    const gw = gateway()
    const odd = ['qwen/qwen3-coder', 'llama3:8b', 'x%2Fy', 'sp ace']
    for (const model of odd) {
      expect((await gw.send('/v1/chat/completions', chat(`openai:${model}`))).status).toBe(200)
      expect((await gw.send('/v1/chat/completions', chat(`anthropic:${model}`))).status).toBe(200)
      expect((await gw.send('/v1/chat/completions', chat(`openai-responses:${model}`))).status).toBe(200)
    }
    expect(gw.received()).toEqual(odd.flatMap(() => ['/v1/chat/completions', '/v1/messages', '/v1/responses']))
    expect(upstream.requests(`url-${counter - 1}`).map((r) => r.body.model)).toEqual(odd.flatMap((m) => [m, m, m]))
  })

  it('azure-openai: the deployment is one encoded segment of its path template', async () => {
    const gw = gateway()
    for (const model of ['gpt-4o', 'a/b', 'x:y'])
      expect((await gw.send('/v1/chat/completions', chat(`azure-openai:${model}`))).status, model).toBe(200)
    expect(gw.received()).toEqual([
      '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
      '/openai/deployments/a%2Fb/chat/completions?api-version=2024-10-21',
      '/openai/deployments/x%3Ay/chat/completions?api-version=2024-10-21',
    ])
  })
})

describe('the client query string on pass-through', () => {
  it('is re-encoded, loses the client key and alt, and cannot override a parameter the path sets', async () => {
    const gw = gateway()
    const q = '?api-version=evil&x=%2F..%2F&key=secret&alt=json&$alt=json&y=a%23b&%zz=1'
    expect((await gw.send(`/v1/chat/completions${q}`, chat('azure-openai:gpt-4o'))).status).toBe(200)
    expect((await gw.send(`/v1/messages${q}`, { ...chat('anthropic:claude-x'), max_tokens: 5 })).status).toBe(200)
    expect((await gw.send(`/v1beta/models/gemini:gemini-x:streamGenerateContent${q}`, gemini)).status).toBe(200)
    const [azure, anthropic, gem] = gw.received()
    expect(azure).toBe('/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21&x=%2F..%2F&y=a%23b&%25zz=1')
    expect(anthropic).toBe('/v1/messages?api-version=evil&x=%2F..%2F&y=a%23b&%25zz=1')
    expect(gem).toBe('/v1beta/models/gemini-x:streamGenerateContent?alt=sse&api-version=evil&x=%2F..%2F&y=a%23b&%25zz=1')
  })
})
