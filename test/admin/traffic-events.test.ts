import { describe, expect, it } from 'vitest'
import { trafficEvents } from '../../src/admin/traffic-events'
import { ExchangeFeed, type TrafficRow } from '../../src/observe/exchange-feed'

const row = (id: string): TrafficRow => ({ id, requestId: id, at: 1, client: 'c', frontEnd: 'openai-chat', backend: 'openai', model: 'm', status: 200, stream: false, totalMs: 1, inputTokens: 1, outputTokens: 1, captured: false })

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
  let got = ''
  const decoder = new TextDecoder()
  while (!got.includes(text)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before "${text}": ${got}`)
    got += decoder.decode(value)
  }
  return got
}

describe('live tail (server-sent events)', () => {
  it('sends each new row as a `row` event, and stops listening when the client goes', async () => {
    const feed = new ExchangeFeed()
    const abort = new AbortController()
    const res = trafficEvents(feed, abort.signal, (r) => ({ id: r.id, shaped: true }))
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = res.body!.getReader()
    expect(await readUntil(reader, ': connected')).toContain('retry: 3000')
    expect(feed.listening).toBe(1)
    feed.push(row('req_1'))
    expect(await readUntil(reader, '\n\n')).toBe('event: row\ndata: {"id":"req_1","shaped":true}\n\n')
    abort.abort()
    expect(feed.listening).toBe(0)
    expect((await reader.read()).done).toBe(true)
  })

  it('stops listening when the body is cancelled, and sends keep-alive comments', async () => {
    const feed = new ExchangeFeed()
    const res = trafficEvents(feed, new AbortController().signal, (r) => r, 5)
    const reader = res.body!.getReader()
    await readUntil(reader, ': keep-alive\n\n')
    await reader.cancel()
    expect(feed.listening).toBe(0)
  })

  it('an already aborted request ends at once', async () => {
    const feed = new ExchangeFeed()
    const abort = new AbortController()
    abort.abort()
    const res = trafficEvents(feed, abort.signal, (r) => r)
    expect((await res.body!.getReader().read()).done).toBe(true)
    expect(feed.listening).toBe(0)
  })
})
