/**
 * Secrets never reach a client: a hostile upstream (echo-upstream.ts) echoes the
 * key it received everywhere it can — error bodies, SSE error events, stream
 * bytes cut in the middle of the key, text deltas, response headers, model
 * lists, token counts — and every front end, streaming or not, pass-through or
 * translated, must answer without any piece of any secret; so must the logs.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { REDACTED, secretForms } from '../../src/security/redactor'
import { startEchoUpstream, type EchoUpstream } from './echo-upstream'

/** Every secret the gateway holds, none of them in a shape the old pattern masks knew. */
const KEYS = {
  openai: 'oai-Upstream-7f3a9c2e1b0d55',
  // A backslash (JSON escapes it) and / + = (URL-encoding changes them).
  responses: 'resp\\Upstream/4d2c+9e=Q1',
  anthropic: 'ant-Upstream-x81bq2wz93kd',
  gemini: 'gem/Upstream+Key=7q2w9e',
  extra: 'env-endpoint-key-5b6c7d8e',
  file: 'config-file-key-1a2b3c4d',
  late: 'registry-key-9z8y7x6w5v',
  client: 'client-key-secret-42abcd',
  admin: 'admin-key-secret-77efgh',
}

/** Every 10-character piece of every form of every secret: none may show, not even half a key. */
const PIECES = Object.values(KEYS).flatMap((k) =>
  secretForms(k).flatMap((form) => Array.from({ length: form.length - 9 }, (_, i) => form.slice(i, i + 10))),
)

function leaks(text: string): string[] {
  return PIECES.filter((p) => text.includes(p))
}

let upstream: EchoUpstream
let gw: NodeGateway
const logged: string[] = []

beforeAll(async () => {
  for (const m of ['log', 'error', 'warn', 'info', 'debug'] as const)
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (a instanceof Error ? `${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
    })
  upstream = await startEchoUpstream()
  const u = upstream.url
  gw = await startGateway(
    {
      PROXY_API_KEYS: KEYS.client,
      ADMIN_API_KEY: KEYS.admin,
      OPENAI_API_KEY: KEYS.openai,
      OPENAI_BASE_URL: `${u}/v1`,
      OPENAI_RESPONSES_API_KEY: KEYS.responses,
      OPENAI_RESPONSES_BASE_URL: `${u}/v1`,
      ANTHROPIC_API_KEY: KEYS.anthropic,
      ANTHROPIC_BASE_URL: u,
      GEMINI_API_KEY: KEYS.gemini,
      GEMINI_BASE_URL: u,
      LLM_PROXY_ENDPOINT_EXTRA_URL: `${u}/v1`,
      LLM_PROXY_ENDPOINT_EXTRA_KEY: KEYS.extra,
      LOG_LEVEL: 'debug',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    },
    '127.0.0.1',
    0,
    { endpoints: [{ id: 'fromfile', url: `${u}/v1`, key: KEYS.file }] },
  )
})

afterAll(async () => {
  await gw?.close()
  await upstream?.close()
  vi.restoreAllMocks()
})

interface Got {
  status: number
  /** Status line, headers and body, as the client got them. */
  everything: string
  body: string
}

async function request(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<Got> {
  const res = await fetch(`${gw.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${init.key ?? KEYS.client}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const body = await res.text()
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')
  return { status: res.status, body, everything: `${res.status} ${res.statusText}\n${headers}\n\n${body}` }
}

function expectClean(got: Got, redactedShows = true): void {
  expect(leaks(got.everything), got.everything.slice(0, 2000)).toEqual([])
  if (redactedShows) expect(got.everything).toContain(REDACTED)
}

type FrontId = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini'

const FRONTS: Array<{ id: FrontId; call(selector: string, stream: boolean, arrayStream?: boolean): Promise<Got> }> = [
  {
    id: 'openai-chat',
    call: (model, stream) => request('/v1/chat/completions', { body: { model, stream, messages: [{ role: 'user', content: 'hi' }] } }),
  },
  { id: 'openai-responses', call: (model, stream) => request('/v1/responses', { body: { model, stream, input: 'hi' } }) },
  {
    id: 'anthropic',
    call: (model, stream) => request('/v1/messages', { body: { model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] } }),
  },
  {
    id: 'gemini',
    call: (model, stream, arrayStream) =>
      request(`/v1beta/models/${model}:${stream ? `streamGenerateContent${arrayStream ? '' : '?alt=sse'}` : 'generateContent'}`, {
        body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      }),
  },
]

/** Back ends by the protocol they speak (each has its own key). */
const BACKS: Array<{ id: string; protocol: FrontId }> = [
  { id: 'openai', protocol: 'openai-chat' },
  { id: 'openai-responses', protocol: 'openai-responses' },
  { id: 'anthropic', protocol: 'anthropic' },
  { id: 'gemini', protocol: 'gemini' },
]

/** A stored Responses answer (GET /v1/responses/{id}); the store is written as the stream ends, so it may take a moment. */
async function stored(got: Got): Promise<Got> {
  const id = /"id":"(resp_[A-Za-z0-9_-]+)"/.exec(got.body)?.[1]
  expect(id, got.body.slice(0, 500)).toBeDefined()
  for (let i = 0; ; i++) {
    const res = await request(`/v1/responses/${id}`)
    if (res.status === 200 || i === 100) return res
    await new Promise((r) => setTimeout(r, 10))
  }
}

for (const front of FRONTS) {
  describe(`${front.id} front end`, () => {
    for (const back of BACKS) {
      const mode = back.protocol === front.id ? 'pass-through' : 'translated'
      const sel = (behaviour: string) => `${back.id}:${behaviour}`

      it(`→ ${back.id} (${mode}): an upstream JSON error echoing the key, in its body and headers`, async () => {
        for (const stream of [false, true]) {
          const got = await front.call(sel('json-error'), stream)
          expect(got.status).toBe(502) // the upstream refused the gateway's key (upstream_auth)
          expectClean(got)
        }
      })

      it(`→ ${back.id} (${mode}): an upstream error message cut short in the middle of the key`, async () => {
        const got = await front.call(sel('long-error'), false)
        expect(got.status).toBe(400)
        expectClean(got, false)
      })

      it(`→ ${back.id} (${mode}): an answer carrying the key in its text and headers`, async () => {
        for (const stream of [false, true]) {
          const got = await front.call(sel('ok'), stream)
          expect(got.status).toBe(200)
          expectClean(got)
          if (front.id === 'openai-responses') expectClean(await stored(got))
        }
      })

      it(`→ ${back.id} (${mode}): an SSE error event mid-stream echoing the key`, async () => {
        const got = await front.call(sel('sse-error'), true)
        expect(got.status).toBe(200)
        expect(got.body).toContain('Hello.')
        expectClean(got)
      })

      it(`→ ${back.id} (${mode}): stream bytes cut in the middle of the key`, async () => {
        const got = await front.call(sel('split'), true)
        expect(got.status).toBe(200)
        expect(got.body).toMatch(/Your key is/)
        expectClean(got)
        if (front.id === 'gemini') expectClean(await front.call(sel('split'), true, true))
      })

      if (mode === 'translated')
        it(`→ ${back.id} (translated): the key split across two text deltas`, async () => {
          const got = await front.call(sel('split-deltas'), true)
          expect(got.status).toBe(200)
          expect(got.body).toContain('(split)')
          expectClean(got)
        })
    }
  })
}

describe('other answers that carry upstream text', () => {
  it('token counts, forwarded (their answer and errors)', async () => {
    const body = { model: 'anthropic:ok', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }
    expectClean(await request('/v1/messages/count_tokens', { body }))
    const failed = await request('/v1/messages/count_tokens', { body: { ...body, model: 'anthropic:json-error' } })
    expect(failed.status).toBe(502) // the upstream refused the gateway's key (upstream_auth)
    expectClean(failed)
    expectClean(await request('/v1beta/models/gemini:ok:countTokens', { body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } }))
    expectClean(await request('/v1/responses/input_tokens', { body: { model: 'openai-responses:ok', input: 'hi' } }))
  })

  it('a stored Responses turn is kept without keys: a follow-up through another back end does not carry them upstream', async () => {
    const first = await FRONTS[1]!.call('anthropic:ok', false)
    expect(first.status).toBe(200)
    const id = /"id":"(resp_[A-Za-z0-9_-]+)"/.exec(first.body)![1]
    const next = await request('/v1/responses', { body: { model: 'openai:ok', input: 'and now?', previous_response_id: id } })
    expect(next.status).toBe(200)
    const sent = await (await fetch(`${upstream.url}/__last`)).text()
    expect(sent).toContain('and now?') // the follow-up did go upstream…
    expect(sent).toContain(REDACTED) // …with the first answer replayed, its key removed
    expect(sent).not.toContain(KEYS.anthropic)
  })

  it('model lists, live from every back end (each lists a model named after its key)', async () => {
    for (const path of ['/v1/models', '/anthropic/v1/models', '/v1beta/models']) {
      const got = await request(path)
      expect(got.status).toBe(200)
      for (const id of ['openai', 'anthropic', 'gemini', 'extra', 'fromfile']) expect(got.body).toContain(`${id}:m-${REDACTED}`)
      expectClean(got)
    }
  })

  it('endpoints from the config file and LLM_PROXY_ENDPOINT_* variables', async () => {
    for (const id of ['extra', 'fromfile']) {
      const got = await FRONTS[0]!.call(`${id}:json-error`, false)
      expect(got.status).toBe(502) // the upstream refused the gateway's key (upstream_auth)
      expectClean(got)
    }
  })

  it('an endpoint added through the registry API: its key is redacted from then on, the registry answers too', async () => {
    const added = await request('/api/v1/registry', {
      key: KEYS.admin,
      body: { id: 'late', url: `${upstream.url}/v1`, key: KEYS.late, models: [`m-${KEYS.late}`] },
    })
    expect(added.status).toBe(201)
    expectClean(added)
    expectClean(await request('/api/v1/registry', { key: KEYS.admin }))
    for (const stream of [false, true]) {
      const got = await FRONTS[0]!.call('late:json-error', stream)
      expect(got.status).toBe(502) // the upstream refused the gateway's key (upstream_auth)
      expectClean(got)
    }
    expectClean(await FRONTS[2]!.call('late:split-deltas', true))
  })

  it('the client and admin keys, wherever a request echoes them back', async () => {
    const notFound = await request(`/nothing/${KEYS.client}/${KEYS.admin}`)
    expect(notFound.status).toBe(404)
    expectClean(notFound)
    // The model name goes upstream, which echoes it back; and it is logged.
    const got = await FRONTS[0]!.call(`openai:ok-${KEYS.admin}`, false)
    expect(got.status).toBe(200)
    expectClean(got)
  })

  it('logs: every line the gateway printed during these tests is free of secrets', () => {
    const all = logged.join('\n')
    expect(all).toContain('json-error') // the gateway did log the requests above…
    expect(all).toContain(`model=ok-${REDACTED}`) // …and redacted the admin key a client put in a model name
    expect(leaks(all)).toEqual([])
  })
})
