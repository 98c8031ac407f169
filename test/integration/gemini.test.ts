import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { listClientRequests, readClientRequest } from '../helpers/fixtures'
import { parseSseText } from '../helpers/streams'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { CLIENT_KEY, setup, UPSTREAM_KEYS } from './gateway-suite'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })
const post = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-goog-api-key': CLIENT_KEY },
  body: JSON.stringify(body),
})
const hello = { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] }

describe('Gemini routes', () => {
  it('a selector in the path works unescaped (split on the last colon) and escaped', async () => {
    const t = await setup(target())
    try {
      for (const path of ['/v1beta/models/anthropic:claude-test:generateContent', '/v1beta/models/anthropic%3Aclaude-test:generateContent']) {
        const res = await t.raw(path, post(hello))
        expect(res.status).toBe(200)
        expect((await res.json()).candidates[0].content.parts[0].text).toBe('Hello from anthropic!')
      }
      const reqs = await t.upstream()
      expect(reqs.map((r) => r.body.model)).toEqual(['claude-test', 'claude-test'])
    } finally {
      await t.gw.close()
    }
  })

  it('streamGenerateContent without alt=sse streams a JSON array', async () => {
    const t = await setup(target())
    try {
      const res = await t.raw('/v1beta/models/openai:gpt-test:streamGenerateContent', post(hello))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('application/json')
      const chunks = JSON.parse(await res.text())
      expect(Array.isArray(chunks)).toBe(true)
      expect(chunks.map((c: any) => c.candidates?.[0]?.content?.parts?.map((p: any) => p.text ?? '').join('') ?? '').join('')).toBe('Hello from openai!')
      expect(chunks.at(-1).candidates[0].finishReason).toBe('STOP')
    } finally {
      await t.gw.close()
    }
  })

  it('a key may come as ?key=, and never reaches the upstream', async () => {
    const t = await setup(target())
    try {
      const res = await t.raw(`/v1beta/models/gemini:gemini-test:streamGenerateContent?alt=sse&key=${CLIENT_KEY}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(hello),
      })
      expect(res.status).toBe(200)
      const events = parseSseText(await res.text())
      expect(events.length).toBeGreaterThan(1)
      const [req] = await t.upstream()
      expect(req.path).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse')
      expect(req.headers['x-goog-api-key']).toBe(UPSTREAM_KEYS.gemini)
      expect(JSON.stringify(req)).not.toContain(CLIENT_KEY)
    } finally {
      await t.gw.close()
    }
  })

  it('countTokens forwards to a Gemini back end and estimates for others', async () => {
    const t = await setup(target())
    try {
      const real = await t.gemini.models.countTokens({ model: 'gemini:gemini-test', contents: 'hello there' })
      expect(real.totalTokens).toBe(42)
      const estimated = await t.raw('/v1beta/models/openai:gpt-test:countTokens', post({ contents: [{ role: 'user', parts: [{ text: 'word '.repeat(400) }] }] }))
      expect(estimated.headers.get('x-gateway-estimate')).toBe('true')
      const { totalTokens } = await estimated.json()
      expect(totalTokens).toBeGreaterThan(300)
      expect(totalTokens).toBeLessThan(800)
      expect((await t.upstream()).map((r) => r.path)).toEqual(['/v1beta/models/gemini-test:countTokens'])
    } finally {
      await t.gw.close()
    }
  })

  it('lists models and gets one, in Gemini’s shape; errors are Gemini-shaped', async () => {
    const t = await setup(target(), { GEMINI_MODELS: 'gemini-x' })
    try {
      const pager = await t.gemini.models.list()
      const names = pager.page.map((m) => m.name)
      expect(names).toContain('models/gemini:gemini-x')
      const one = await t.raw('/v1beta/models/gemini:gemini-x', { headers: { 'x-goog-api-key': CLIENT_KEY } })
      expect((await one.json()).name).toBe('models/gemini:gemini-x')
      const missing = await t.raw('/v1beta/models/nope:nope', { headers: { 'x-goog-api-key': CLIENT_KEY } })
      expect(missing.status).toBe(404)
      expect((await missing.json()).error).toMatchObject({ code: 404, status: 'NOT_FOUND' })
      const bad = await t.raw('/v1beta/models/openai:gpt-test:generateContent', post({ contents: 'nope' }))
      expect(bad.status).toBe(400)
      expect((await bad.json()).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' })
    } finally {
      await t.gw.close()
    }
  })
})

describe('Gemini CLI', () => {
  for (const file of listClientRequests('gemini')) {
    for (const backend of ['anthropic:claude-test', 'openai:gpt-test']) {
      it(`${file} through ${backend.split(':')[0]}: tools, ids and history translated`, async () => {
        const t = await setup(target())
        try {
          const captured = readClientRequest('gemini', file)
          const res = await t.raw(`/v1beta/models/${backend}:streamGenerateContent?alt=sse`, post(captured.body))
          expect(res.status).toBe(200)
          const events = parseSseText(await res.text())
          expect(JSON.parse(events.at(-1)!.data).candidates[0].finishReason).toBeTruthy()
          const [req] = await t.upstream()
          const decls = captured.body.tools.flatMap((x: any) => x.functionDeclarations ?? [])
          const sent = backend.startsWith('anthropic') ? req.body.tools.map((x: any) => x.name) : req.body.tools.map((x: any) => x.function.name)
          expect(sent).toEqual(decls.map((d: any) => d.name))
          const calls = captured.body.contents.flatMap((c: any) => c.parts.filter((p: any) => p.functionCall))
          if (calls.length) {
            const body = JSON.stringify(req.body)
            for (const c of calls) expect(body).toContain(c.functionCall.name)
          }
        } finally {
          await t.gw.close()
        }
      })
    }
  }
})
