/**
 * Fuzz: valid client requests, hostile upstream answers. Every front end ×
 * every back end protocol, streaming or not, with the upstream's answer a
 * mutated valid one (wrong types, prototype names, nulls, deep nesting, events
 * dropped, repeated or cut short, garbage). Whatever comes back: never a 500
 * (a 502 says the upstream spoke nonsense), the front end's error shape, a
 * stream that ends, and no configured secret.
 *
 * FUZZ_SEED and FUZZ_RUNS as in front-ends.fuzz.test.ts (a quarter of the runs here).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import type { UpstreamRequest } from '../../src/upstream/transport'
import { FAKE_ENV, fakeTransport, JSON_REPLY, post, SECRETS, SSE } from '../helpers/fake-transport'
import { mutate, mutation, serialise } from './hostile'

const RUNS = Math.max(50, Math.round(Number(process.env.FUZZ_RUNS ?? 1000) / 4))
const SEED = Number(process.env.FUZZ_SEED ?? 20260905)
const HANG_MS = 5000

type Wire = keyof typeof SSE

/** An answer the fuzzer made, handed to the one request that asked for it. */
let next: { status: number; contentType: string; body: string } | undefined
const { transport } = fakeTransport((_req: UpstreamRequest) => {
  const a = next
  next = undefined
  return a && new Response(a.body, { status: a.status, headers: { 'content-type': a.contentType } })
})
const app = createApp({ transport, env: FAKE_ENV })

const BACKENDS: Record<string, Wire> = { 'openai:gpt-4.1': 'chat', 'anthropic:claude-x': 'anthropic', 'gemini:gemini-x': 'gemini', 'openai-responses:gpt-5': 'responses' }

const user = [{ role: 'user', content: 'weather?' }]
const FRONTS = [
  { shape: 'openai', path: '/v1/chat/completions', body: (model: string, stream: boolean) => ({ model, stream, messages: user, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] }) },
  { shape: 'openai', path: '/v1/responses', body: (model: string, stream: boolean) => ({ model, stream, input: 'weather?', tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }] }) },
  { shape: 'anthropic', path: '/v1/messages', body: (model: string, stream: boolean) => ({ model, stream, max_tokens: 50, messages: user, tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }] }) },
  {
    shape: 'gemini',
    path: '',
    body: () => ({ contents: [{ role: 'user', parts: [{ text: 'weather?' }] }], tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] }] }),
  },
] as const

/** The SSE events of a recorded answer, each `event`/`data` block as it was. */
const EVENTS: Record<Wire, string[]> = Object.fromEntries(Object.entries(SSE).map(([k, text]) => [k, text.split(/\n\n+/).filter(Boolean)])) as never

function mutateEvent(block: string, mutations: Parameters<typeof mutate>[1]): string {
  return block.replace(/^data: (.*)$/m, (line, data: string) => {
    try {
      return `data: ${serialise(mutate(JSON.parse(data), mutations))}`
    } catch {
      return line
    }
  })
}

const answer = fc.record({
  kind: fc.constantFrom('json', 'sse', 'sse', 'garbage'),
  mutations: fc.array(mutation, { maxLength: 3 }),
  /** Which events to mutate, drop or repeat, and where to cut the stream. */
  eventEdits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('mutate', 'drop', 'repeat') }), { maxLength: 3 }),
  cut: fc.option(fc.nat(), { freq: 4 }),
  garbage: fc.constantFrom('', 'null', '[]', '{', 'data: {"x":1}\n\n', '<html>oops</html>', '\u0000\u0001', 'data: [DONE]\n\n', 'event: error\ndata: {}\n\n'),
  status: fc.constantFrom(200, 200, 200, 200, 201, 204, 400, 404, 429, 502),
})

type Answer = typeof answer extends fc.Arbitrary<infer T> ? T : never

function build(wire: Wire, a: Answer): { status: number; contentType: string; body: string } {
  if (a.kind === 'garbage') return { status: a.status, contentType: a.status === 200 ? 'text/event-stream' : 'application/json', body: a.garbage }
  if (a.kind === 'json') return { status: a.status, contentType: 'application/json', body: serialise(mutate(JSON_REPLY[wire], a.mutations)) }
  let events = [...EVENTS[wire]]
  for (const e of a.eventEdits) {
    const i = e.at % events.length
    if (e.op === 'drop') events.splice(i, 1)
    else if (e.op === 'repeat') events.splice(i, 0, events[i]!)
    else events[i] = mutateEvent(events[i]!, a.mutations)
    if (!events.length) events = ['data: {}']
  }
  let body = events.join('\n\n') + '\n\n'
  if (a.cut !== null) body = body.slice(0, a.cut % body.length)
  return { status: a.status, contentType: 'text/event-stream', body }
}

function expectErrorShape(shape: string, body: any, status: number): void {
  if (shape === 'openai') expect(body.error).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }))
  else if (shape === 'anthropic') expect(body).toEqual({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } })
  else expect(body).toEqual({ error: { code: status, message: expect.any(String), status: expect.any(String) } })
}

describe('fuzz: hostile upstream answers, every front end × back end', () => {
  it(`answers ${RUNS} requests whose upstream answered nonsense without a 500 or a hang`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(FRONTS.length - 1), fc.constantFrom(...Object.keys(BACKENDS)), fc.boolean(), answer, async (f, model, stream, a) => {
        const front = FRONTS[f]!
        next = build(BACKENDS[model]!, a)
        // Gemini streams as SSE with alt=sse, else as one JSON array.
        const action = stream ? `streamGenerateContent${a.status % 2 ? '' : '?alt=sse'}` : 'generateContent'
        const path = front.path || `/v1beta/models/${model}:${action}`
        let timer: ReturnType<typeof setTimeout> | undefined
        const hang = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no complete answer within ${HANG_MS} ms`)), HANG_MS)
        })
        const res = await Promise.race([
          (async () => {
            const r = await app.fetch(post(path, front.body(model, stream)))
            return { status: r.status, text: await r.text() }
          })(),
          hang,
        ]).finally(() => clearTimeout(timer))
        next = undefined
        if (res.status === 500) throw new Error(`a 500 though the upstream sent none: ${res.text.slice(0, 300)}`)
        for (const secret of Object.values(SECRETS)) expect(res.text).not.toContain(secret)
        if (res.status >= 400) expectErrorShape(front.shape, JSON.parse(res.text), res.status)
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
  }, 60_000)
})
