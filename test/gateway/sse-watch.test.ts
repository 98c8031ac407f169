import { describe, expect, it } from 'vitest'
import { SseWatch } from '../../src/gateway/sse-watch'
import type { ProtocolId } from '../../src/protocols/types'

const enc = new TextEncoder()

/** Feeds `text` cut into pieces of `size` bytes; returns the watch and the first failure, if any. */
function watch(protocol: ProtocolId, text: string | Uint8Array, size = Infinity) {
  const w = new SseWatch(protocol)
  const bytes = typeof text === 'string' ? enc.encode(text) : text
  let sent = 0
  for (let i = 0; i < bytes.length; i += size) {
    const chunk = bytes.subarray(i, Math.min(bytes.length, i + size))
    const bad = w.feed(chunk)
    if (bad) return { w, error: bad.error.message, sent: sent + bad.keep }
    sent += chunk.length
  }
  const tail = w.finish()
  return { w, error: tail?.message, sent }
}

const chat = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`

const COMPLETE: Record<ProtocolId, string> = {
  'openai-chat': chat({ content: 'Hi' }) + chat({}, 'stop') + 'data: [DONE]\n\n',
  anthropic:
    'event: message_start\ndata: {"type":"message_start","message":{}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"message_stop"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
  'openai-responses':
    'event: response.created\ndata: {"type":"response.created"}\n\nevent: response.completed\ndata: {"type":"response.completed","response":{}}\n\n',
  gemini: 'data: {"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}\r\n\r\ndata: {"candidates": [{"content": {"parts": [{"text": "!"}]}, "finishReason": "STOP"}]}\r\n\r\n',
  'gemini-code-assist':
    'data: {"response": {"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}, "traceId": "t"}\r\n\r\ndata: {"response": {"candidates": [{"content": {"parts": [{"text": "!"}]}, "finishReason": "STOP"}]}, "traceId": "t"}\r\n\r\n',
}

describe('SseWatch: what a pass-through stream has shown so far', () => {
  for (const [protocol, text] of Object.entries(COMPLETE) as Array<[ProtocolId, string]>) {
    it(`${protocol}: a complete stream is complete, however it is cut`, () => {
      for (const size of [1, 2, 3, 7, 16, 64, Infinity]) {
        const { w, error } = watch(protocol, text, size)
        expect(error, `size ${size}`).toBeUndefined()
        expect(w.complete, `size ${size}`).toBe(true)
        expect(w.atBoundary).toBe(true)
      }
    })

    it(`${protocol}: the same stream without its ending is not complete`, () => {
      // (an OpenAI chunk with a finish_reason ends a stream as the translating decoder sees it: hosts that leave out [DONE])
      const cut = text.slice(0, text.lastIndexOf(protocol === 'openai-chat' ? 'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{}' : protocol === 'gemini' || protocol === 'gemini-code-assist' ? 'data:' : 'event:'))
      for (const size of [1, 5, Infinity]) {
        const { w, error } = watch(protocol, cut, size)
        expect(error).toBeUndefined()
        expect(w.complete, `size ${size}`).toBe(false)
        expect(w.atBoundary).toBe(true)
      }
    })
  }

  it('knows when the bytes so far stop inside a line or a frame', () => {
    expect(watch('openai-chat', 'data: {"id":"c","cho').w.atBoundary).toBe(false)
    expect(watch('openai-chat', 'data: {"id":"c"}\n').w.atBoundary).toBe(false)
    expect(watch('openai-chat', 'data: {"id":"c"}\n\n').w.atBoundary).toBe(true)
    // a terminal event's line without its blank line has not reached any client parser yet
    expect(watch('anthropic', 'event: message_stop\ndata: {"type":"message_stop"}\n').w.complete).toBe(false)
  })

  it('a frame whose data cannot be JSON is broken; the frames before it may still go', () => {
    const good = chat({ content: 'Hi' })
    const r = watch('openai-chat', good + 'data: {"id":"c","choices":[\n\n' + 'data: [DONE]\n\n')
    expect(r.error).toMatch(/not JSON/)
    expect(r.sent).toBe(enc.encode(good).length)
    expect(watch('anthropic', 'event: ping\ndata: hello there\n\n').error).toMatch(/not JSON/)
    // cut anywhere, the verdict is the same
    for (const size of [1, 4, 9]) expect(watch('openai-chat', good + 'data: oops}\n\n', size).error).toMatch(/not JSON/)
  })

  it('bytes that are not UTF-8 are broken, also a character cut off at the end', () => {
    const bad = new Uint8Array([...enc.encode('data: {"t":"'), 0xff, 0xfe, ...enc.encode('"}\n\n')])
    expect(watch('openai-chat', bad).error).toMatch(/not UTF-8/)
    const cutOff = new Uint8Array([...enc.encode('data: {"t":"'), 0xe2, 0x82])
    expect(watch('openai-chat', cutOff).error).toMatch(/not UTF-8/)
    expect(watch('openai-chat', '{"t":"€"}').error).toBeUndefined()
  })

  it('a finish key inside text, or with a null value, does not count', () => {
    expect(watch('openai-chat', chat({ content: '"finish_reason":"stop"' })).w.complete).toBe(false)
    expect(watch('openai-chat', chat({ content: 'x' }, null)).w.complete).toBe(false)
    expect(watch('openai-chat', chat({ content: 'x' }, 'length')).w.complete).toBe(true)
    // a key cut by chunk boundaries is still found
    for (const size of [1, 3, 8]) expect(watch('openai-chat', chat({ content: 'x' }, 'stop'), size).w.complete).toBe(true)
    for (const size of [1, 3, 8]) expect(watch('gemini', 'data: {"candidates": [{"finishReason" : "STOP"}]}\n\n', size).w.complete).toBe(true)
    expect(watch('gemini', 'data: {"candidates": [{"content": {"parts": [{"text": "\\"finishReason\\": \\"STOP\\""}]}}]}\n\n').w.complete).toBe(false)
    expect(watch('gemini', 'data: {"promptFeedback": {"blockReason": "SAFETY"}}\n\n').w.complete).toBe(true)
  })

  it('an upstream error event ends the stream as its last frame', () => {
    expect(watch('openai-chat', 'data: {"error":{"message":"x"}}\n\n').w.complete).toBe(true)
    expect(watch('anthropic', 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n').w.complete).toBe(true)
  })
})
