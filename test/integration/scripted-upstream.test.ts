import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseSseText } from '../helpers/streams'
import { SCRIPTED_USAGE, startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream'

/** The scriptable fake upstream does what each action says (it is what the resilience tests stand on). */
let up: ScriptedUpstream
beforeAll(async () => {
  up = await startScriptedUpstream()
})
afterAll(() => up.close())

type Proto = 'openai' | 'responses' | 'anthropic' | 'gemini'
/** A request in each protocol, with the key where that provider's SDK puts it. */
function request(scope: string, proto: Proto, opts: { key?: string; model?: string; stream?: boolean } = {}): [string, RequestInit] {
  const { key = 'k-default', model = 'm1', stream = false } = opts
  const base = up.baseFor(scope)
  const post = (url: string, headers: Record<string, string>, body: unknown): [string, RequestInit] => [
    url,
    { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
  ]
  const messages = [{ role: 'user', content: 'hi' }]
  switch (proto) {
    case 'openai':
      return post(`${base}/v1/chat/completions`, { authorization: `Bearer ${key}` }, { model, messages, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) })
    case 'responses':
      return post(`${base}/v1/responses`, { authorization: `Bearer ${key}` }, { model, input: 'hi', stream })
    case 'anthropic':
      return post(`${base}/v1/messages`, { 'x-api-key': key }, { model, messages, max_tokens: 100, stream })
    case 'gemini':
      return post(
        `${base}/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        { 'x-goog-api-key': key },
        { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      )
  }
}
const call = (scope: string, proto: Proto, opts: { key?: string; model?: string; stream?: boolean } = {}) => fetch(...request(scope, proto, opts))

/** Whether nothing settles `p` within `ms` (used only to see that a stall stalls). */
const stillPending = (p: Promise<unknown>, ms = 200) =>
  Promise.race([p.then(() => false, () => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))])

describe('normal answers', () => {
  it('answers every protocol, JSON and SSE, with usage', async () => {
    const usage = {
      openai: (b: any) => [b.usage.prompt_tokens, b.usage.completion_tokens],
      responses: (b: any) => [b.usage.input_tokens, b.usage.output_tokens],
      anthropic: (b: any) => [b.usage.input_tokens + b.usage.cache_read_input_tokens, b.usage.output_tokens],
      gemini: (b: any) => [b.usageMetadata.promptTokenCount, b.usageMetadata.candidatesTokenCount],
    }
    const got: string[] = []
    for (const proto of ['openai', 'responses', 'anthropic', 'gemini'] as const) {
      const res = await call('normal', proto)
      expect(res.status, proto).toBe(200)
      const json = await res.text()
      got.push(json)
      expect(usage[proto](JSON.parse(json))).toEqual([SCRIPTED_USAGE.input, SCRIPTED_USAGE.output])
      const streamed = await call('normal', proto, { stream: true })
      expect(streamed.headers.get('content-type')).toBe('text/event-stream')
      const text = await streamed.text()
      got.push(text)
      const events = parseSseText(text)
      expect(events.length, proto).toBeGreaterThan(2)
      expect(events.some((e) => /"(usage|usageMetadata)"/.test(e.data)), proto).toBe(true)
    }
    const log = up.requests('normal')
    expect(log.map((r) => [r.model, r.stream, r.key, r.action])).toEqual(
      Array.from({ length: 4 }, () => [['m1', false, 'k-default', 'ok'], ['m1', true, 'k-default', 'ok']]).flat(),
    )
    expect(log[6]!.path).toBe('/v1beta/models/m1:generateContent')
    expect(log[7]!.path).toBe('/v1beta/models/m1:streamGenerateContent?alt=sse')
    expect(typeof log[0]!.at).toBe('number')
    // What it sent is logged as it was sent.
    expect(log.map((r) => r.sent)).toEqual(got)
  })
})

describe('matching', () => {
  it('matches rules in order on key, model and path, each for its count', async () => {
    up.script(
      [
        { key: 'k1', times: 2, action: { do: 'status', status: 429 } },
        { model: 'm2', action: { do: 'status', status: 500 } },
        { path: '/v1/messages', times: 1, action: { do: 'status', status: 503 } },
        { key: 'k2', stream: true, action: { do: 'status', status: 401 } },
      ],
      'match',
    )
    const statuses = []
    for (const [proto, opts] of [
      ['openai', { key: 'k1' }], // rule 1
      ['gemini', { key: 'k1', model: 'm2' }], // rule 1, its last use
      ['gemini', { key: 'k1', model: 'm2' }], // rule 2
      ['anthropic', { key: 'k1' }], // rule 3, once
      ['anthropic', { key: 'k1' }], // nothing left: ok
      ['openai', { key: 'k2' }], // rule 4 wants a stream: ok
      ['openai', { key: 'k2', stream: true }], // rule 4
    ] as const)
      statuses.push((await call('match', proto, opts)).status)
    expect(statuses).toEqual([429, 429, 500, 503, 200, 200, 401])
    expect(up.requests('match').map((r) => r.action)).toEqual(['status 429', 'status 429', 'status 500', 'status 503', 'ok', 'ok', 'status 401'])
    // Another scope has its own script.
    expect((await call('other', 'openai', { key: 'k1' })).status).toBe(200)
  })

  it('reads the key from Bearer, x-api-key, x-goog-api-key and ?key=', async () => {
    up.script([{ key: 'secret-k', action: { do: 'status', status: 403 } }], 'keys')
    for (const proto of ['openai', 'anthropic', 'gemini'] as const) expect((await call('keys', proto, { key: 'secret-k' })).status).toBe(403)
    const res = await fetch(`${up.baseFor('keys')}/v1beta/models/m1:generateContent?key=secret-k`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(403)
    expect(up.requests('keys').map((r) => r.key)).toEqual(['secret-k', 'secret-k', 'secret-k', 'secret-k'])
  })

  it('reset forgets the script and the requests', async () => {
    up.script([{ action: { do: 'status', status: 500 } }], 'forget')
    expect((await call('forget', 'openai')).status).toBe(500)
    up.reset('forget')
    expect(up.requests('forget')).toEqual([])
    expect((await call('forget', 'openai')).status).toBe(200)
  })
})

describe('error statuses', () => {
  it('429 with retry-after in seconds, as an HTTP date, or none', async () => {
    const date = new Date(Date.UTC(2030, 0, 1))
    up.script(
      [
        { key: 'secs', action: { do: 'status', status: 429, retryAfter: 30 } },
        { key: 'date', action: { do: 'status', status: 429, retryAfter: date } },
        { key: 'none', action: { do: 'status', status: 429 } },
      ],
      'ra',
    )
    const secs = await call('ra', 'openai', { key: 'secs' })
    expect([secs.status, secs.headers.get('retry-after')]).toEqual([429, '30'])
    expect((await secs.json()).error.code).toBe('rate_limit_exceeded')
    const dated = await call('ra', 'anthropic', { key: 'date' })
    expect([dated.status, dated.headers.get('retry-after')]).toEqual([429, 'Tue, 01 Jan 2030 00:00:00 GMT'])
    expect((await dated.json()).error.type).toBe('rate_limit_error')
    const none = await call('ra', 'gemini', { key: 'none' })
    expect([none.status, none.headers.get('retry-after')]).toEqual([429, null])
    expect((await none.json()).error.status).toBe('RESOURCE_EXHAUSTED')
  })

  it('401, 402, 403, 500 and 503 in each protocol’s error shape', async () => {
    const shapes = {
      openai: (b: any) => typeof b.error.message === 'string' && 'code' in b.error && typeof b.error.type === 'string',
      responses: (b: any) => typeof b.error.message === 'string' && typeof b.error.type === 'string',
      anthropic: (b: any) => b.type === 'error' && typeof b.error.type === 'string',
      gemini: (b: any) => typeof b.error.code === 'number' && typeof b.error.status === 'string',
    }
    for (const status of [401, 402, 403, 500, 503]) {
      up.script([{ action: { do: 'status', status } }], `s${status}`)
      for (const proto of ['openai', 'responses', 'anthropic', 'gemini'] as const) {
        const res = await call(`s${status}`, proto, { stream: true })
        expect(res.status).toBe(status)
        expect(shapes[proto](await res.json()), `${proto} ${status}`).toBe(true)
      }
    }
  })

  it('a context-length refusal in each protocol’s own words', async () => {
    up.script([{ action: { do: 'context-length' } }], 'ctx')
    const bodies: any = {}
    for (const proto of ['openai', 'responses', 'anthropic', 'gemini'] as const) {
      const res = await call('ctx', proto)
      expect(res.status).toBe(400)
      bodies[proto] = await res.json()
    }
    expect(bodies.openai.error.code).toBe('context_length_exceeded')
    expect(bodies.responses.error.code).toBe('context_length_exceeded')
    expect(bodies.anthropic.error.message).toMatch(/^prompt is too long/)
    expect(bodies.gemini.error.message).toMatch(/exceeds the maximum number of tokens/)
  })
})

describe('broken connections', () => {
  it('resets before headers', async () => {
    up.script([{ action: { do: 'reset' } }], 'reset0')
    await expect(call('reset0', 'openai')).rejects.toThrow()
    expect(up.requests('reset0')[0]!.action).toBe('reset')
  })

  it('resets mid-stream after N events', async () => {
    up.script([{ action: { do: 'reset', afterEvents: 2 } }], 'reset2')
    const res = await call('reset2', 'anthropic', { stream: true })
    expect(res.status).toBe(200)
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    const failed = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return false
          text += value
        }
      } catch {
        return true
      }
    })()
    expect(failed).toBe(true)
    expect(parseSseText(text).map((e) => e.event)).toEqual(['message_start', 'ping'])
  })

  it('ends a stream early, before its first event', async () => {
    up.script([{ action: { do: 'empty' } }], 'empty')
    const res = await call('empty', 'gemini', { stream: true })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it('stalls after headers, and with nothing at all', async () => {
    up.script([{ stream: true, action: { do: 'stall', headers: true } }, { action: { do: 'stall' } }], 'stall')
    const abort = new AbortController()
    const res = await fetch(...withSignal(request('stall', 'openai', { stream: true }), abort.signal))
    expect(res.status).toBe(200)
    expect(await stillPending(res.body!.getReader().read())).toBe(true)
    const nothing = fetch(...withSignal(request('stall', 'openai'), abort.signal))
    expect(await stillPending(nothing)).toBe(true)
    abort.abort()
    await expect(nothing).rejects.toThrow()
    expect(up.requests('stall').map((r) => r.action)).toEqual(['stall after headers', 'stall'])
  })

  it('stalls after some events, and records that the caller closed the connection early', async () => {
    up.script([{ stream: true, action: { do: 'stall', afterEvents: 2 } }], 'stall-events')
    const abort = new AbortController()
    const res = await fetch(...withSignal(request('stall-events', 'anthropic', { stream: true }), abort.signal))
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let got = ''
    while (parseSseText(got).length < 2) got += (await reader.read()).value
    expect(parseSseText(got).map((e) => e.event)).toEqual(['message_start', 'ping'])
    expect(up.requests('stall-events')[0]).toMatchObject({ action: 'stall after 2', closedEarly: false })
    abort.abort()
    await vi.waitFor(() => expect(up.requests('stall-events')[0]!.closedEarly).toBe(true))
    // A whole answer is not closed early.
    await (await call('stall-events', 'anthropic')).text()
    expect(up.requests('stall-events')[1]).toMatchObject({ action: 'ok', closedEarly: false })
  })

  it('close() ends stalled connections', async () => {
    const own = await startScriptedUpstream()
    own.script([{ action: { do: 'stall' } }])
    const pending = fetch(`${own.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm' }) })
    // Wait until the request is in, then close: the client sees the connection end.
    while (own.requests().length === 0) await new Promise((r) => setTimeout(r, 5))
    await own.close()
    await expect(pending).rejects.toThrow()
  })

  it('answers slowly: each event on its own, a delay before each', async () => {
    up.script([{ action: { do: 'slow', delayMs: 30 } }], 'slow')
    const started = Date.now()
    const res = await call('slow', 'responses', { stream: true })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    const reads: string[] = []
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      reads.push(value)
    }
    const events = parseSseText(reads.join(''))
    expect(events.at(-1)!.event).toBe('response.completed')
    expect(up.requests('slow')[0]!.sent).toBe(reads.join(''))
    // The events came apart: never two in one read.
    for (const r of reads) expect(parseSseText(r).length).toBeLessThanOrEqual(1)
    // A lower bound only (timers may fire a millisecond early).
    expect(Date.now() - started).toBeGreaterThanOrEqual(25 * events.length)
  })
})

describe('driven over HTTP (for tests inside workerd)', () => {
  it('POST /__script, GET /__requests, POST /__reset', async () => {
    const scripted = await fetch(`${up.url}/__script?scope=http`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ key: 'k1', times: 1, action: { do: 'status', status: 429, retryAfter: 5 } }] }),
    })
    expect(await scripted.json()).toEqual({ scope: 'http', rules: 1 })
    const first = await call('http', 'openai', { key: 'k1' })
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '5'])
    expect((await call('http', 'openai', { key: 'k1' })).status).toBe(200)
    const log = await (await fetch(`${up.url}/__requests?scope=http`)).json()
    expect(log.map((r: any) => [r.key, r.model, r.stream, r.action])).toEqual([
      ['k1', 'm1', false, 'status 429'],
      ['k1', 'm1', false, 'ok'],
    ])
    await fetch(`${up.url}/__reset?scope=http`, { method: 'POST' })
    expect(await (await fetch(`${up.url}/__requests?scope=http`)).json()).toEqual([])
    const bad = await fetch(`${up.url}/__script`, { method: 'POST', body: '[{"key":"x"}]' })
    expect(bad.status).toBe(400)
  })
})

function withSignal([url, init]: [string, RequestInit], signal: AbortSignal): [string, RequestInit] {
  return [url, { ...init, signal }]
}
