import { describe, expect, it } from 'vitest'
import { decodeRecords } from '../../src/capture/decode-records'
import { ExchangeCapture, type CaptureStart } from '../../src/capture/exchange-capture'
import type { CaptureRecord } from '../../src/capture/format'
import type { CapturedExchange } from '../../src/capture/sink'
import { startCapture, captureOf, wantsCapture } from '../../src/capture/start-capture'
import type { Call } from '../../src/gateway/generate'
import { ExchangeTally } from '../../src/gateway/exchange-tally'
import { ExchangeFeed } from '../../src/observe/exchange-feed'
import { loadSettings } from '../../src/config/settings'
import { Redactor, REDACTED } from '../../src/security/redactor'
import { memoryState } from '../../src/state/memory-state'
import type { Runtime } from '../../src/gateway/runtime'
import type { UpstreamResponse } from '../../src/upstream/transport'

const KEY = 'sk-secret-upstream-key-1234'
const enc = new TextEncoder()
const dec = new TextDecoder()

function harness(over: Partial<CaptureStart> = {}) {
  const written: CapturedExchange[] = []
  const errors: string[] = []
  const cap = new ExchangeCapture({
    id: 'req_test1',
    requestId: 'client-rid',
    started: 1000,
    session: 's_0123456789abcdef',
    client: 'ci',
    frontEnd: 'anthropic',
    stream: true,
    req: new Request('http://gw.test/v1beta/models/x:streamGenerateContent?alt=sse&key=client-key-abcdefgh', {
      method: 'POST',
      headers: { authorization: 'Bearer client-key-abcdefgh', 'x-custom': `carries ${KEY}`, 'content-type': 'application/json' },
      body: '{}',
    }),
    body: JSON.stringify({ said: `my key is ${KEY}` }),
    maxBytes: 1 << 20,
    sink: { write: async (x) => void written.push(x) },
    log: { error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}, debugging: false },
    redactor: () => new Redactor([KEY, 'client-key-abcdefgh']),
    ...over,
  })
  const records = async (): Promise<CaptureRecord[]> => {
    await cap.written
    expect(written).toHaveLength(1)
    return decodeRecords(written[0]!.bytes)
  }
  return { cap, written, errors, records }
}

/** A streamed body of these pieces, as a transport answers it. */
function upstream(pieces: string[], status = 200, fail?: Error): UpstreamResponse {
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < pieces.length) c.enqueue(enc.encode(pieces[i++]!))
      else if (fail) c.error(fail)
      else c.close()
    },
  })
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream', 'set-cookie': 'a=b', 'x-ratelimit-remaining-tokens': '99' } })
}

async function drain(reader: { read(): Promise<ReadableStreamReadResult<Uint8Array>> }) {
  for (;;) if ((await reader.read()).done) return
}

describe('ExchangeCapture', () => {
  it('records the four legs in order, the chunks as they came, secrets out, and a summary last', async () => {
    const { cap, records, written } = harness()
    const attempt = cap.upstreamRequest(
      { url: `https://up.test/v1/chat/completions?key=${KEY}`, headers: new Headers({ authorization: `Bearer ${KEY}`, 'x-goog-api-key': KEY }), body: `{"k":"${KEY}"}` },
      { backend: { id: 'openai' }, model: 'gpt-4.1' },
      '…1234',
      false,
    )
    expect(attempt).toBe(1)
    // The key is cut across two chunks by the upstream: still found.
    const teed = cap.upstreamResponse(1, upstream(['data: {"a":"sk-secret-up', 'stream-key-1234"}\n\n', 'data: [DONE]\n\n']))
    const reader = teed.reader!()!
    await drain(reader)
    const res = cap.clientResponse(new Response(upstream(['event: one\n\n', 'event: two\n\n']).body, { headers: { 'content-type': 'text/event-stream' } }))
    expect(await res.text()).toBe('event: one\n\nevent: two\n\n')
    cap.summarize({
      startedAt: 1000,
      client: { name: 'ci', limits: {} },
      frontEnd: 'anthropic',
      backend: 'openai',
      model: 'gpt-4.1',
      attempts: ['openai:gpt-4.1'],
      status: 200,
      usage: { inputTokens: 20, outputTokens: 9, cacheReadTokens: 5 },
      ttfbMs: 3,
      totalMs: 7,
      estimatedInputTokens: 0,
    })
    const all = await records()
    expect(written[0]).toMatchObject({ id: 'req_test1', at: 1000, session: 's_0123456789abcdef' })
    expect(all.map((r) => `${r.leg}/${r.kind}`)).toEqual([
      'client-request/head',
      'client-request/body',
      'upstream-request/head',
      'upstream-request/body',
      'upstream-response/head',
      'upstream-response/chunk',
      'upstream-response/chunk',
      'upstream-response/chunk',
      'upstream-response/end',
      'client-response/head',
      'client-response/chunk',
      'client-response/chunk',
      'client-response/end',
      'exchange/summary',
    ])
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i))
    const [head, body, upHead, upBody, answerHead] = all
    expect(head!.meta).toEqual({
      method: 'POST',
      path: `/v1beta/models/x:streamGenerateContent?alt=sse&key=${REDACTED}`,
      headers: { authorization: REDACTED, 'content-type': 'application/json', 'x-custom': `carries ${REDACTED}` },
    })
    expect(head!.ts).toBe(1000)
    expect(dec.decode(body!.data)).toBe(`{"said":"my key is ${REDACTED}"}`)
    expect(upHead!.meta).toEqual({
      attempt: 1,
      method: 'POST',
      url: `https://up.test/v1/chat/completions?key=${REDACTED}`,
      headers: { authorization: REDACTED, 'x-goog-api-key': REDACTED },
      route: 'openai:gpt-4.1',
      backend: 'openai',
      model: 'gpt-4.1',
      passThrough: false,
      key: '…1234',
    })
    expect(dec.decode(upBody!.data)).toBe(`{"k":"${REDACTED}"}`)
    expect(answerHead!.meta).toEqual({ attempt: 1, status: 200, headers: { 'content-type': 'text/event-stream', 'set-cookie': REDACTED, 'x-ratelimit-remaining-tokens': '99' } })
    const upChunks = all.filter((r) => r.leg === 'upstream-response' && r.kind === 'chunk')
    expect(upChunks.map((r) => r.meta)).toEqual([{ attempt: 1 }, { attempt: 1 }, { attempt: 1 }])
    expect(upChunks.map((r) => dec.decode(r.data)).join('')).toBe(`data: {"a":"${REDACTED}"}\n\ndata: [DONE]\n\n`)
    expect(all.filter((r) => r.leg === 'client-response' && r.kind === 'chunk').map((r) => dec.decode(r.data))).toEqual(['event: one\n\n', 'event: two\n\n'])
    expect(all.at(-1)!.meta).toEqual({
      requestId: 'client-rid',
      startedAt: 1000,
      session: 's_0123456789abcdef',
      client: 'ci',
      frontEnd: 'anthropic',
      stream: true,
      attempts: ['openai:gpt-4.1'],
      status: 200,
      totalMs: 7,
      backend: 'openai',
      model: 'gpt-4.1',
      ttfbMs: 3,
      usage: { inputTokens: 20, outputTokens: 9, cachedInputTokens: 5 },
    })
    expect(dec.decode(written[0]!.bytes)).not.toContain(KEY)
  })

  it('a whole body, a failed call and a broken stream are recorded per attempt; the capture waits for the upstream it still reads', async () => {
    const { cap, records } = harness()
    const one = cap.upstreamRequest({ url: 'https://up.test/a', headers: new Headers(), body: '{}' }, { backend: { id: 'a' }, model: 'm' }, '', true)
    cap.upstreamFailed(one, new Error('connect ECONNREFUSED'))
    const two = cap.upstreamRequest({ url: 'https://up.test/b', headers: new Headers(), body: '{}' }, { backend: { id: 'b' }, model: 'm' }, '', true)
    const refused = cap.upstreamResponse(two, new Response('{"error":"busy"}', { status: 503 }))
    expect(await refused.text()).toBe('{"error":"busy"}')
    const three = cap.upstreamRequest({ url: 'https://up.test/c', headers: new Headers(), body: '{}' }, { backend: { id: 'c' }, model: 'm' }, '', true)
    const broken = cap.upstreamResponse(three, upstream(['data: 1\n\n'], 200, new Error('socket hang up')))
    const reader = broken.reader!()!
    await reader.read()
    // The client's answer ends before the upstream is read out: the capture waits for it.
    await cap.clientResponse(new Response('done')).text()
    await expect(reader.read()).rejects.toThrow('socket hang up')
    const all = await records()
    const answers = all.filter((r) => r.leg === 'upstream-response').map((r) => [r.kind, r.meta.attempt, r.meta.status ?? r.meta.message ?? (r.data && dec.decode(r.data))])
    expect(answers).toEqual([
      ['error', 1, 'connect ECONNREFUSED'],
      ['head', 2, 503],
      ['body', 2, '{"error":"busy"}'],
      ['end', 2, undefined],
      ['head', 3, 200],
      ['chunk', 3, 'data: 1\n\n'],
      ['error', 3, 'socket hang up'],
    ])
    expect(all.at(-1)!.meta).toMatchObject({ backend: 'gateway', status: 200 })
    expect(all.filter((r) => r.leg === 'client-response').map((r) => r.kind)).toEqual(['head', 'chunk', 'end'])
  })

  it('keeps the first CAPTURE_MAX_EXCHANGE_BYTES: a body past it is cut, later chunks counted and not kept', async () => {
    const { cap, records } = harness({ maxBytes: 2048, body: 'x'.repeat(1000) })
    const teed = cap.upstreamResponse(cap.upstreamRequest({ url: 'u', headers: new Headers(), body: 'y'.repeat(600) }, { backend: { id: 'a' }, model: 'm' }, '', true), upstream(['z'.repeat(500), 'w'.repeat(300), 'v'.repeat(300)]))
    await drain(teed.reader!()!)
    await cap.clientResponse(new Response('ok')).text()
    const all = await records()
    const kept = all.reduce((n, r) => n + (r.data?.length ?? 0), 0)
    expect(kept).toBeLessThanOrEqual(2048)
    const chunks = all.filter((r) => r.leg === 'upstream-response' && r.kind === 'chunk')
    expect(chunks[0]!.meta).toMatchObject({ truncated: true, bytes: 500 })
    expect(chunks[0]!.data!.length).toBeLessThan(500)
    const end = all.find((r) => r.leg === 'upstream-response' && r.kind === 'end')!
    expect(end.meta.dropped).toEqual({ chunks: 2, bytes: 600 })
    expect(all.at(-1)!.meta.truncated).toBe(true)
  })

  it('a client that goes away: its answer ends with an error record, and the capture is still written', async () => {
    const { cap, records } = harness()
    const res = cap.clientResponse(new Response(upstream(['a', 'b']).body))
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel('gone')
    const all = await records()
    expect(all.filter((r) => r.leg === 'client-response').map((r) => r.kind)).toEqual(['head', 'chunk', 'error'])
    expect(all.find((r) => r.kind === 'error')!.meta).toMatchObject({ cancelled: true })
  })

  it('a client that goes away before its answer began (its request aborted) still leaves a capture', async () => {
    const gone = new AbortController()
    const { cap, records } = harness({ req: new Request('http://gw.test/v1/messages', { method: 'POST', body: '{}', signal: gone.signal }) })
    cap.upstreamFailed(cap.upstreamRequest({ url: 'https://up.test/a', headers: new Headers(), body: '{}' }, { backend: { id: 'a' }, model: 'm' }, '', true), new Error('The client closed the request.'))
    gone.abort()
    const all = await records()
    expect(all.map((r) => `${r.leg}/${r.kind}`)).toEqual(['client-request/head', 'client-request/body', 'upstream-request/head', 'upstream-request/body', 'upstream-response/error', 'client-response/error', 'exchange/summary'])
    expect(all.at(-2)!.meta).toMatchObject({ cancelled: true })
    // What the app would wrap afterwards goes out untouched.
    const late = new Response('x')
    expect(cap.clientResponse(late)).toBe(late)
  })

  it('a sink that fails is logged, never thrown', async () => {
    const { cap, errors } = harness({ sink: { write: () => Promise.reject(new Error('disk full')) } })
    await cap.clientResponse(new Response('ok')).text()
    await cap.written
    expect(errors).toEqual(['capture: could not write exchange req_test1 (disk full)'])
  })
})

describe('startCapture: who is captured', () => {
  function call(env: Record<string, string>, client: { capture?: boolean } = {}, withSink = true) {
    const deferred: Promise<unknown>[] = []
    const settings = loadSettings(env)
    const rt = { settings, log: { error() {} }, redactor: Redactor.none, captureSink: withSink ? { write: async () => {} } : undefined } as unknown as Runtime
    const c: Call = {
      req: new Request('http://gw.test/v1/chat/completions', { method: 'POST' }),
      rt,
      defer: (p) => void deferred.push(p),
      client: { name: 'c', limits: {}, ...client },
      ids: { id: 'req_1', requestId: 'req_1' },
    }
    return { c, deferred }
  }
  const session = (settings?: Record<string, unknown>) => ({ id: 's_1', data: settings ? { settings } : {} })

  it('the session’s value wins over the client’s, which wins over CAPTURE', () => {
    expect(wantsCapture(call({}).c, {})).toBe(false)
    expect(wantsCapture(call({ CAPTURE: 'on' }).c, {})).toBe(true)
    expect(wantsCapture(call({ CAPTURE: 'on' }, { capture: false }).c, {})).toBe(false)
    expect(wantsCapture(call({}, { capture: true }).c, {})).toBe(true)
    expect(wantsCapture(call({ CAPTURE: 'on' }, { capture: true }).c, { settings: { capture: false } })).toBe(false)
    expect(wantsCapture(call({}, { capture: false }).c, { settings: { capture: true } })).toBe(true)
  })

  it('makes nothing when off or when there is nowhere to write; when on, hands its writing to defer and is found by its request', () => {
    const off = call({})
    expect(startCapture(off.c, 'openai-chat', session(), 1, '{}', false)).toBeUndefined()
    expect(captureOf(off.c.req)).toBeUndefined()
    expect(off.deferred).toHaveLength(0)
    const noSink = call({ CAPTURE: 'on' }, {}, false)
    expect(startCapture(noSink.c, 'openai-chat', session(), 1, '{}', false)).toBeUndefined()
    const on = call({}, {})
    const cap = startCapture(on.c, 'openai-chat', session({ capture: true }), 1, '{}', false)
    expect(cap).toBeInstanceOf(ExchangeCapture)
    expect(captureOf(on.c.req)).toBe(cap)
    expect(on.deferred).toEqual([cap!.written])
  })

  it('a captured exchange’s traffic row says so', () => {
    const { cap } = harness()
    const feed = new ExchangeFeed()
    const rt = { feed, state: memoryState(), log: { error() {} } } as unknown as Runtime
    const ctx = { client: { name: 'ci', limits: {} }, defer: () => {}, ids: { id: 'req_a', requestId: 'req_a' }, stream: false }
    const start = { startedAt: 1, frontEnd: 'openai-chat' as const, backend: 'openai', model: 'm', estimatedInputTokens: 0, attempts: [] }
    new ExchangeTally(rt, ctx, start).end(200)
    new ExchangeTally(rt, { ...ctx, ids: { id: 'req_b', requestId: 'req_b' }, capture: cap }, start).end(200)
    expect(feed.latest().map((r) => [r.id, r.captured])).toEqual([
      ['req_a', false],
      ['req_b', true],
    ])
  })
})
