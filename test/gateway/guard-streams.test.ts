import { describe, expect, it } from 'vitest'
import { guardBytes } from '../../src/gateway/guard-streams'
import { GatewayError } from '../../src/hub/errors'
import { translateStream } from '../../src/gateway/translate-stream'
import { PROTOCOLS } from '../../src/protocols'
import { sseFramer } from '../../src/sse/parse'
import { chain } from '../../src/streams/stage'
import type { ByteReader } from '../../src/upstream/transport'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** An upstream body the test feeds by hand; it remembers whether it was cancelled. */
function upstream() {
  const queue: Array<Uint8Array | Error | null> = []
  let wake: (() => void) | undefined
  const state = { cancelled: false }
  const reader: ByteReader = {
    read() {
      const next = queue.shift()
      if (next === undefined) {
        if (state.cancelled) return Promise.resolve({ done: true, value: undefined })
        return new Promise<void>((r) => (wake = r)).then(() => reader.read())
      }
      if (next === null) return Promise.resolve({ done: true, value: undefined })
      if (next instanceof Error) return Promise.reject(next)
      return Promise.resolve({ done: false, value: next })
    },
    cancel() {
      state.cancelled = true
      wake?.()
      return Promise.resolve()
    },
  }
  const push = (item: string | Error | null) => {
    queue.push(typeof item === 'string' ? enc.encode(item) : item)
    const w = wake
    wake = undefined
    w?.()
  }
  return { reader, push, state }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = ''
  const r = stream.getReader()
  for (;;) {
    const { done, value } = await r.read()
    if (done) return text
    text += dec.decode(value, { stream: true })
  }
}

const chat = PROTOCOLS['openai-chat']
const chunk = (content: string) => `data: {"choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`
const guard = (reader: ByteReader, idleMs = 60_000, extra = {}) =>
  guardBytes(reader, { protocol: 'openai-chat', onError: chat.encodeStreamError, idleMs, ...extra })

describe('guardBytes: a passed-through stream ends honestly', () => {
  it('passes a complete stream through byte for byte', async () => {
    const up = upstream()
    const text = chunk('Hi') + 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    up.push(text.slice(0, 10))
    up.push(text.slice(10))
    up.push(null)
    expect(await readAll(guard(up.reader))).toBe(text)
  })

  it('a reset inside a line: the error frame follows a blank line', async () => {
    const up = upstream()
    up.push(chunk('Hi') + 'data: {"choi')
    up.push(new Error('ECONNRESET'))
    const text = await readAll(guard(up.reader))
    expect(text).toMatch(/data: \{"choi\n\ndata: \{"error":\{"message":"The upstream connection failed/)
    expect(up.state.cancelled).toBe(true)
  })

  it('a frame that is not JSON: what came before it goes, then the error; not the frame, nor what follows', async () => {
    const up = upstream()
    up.push(chunk('Hi') + 'data: <html>\n\n' + 'data: [DONE]\n\n')
    const text = await readAll(guard(up.reader))
    expect(text).toBe(chunk('Hi') + dec.decode(chat.encodeStreamError(new GatewayError('bad_gateway', 'The upstream sent a stream event that is not JSON.'))))
    expect(up.state.cancelled).toBe(true)
  })

  it('a quiet upstream is ended after the idle timeout with a timeout error', async () => {
    const up = upstream()
    up.push(chunk('Hi'))
    const text = await readAll(guard(up.reader, 40))
    expect(text).toContain('"code":"timeout"')
    expect(text).not.toContain('[DONE]')
    expect(up.state.cancelled).toBe(true)
  })

  it('a client that reads slowly is not an upstream gone quiet', async () => {
    const up = upstream()
    const rest = chunk('b') + 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    up.push(chunk('a'))
    const reader = guard(up.reader, 40).getReader()
    // The stream has taken the first chunk (its queue is full); the client asks for nothing for a while.
    await new Promise((r) => setTimeout(r, 150))
    up.push(rest)
    up.push(null)
    const text = chunk('a') + rest
    let got = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      got += dec.decode(value)
    }
    expect(got).toBe(text)
  })

  it('the Responses store sees the stream decoded, once it has ended complete; a client that cancels cancels the upstream', async () => {
    const seen: string[] = []
    const up = upstream()
    const responses = PROTOCOLS['openai-responses']
    const decode = chain(sseFramer(), responses.streamDecoder())
    const events: string[] = []
    decode.start?.({ enqueue: (e) => events.push(e.type) })
    const stream = guardBytes(up.reader, {
      protocol: 'openai-responses',
      onError: responses.encodeStreamError,
      idleMs: 60_000,
      observe: (c) => decode.transform(c, { enqueue: (e) => events.push(e.type) }),
      onEnd: async () => void seen.push('ended'),
    })
    up.push('event: response.created\ndata: {"type":"response.created","response":{"id":"r","model":"m","output":[]}}\n\n')
    const reader = stream.getReader()
    await reader.read()
    expect(events).toContain('start')
    await reader.cancel()
    expect(up.state.cancelled).toBe(true)
    expect(seen).toEqual([])
  })
})

describe('translateStream: a quiet upstream ends with a timeout error in the client’s protocol', () => {
  it('OpenAI upstream, Anthropic client', async () => {
    const up = upstream()
    up.push(chunk('Hi'))
    const anthropic = PROTOCOLS.anthropic
    const hub = anthropic.decodeRequest({ model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const text = await readAll(
      translateStream(up.reader, { decode: chain(sseFramer(), chat.streamDecoder()), encode: anthropic.streamEncoder(hub), idleMs: 40 }),
    )
    expect(text).toContain('"text":"Hi"')
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"The upstream sent nothing for 40 ms/)
    expect(text).not.toContain('message_stop')
    expect(up.state.cancelled).toBe(true)
  })
})

describe('a client that leaves: the body cancelled (Node, Deno) or the request aborted (workerd)', () => {
  const anthropic = PROTOCOLS.anthropic
  const hub = anthropic.decodeRequest({ model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const streams = {
    guardBytes: (reader: ByteReader, extra: object) => guard(reader, 60_000, extra),
    translateStream: (reader: ByteReader, extra: object) =>
      translateStream(reader, { decode: chain(sseFramer(), chat.streamDecoder()), encode: anthropic.streamEncoder(hub), ...extra }),
  }
  const done = 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'

  for (const [name, make] of Object.entries(streams)) {
    it(`${name}: the request's abort ends it as client_gone, once, lets the upstream go and closes the stream`, async () => {
      const up = upstream()
      const closes: string[] = []
      const abort = new AbortController()
      up.push(chunk('Hi'))
      const reader = make(up.reader, { onClose: (how: string) => closes.push(how), signal: abort.signal }).getReader()
      expect(dec.decode((await reader.read()).value)).toContain('Hi')
      const next = reader.read()
      abort.abort(new Error('client gone'))
      expect(closes).toEqual(['client_gone'])
      expect(up.state.cancelled).toBe(true)
      expect(await next).toEqual({ done: true, value: undefined })
      // The runtime's cancel may come too: it changes nothing.
      await reader.cancel().catch(() => {})
      expect(closes).toEqual(['client_gone'])
    })

    it(`${name}: a cancel first, then the abort: client_gone once`, async () => {
      const up = upstream()
      const closes: string[] = []
      const abort = new AbortController()
      up.push(chunk('Hi'))
      const reader = make(up.reader, { onClose: (how: string) => closes.push(how), signal: abort.signal }).getReader()
      await reader.read()
      await reader.cancel()
      abort.abort()
      expect(closes).toEqual(['client_gone'])
      expect(up.state.cancelled).toBe(true)
    })

    it(`${name}: an abort after the stream completed is not a client gone (the listener is let go)`, async () => {
      const up = upstream()
      const closes: string[] = []
      const abort = new AbortController()
      up.push(chunk('Hi') + done)
      up.push(null)
      await readAll(make(up.reader, { onClose: (how: string) => closes.push(how), signal: abort.signal }))
      abort.abort()
      expect(closes).toEqual(['complete'])
    })

    it(`${name}: a request aborted before the stream began ends it at once`, async () => {
      const up = upstream()
      const closes: string[] = []
      const abort = new AbortController()
      abort.abort(new Error('already gone'))
      const stream = make(up.reader, { onClose: (how: string) => closes.push(how), signal: abort.signal })
      expect(closes).toEqual(['client_gone'])
      expect(up.state.cancelled).toBe(true)
      expect(await stream.getReader().read()).toEqual({ done: true, value: undefined })
    })
  }
})
