/**
 * Fuzz tests, one block per front end: thousands of hostile requests (mutated
 * captured client requests, random JSON, deep nesting, prototype names, hostile
 * model names, paths and headers) sent to the app in-process, with an upstream
 * that answers every well-formed call validly. For every input: never a 500,
 * the front end's own error shape for every error, an answer that completes,
 * and no configured secret in it.
 *
 * Seeded and reproducible: FUZZ_SEED picks the seed (a failure prints the seed
 * and path to replay it), FUZZ_RUNS the number of inputs per front end (1,000 by default).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { speaksAnthropic } from '../../src/http/client-family'
import { captured, FAKE_ENV, fakeTransport, SECRETS } from '../helpers/fake-transport'
import { headerSets, hostilePath, hostileValue, modelName, mutate, mutation, serialise } from './hostile'

/** No answer may take longer than this (the upstream is in-process and answers at once). */
const HANG_MS = 5000

export interface FuzzOptions {
  /** Inputs per front end. */
  runs: number
  seed: number
}

type Shape = 'openai' | 'anthropic' | 'gemini'

interface Template {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  /** A valid body (its `model` is replaced by the fuzzed one), or none for GET/DELETE. */
  body?: Record<string, unknown>
}

/** The error shape a client of each front end understands. */
function expectErrorShape(shape: Shape, body: any, status: number): void {
  if (shape === 'openai') {
    expect(body.error).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }))
    expect(Object.keys(body.error)).toEqual(expect.arrayContaining(['param', 'code']))
  } else if (shape === 'anthropic') {
    expect(body).toEqual({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } })
  } else {
    expect(body).toEqual({ error: { code: status, message: expect.any(String), status: expect.any(String) } })
  }
}

/**
 * Which shape a path's errors come in: the front end's own, by the path the client used; on
 * `/v1/models…`, which OpenAI and Anthropic clients both call, by the headers (speaksAnthropic).
 */
function shapeOf(path: string, headers: Record<string, string>): Shape {
  const p = new URL(path, 'http://gw').pathname.replace(/\/{2,}/g, '/')
  if (p.startsWith('/anthropic/') || p.startsWith('/v1/messages')) return 'anthropic'
  if (p.startsWith('/v1/models') && speaksAnthropic(new Headers(headers))) return 'anthropic'
  if (p.startsWith('/v1beta/')) return 'gemini'
  return 'openai'
}

function withModel(body: Record<string, unknown> | undefined, model: string): Record<string, unknown> | undefined {
  return body && 'model' in body ? { ...body, model } : body
}

/**
 * The four front ends' fuzz blocks, against an app whose upstream is the in-process fake
 * transport. Node runs them (test/fuzz/front-ends.fuzz.test.ts), and so does workerd
 * (test/workers/fuzz.test.ts), the runtime behind `wrangler dev` and a deployed Worker.
 */
export function defineFrontEndFuzz({ runs: RUNS, seed: SEED }: FuzzOptions): void {
const { transport, urls } = fakeTransport()
// Bare model names no back end lists go to Gemini, whose path carries the model: hostile names reach the path builder.
const app = createApp({ transport, env: { ...FAKE_ENV, DEFAULT_BACKEND: 'gemini' } })

async function send(input: {
  method: string
  path: string
  body?: string
  headers: Record<string, string>
}): Promise<{ status: number; text: string; headers: Headers }> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no complete answer within ${HANG_MS} ms`)), HANG_MS)
  })
  try {
    const run = async () => {
      const res = await app.fetch(new Request(`http://gw.test${input.path}`, { method: input.method, headers: input.headers, body: input.body }))
      return { status: res.status, text: await res.text(), headers: res.headers }
    }
    return await Promise.race([run(), hang])
  } finally {
    clearTimeout(timer)
  }
}

function fuzzFrontEnd(name: string, templates: Template[], geminiPath?: (model: string, base: string) => string) {
  describe(`fuzz: ${name} front end`, () => {
    it(`answers ${RUNS} hostile requests without a 500, in its own error shape, without secrets`, async () => {
      const arbitrary = fc
        .record({
          template: fc.integer({ min: 0, max: templates.length - 1 }),
          model: modelName,
          bodyKind: fc.constantFrom('mutated', 'mutated', 'mutated', 'mutated', 'random', 'raw'),
          mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }),
          random: hostileValue,
          raw: fc.oneof(fc.constantFrom('', '{', '[]', 'null', '{"model":', '\u0000', '{"__proto__":{"x":1}}', `{"a":${'['.repeat(20000)}`), fc.string({ maxLength: 30 })),
          headers: headerSets(SECRETS.client),
          auth: fc.constantFrom('authorization', 'authorization', 'x-api-key', 'x-goog-api-key', 'query'),
        })
        .chain((r) => {
          const model = r.model
          const t = templates[r.template]!
          const path = geminiPath ? geminiPath(model, t.path) : t.path
          return hostilePath(path).map((p) => ({ ...r, path: p }))
        })

      await fc.assert(
        fc.asyncProperty(arbitrary, async (input) => {
          const template = templates[input.template]!
          const headers: Record<string, string> = { ...input.headers }
          let path = input.path
          if (input.auth === 'authorization' && !('authorization' in headers)) headers.authorization = `Bearer ${SECRETS.client}`
          else if (input.auth === 'x-api-key') headers['x-api-key'] = SECRETS.client
          else if (input.auth === 'x-goog-api-key') headers['x-goog-api-key'] = SECRETS.client
          else if (input.auth === 'query') path += (path.includes('?') ? '&' : '?') + `key=${SECRETS.client}`
          let body: string | undefined
          if (template.method === 'POST') {
            headers['content-type'] ??= 'application/json'
            const base = withModel(template.body, input.model)
            body =
              input.bodyKind === 'mutated'
                ? serialise(mutate(base, input.mutations))
                : input.bodyKind === 'random'
                  ? serialise(input.random)
                  : input.raw
          }
          let url: URL
          try {
            url = new URL(path, 'http://gw.test')
          } catch {
            return // not a URL any client could send
          }
          const res = await send({ method: template.method, path: url.pathname + url.search, body, headers })
          expect(res.status, res.text.slice(0, 300)).not.toBe(500)
          expect(res.status).toBeGreaterThanOrEqual(200)
          for (const secret of Object.values(SECRETS)) {
            expect(res.text).not.toContain(secret)
            for (const [, v] of res.headers) expect(v).not.toContain(secret)
          }
          if (res.status >= 400) {
            let parsed: unknown
            try {
              parsed = JSON.parse(res.text)
            } catch {
              throw new Error(`error body is not JSON (${res.status}): ${res.text.slice(0, 200)}`)
            }
            expectErrorShape(shapeOf(path, headers), parsed, res.status)
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      )
      // The upstream was reached, so inputs got past validation, and only under each back end's base.
      expect(urls.length).toBeGreaterThan(RUNS / 20)
      for (const u of urls) expect(u).toMatch(/^http:\/\/upstream\.invalid\/(openai|responses|anthropic|gemini)\//)
      for (const u of urls) expect(new URL(u).pathname).toMatch(/^\/(openai\/v1|responses\/v1|anthropic\/v1|gemini\/v1beta)\//)
      // A Gemini model is exactly one path segment (tunedModels/ the one other form), whatever the client named.
      for (const u of urls.filter((u) => u.includes('/gemini/')))
        expect(new URL(u).pathname).toMatch(/^\/gemini\/v1beta\/(models|(models|tunedModels)\/[^/]+:(generateContent|streamGenerateContent|countTokens))$/)
      urls.length = 0
    }, 60_000)
  })
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const chat = captured('opencode-chat-completions')
const codex = captured('codex')
const claude = captured('claude')
const geminiCli = captured('gemini')

fuzzFrontEnd('OpenAI Chat Completions', [
  ...chat.map((c) => ({ method: 'POST' as const, path: '/v1/chat/completions', body: c.body })),
  { method: 'POST', path: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: { type: 'string' } } } } }] } },
  { method: 'GET', path: '/v1/models' },
])

fuzzFrontEnd('OpenAI Responses', [
  ...codex.map((c) => ({ method: 'POST' as const, path: '/v1/responses', body: c.body })),
  { method: 'POST', path: '/v1/responses', body: { model: 'm', input: 'hi', stream: false } },
  { method: 'POST', path: '/v1/responses/input_tokens', body: { model: 'm', input: 'hi' } },
  { method: 'GET', path: '/v1/responses/resp_123' },
  { method: 'DELETE', path: '/v1/responses/resp_123' },
])

fuzzFrontEnd('Anthropic Messages', [
  ...claude.map((c) => ({ method: 'POST' as const, path: '/v1/messages?beta=true', body: c.body })),
  { method: 'POST', path: '/anthropic/v1/messages', body: { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } },
  { method: 'POST', path: '/v1/messages/count_tokens', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } },
  { method: 'GET', path: '/anthropic/v1/models' },
])

fuzzFrontEnd(
  'Gemini',
  [
    ...geminiCli.map((c) => ({ method: 'POST' as const, path: 'streamGenerateContent?alt=sse', body: c.body })),
    { method: 'POST', path: 'generateContent', body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } },
    { method: 'POST', path: 'streamGenerateContent', body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } },
    { method: 'POST', path: 'countTokens', body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } },
    { method: 'GET', path: '' },
  ],
  // The model travels in the path, escaped or not, as clients send it.
  (model, action) => {
    const m = model.length % 2 && !LONE_SURROGATE.test(model) ? encodeURIComponent(model) : model
    return action ? `/v1beta/models/${m}:${action}` : `/v1beta/models/${m}`
  },
)
}
