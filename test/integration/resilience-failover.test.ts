import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIENT, chat, rig, type Rig } from './resilience-harness'
import { startScriptedUpstream, type ScriptAction, type ScriptedUpstream } from './scripted-upstream'

/**
 * Failover end to end (Node adapter → scripted upstream): `a|b` chains for
 * every trigger and every front end, streaming and not; client errors that
 * do not fail over; the circuit breaker; weighted choice and named routes;
 * streams that end before or after their first event.
 */
let up: ScriptedUpstream
let deadPort: number
beforeAll(async () => {
  up = await startScriptedUpstream()
  // A port that was free a moment ago and is closed now: connections to it are refused.
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  deadPort = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
})
afterAll(() => up.close())

const CHAIN = 'openai:gpt-4.1|anthropic:claude-sonnet-4-5'
// A high breaker threshold, so that every request of a matrix tries the failing entry first.
const NO_BREAKER = { CIRCUIT_FAILURES: '1000' }

type Front = 'chat' | 'responses' | 'messages' | 'gemini'
const FRONTS: Front[] = ['chat', 'responses', 'messages', 'gemini']

function send(r: Rig, front: Front, model: string, stream: boolean): Promise<Response> {
  switch (front) {
    case 'chat':
      return r.post('/v1/chat/completions', chat(model, 'hi', { stream }))
    case 'responses':
      return r.post('/v1/responses', { model, input: 'hi', stream, store: false })
    case 'messages':
      return r.post('/v1/messages', { model, max_tokens: 50, stream, messages: [{ role: 'user', content: 'hi' }] })
    case 'gemini':
      return r.post(`/v1beta/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      })
  }
}

/** The answer's text, whatever the front end, checking it is a complete answer. */
async function answerText(front: Front, stream: boolean, res: Response): Promise<string> {
  const raw = await res.text()
  if (!stream) {
    const b = JSON.parse(raw)
    if (front === 'chat') return b.choices[0].message.content
    if (front === 'responses') return b.output.flatMap((o: any) => o.content ?? []).map((c: any) => c.text).join('')
    if (front === 'messages') return b.content.map((c: any) => c.text).join('')
    return b.candidates[0].content.parts.map((p: any) => p.text).join('')
  }
  expect(raw).not.toMatch(/"error":\s*\{|event: error/)
  if (front === 'chat') expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true)
  if (front === 'responses') expect(raw).toContain('response.completed')
  if (front === 'messages') expect(raw).toContain('message_stop')
  if (front === 'gemini') expect(raw).toContain('finishReason')
  // The streamed text pieces, in order (chat `content`, Messages and Gemini `text`, Responses `delta`).
  let text = ''
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key === 'content' || key === 'text' || key === 'delta') text += v
    } else if (Array.isArray(v)) v.forEach((x) => walk(x))
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'response') walk(x, k)
  }
  for (const line of raw.split('\n')) if (line.startsWith('data: {')) walk(JSON.parse(line.slice(6)))
  return text
}

describe('failover a|b', () => {
  const triggers: Array<[string, Record<string, string>, ScriptAction | undefined]> = [
    ['a 500', {}, { do: 'status', status: 500 }],
    ['a 503', {}, { do: 'status', status: 503 }],
    ['a connection reset', {}, { do: 'reset' }],
    ['an unreachable port', { OPENAI_BASE_URL: 'dead' }, undefined],
  ]
  for (const [what, env, action] of triggers)
    it(`OpenAI answering ${what}: every front end, streaming and not, is served by Anthropic`, async () => {
      const r = await rig(up, { ...NO_BREAKER, ...(env.OPENAI_BASE_URL ? { OPENAI_BASE_URL: `http://127.0.0.1:${deadPort}/v1` } : {}) })
      try {
        if (action) up.script([{ path: '/chat/completions', action }], r.scope)
        for (const front of FRONTS)
          for (const stream of [false, true]) {
            const label = `${front} ${stream ? 'stream' : 'json'}`
            const before = up.requests(r.scope).length
            const res = await send(r, front, CHAIN, stream)
            expect(res.status, label).toBe(200)
            expect(res.headers.get('x-gateway-route'), label).toMatch(/^anthropic:claude-sonnet-4-5; key=/)
            expect(res.headers.get('x-gateway-attempts'), label).toMatch(/^2; openai:gpt-4\.1=\w+, anthropic:claude-sonnet-4-5=200$/)
            const text = await answerText(front, stream, res)
            expect(text, label).toContain('anthropic')
            const log = up.requests(r.scope).slice(before)
            expect(log.map((q) => q.model), label).toEqual(action ? ['gpt-4.1', 'claude-sonnet-4-5'] : ['claude-sonnet-4-5'])
          }
      } finally {
        await r.gw.close()
      }
    })

  it('the official SDKs take the failed-over answers (OpenAI streaming, Gemini and Anthropic JSON)', async () => {
    const r = await rig(up, NO_BREAKER)
    try {
      up.script([{ path: '/chat/completions', action: { do: 'status', status: 500 } }], r.scope)
      const openai = new OpenAI({ baseURL: `${r.gw.url}/v1`, apiKey: CLIENT, maxRetries: 0 })
      const { data: stream, response } = await openai.chat.completions
        .create({ model: CHAIN, messages: [{ role: 'user', content: 'hi' }], stream: true })
        .withResponse()
      expect(response.headers.get('x-gateway-route')).toMatch(/^anthropic:/)
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
      expect(text).toContain('anthropic')

      const gemini = new GoogleGenAI({ apiKey: CLIENT, httpOptions: { baseUrl: r.gw.url } })
      const g = await gemini.models.generateContent({ model: CHAIN, contents: 'hi' })
      expect(g.text).toContain('anthropic')

      const anthropic = new Anthropic({ baseURL: r.gw.url, apiKey: CLIENT, maxRetries: 0 })
      const msg = await anthropic.messages.create({ model: CHAIN, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      expect(msg.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('anthropic') })
    } finally {
      await r.gw.close()
    }
  })

  it('an upstream context-length refusal fails over to the next entry', async () => {
    const r = await rig(up, NO_BREAKER)
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'context-length' } }], r.scope)
      for (const stream of [false, true]) {
        const res = await send(r, 'chat', CHAIN, stream)
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:claude-sonnet-4-5/)
        expect(await answerText('chat', stream, res)).toContain('anthropic')
      }
      expect(up.requests(r.scope).map((q) => q.action)).toEqual(['context-length', 'ok', 'context-length', 'ok'])
    } finally {
      await r.gw.close()
    }
  })

  it("a 400 that is the client's fault does not fail over: it is returned as it is", async () => {
    const r = await rig(up, NO_BREAKER)
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'status', status: 400, message: 'Invalid value for temperature.' } }], r.scope)
      const res = await send(r, 'chat', CHAIN, false)
      expect(res.status).toBe(400)
      expect(((await res.json()) as any).error.message).toContain('Invalid value for temperature.')
      const m = await send(r, 'messages', CHAIN, true)
      expect(m.status).toBe(400)
      expect(await m.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('Invalid value for temperature.') } })
      expect(up.requests(r.scope).map((q) => q.model)).toEqual(['gpt-4.1', 'gpt-4.1'])
    } finally {
      await r.gw.close()
    }
  })
})

describe('timeouts fail over', () => {
  it('an upstream that sends nothing within UPSTREAM_TIMEOUT_MS, or no event after its headers within STREAM_IDLE_TIMEOUT_MS, is left for the next entry', async () => {
    const r = await rig(up, { ...NO_BREAKER, UPSTREAM_TIMEOUT_MS: '300', STREAM_IDLE_TIMEOUT_MS: '300' })
    try {
      up.script(
        [
          { model: 'gpt-4.1', times: 2, action: { do: 'stall' } },
          { model: 'gpt-4.1', action: { do: 'stall', headers: true } },
        ],
        r.scope,
      )
      for (const [front, stream] of [['chat', false], ['messages', true], ['chat', true]] as const) {
        const res = await send(r, front, CHAIN, stream)
        expect(res.status, front).toBe(200)
        expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:claude-sonnet-4-5/)
        expect(res.headers.get('x-gateway-attempts')).toMatch(/^2; openai:gpt-4\.1=timeout, /)
        expect(await answerText(front, stream, res)).toContain('anthropic')
      }
      expect(up.requests(r.scope).map((q) => q.action)).toEqual(['stall', 'ok', 'stall', 'ok', 'stall after headers', 'ok'])
    } finally {
      await r.gw.close()
    }
  })
})

describe('circuit breaker', () => {
  it('after CIRCUIT_FAILURES failures of a, the next request goes straight to b', async () => {
    const r = await rig(up, { CIRCUIT_FAILURES: '3', CIRCUIT_OPEN_S: '300' })
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'status', status: 500 } }], r.scope)
      for (let i = 0; i < 3; i++) {
        const res = await send(r, 'chat', CHAIN, false)
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-attempts')).toMatch(/^2; openai:gpt-4\.1=500, /)
        await res.arrayBuffer()
      }
      expect(up.requests(r.scope).filter((q) => q.model === 'gpt-4.1')).toHaveLength(3)
      for (let i = 0; i < 3; i++) {
        const res = await send(r, i === 1 ? 'messages' : 'chat', CHAIN, i === 2)
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:/)
        expect(res.headers.get('x-gateway-attempts')).toMatch(/openai:gpt-4\.1=circuit-open/)
        await res.arrayBuffer()
      }
      expect(up.requests(r.scope).filter((q) => q.model === 'gpt-4.1')).toHaveLength(3)
      const diag = (await (await r.get('/v1/diagnostics')).json()) as any
      expect(JSON.stringify(diag.backends.find((b: any) => b.id === 'openai').circuits)).toContain('gpt-4.1')
    } finally {
      await r.gw.close()
    }
  })

  it('past CIRCUIT_OPEN_S one request probes a; its success closes the circuit', async () => {
    const r = await rig(up, { CIRCUIT_FAILURES: '2', CIRCUIT_OPEN_S: '1' })
    try {
      up.script([{ model: 'gpt-4.1', times: 2, action: { do: 'status', status: 500 } }], r.scope)
      for (let i = 0; i < 3; i++) await (await send(r, 'chat', CHAIN, false)).arrayBuffer()
      // Two failures, then skipped.
      expect(up.requests(r.scope).map((q) => q.model)).toEqual(['gpt-4.1', 'claude-sonnet-4-5', 'gpt-4.1', 'claude-sonnet-4-5', 'claude-sonnet-4-5'])
      await new Promise((done) => setTimeout(done, 1100))
      const probe = await send(r, 'chat', CHAIN, false)
      expect(probe.headers.get('x-gateway-route')).toMatch(/^openai:gpt-4\.1/)
      await probe.arrayBuffer()
      const next = await send(r, 'chat', CHAIN, false)
      expect(next.headers.get('x-gateway-route')).toMatch(/^openai:gpt-4\.1/)
      await next.arrayBuffer()
      expect(up.requests(r.scope).slice(5).map((q) => [q.model, q.action])).toEqual([
        ['gpt-4.1', 'ok'],
        ['gpt-4.1', 'ok'],
      ])
    } finally {
      await r.gw.close()
    }
  })
})

describe('weighted choice and named routes', () => {
  it('[weight=1]a^[weight=1]b with one branch failing still serves every request', async () => {
    const r = await rig(up, NO_BREAKER)
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'status', status: 500 } }], r.scope)
      for (let i = 0; i < 20; i++) {
        const res = await send(r, 'chat', '[weight=1]openai:gpt-4.1^[weight=1]anthropic:claude-sonnet-4-5', false)
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:claude-sonnet-4-5/)
        await res.arrayBuffer()
      }
      const log = up.requests(r.scope)
      expect(log.filter((q) => q.model === 'claude-sonnet-4-5')).toHaveLength(20)
      // The failing branch was rolled first some of the time (1 in 2 each; never in 20 is one chance in a million), and then re-rolled away from.
      expect(log.some((q) => q.model === 'gpt-4.1')).toBe(true)
    } finally {
      await r.gw.close()
    }
  })

  it('a named route from ROUTES fails over too, in every front end', async () => {
    const r = await rig(up, { ...NO_BREAKER, ROUTES: JSON.stringify({ coding: ['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5'] }) })
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'status', status: 503 } }], r.scope)
      for (const front of FRONTS) {
        const res = await send(r, front, 'coding', front === 'gemini')
        expect(res.status, front).toBe(200)
        expect(res.headers.get('x-gateway-route'), front).toMatch(/^anthropic:claude-sonnet-4-5/)
        expect(await answerText(front, front === 'gemini', res)).toContain('anthropic')
      }
      expect(up.requests(r.scope).map((q) => q.model)).toEqual(Array(4).fill(['gpt-4.1', 'claude-sonnet-4-5']).flat())
    } finally {
      await r.gw.close()
    }
  })
})

describe('streams that end', () => {
  it('a stream whose upstream ends before its first event fails over', async () => {
    const r = await rig(up, NO_BREAKER)
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'empty' } }], r.scope)
      for (const front of ['chat', 'messages'] as const) {
        const res = await send(r, front, CHAIN, true)
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:/)
        expect(await answerText(front, true, res)).toContain('anthropic')
      }
      expect(up.requests(r.scope).map((q) => [q.model, q.action])).toEqual([
        ['gpt-4.1', 'empty'],
        ['claude-sonnet-4-5', 'ok'],
        ['gpt-4.1', 'empty'],
        ['claude-sonnet-4-5', 'ok'],
      ])
    } finally {
      await r.gw.close()
    }
  })

  it('a failure after the first event is an error event in the client\'s protocol, with no failover', async () => {
    const r = await rig(up, NO_BREAKER)
    try {
      up.script([{ model: 'gpt-4.1', action: { do: 'reset', afterEvents: 2 } }], r.scope)
      const res = await send(r, 'chat', CHAIN, true)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-route')).toMatch(/^openai:gpt-4\.1/)
      const text = await res.text()
      expect(text).toMatch(/data: \{"error":\{/)
      expect(text).not.toContain('[DONE]')
      const m = await send(r, 'messages', CHAIN, true)
      const mt = await m.text()
      expect(mt).toMatch(/event: error\ndata: \{"type":"error"/)
      expect(mt).not.toContain('message_stop')
      expect(up.requests(r.scope).map((q) => q.model)).toEqual(['gpt-4.1', 'gpt-4.1'])
    } finally {
      await r.gw.close()
    }
  })
})
