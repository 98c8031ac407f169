import { describe, expect, it } from 'vitest'
import { ExchangeFeed, type TrafficRow } from '../../src/observe/exchange-feed'

const row = (i: number): TrafficRow => ({
  id: `req_${i}`,
  requestId: `req_${i}`,
  at: i,
  client: 'c',
  frontEnd: 'openai-chat',
  backend: 'openai',
  model: 'gpt-4o',
  status: 200,
  stream: false,
  totalMs: 1,
  inputTokens: 0,
  outputTokens: 0,
  captured: false,
})

describe('ExchangeFeed', () => {
  it('keeps the latest rows, newest last, however many went through (it trims in batches)', () => {
    const feed = new ExchangeFeed(5)
    for (let i = 0; i < 3; i++) feed.push(row(i))
    expect(feed.latest().map((r) => r.at)).toEqual([0, 1, 2])
    for (let n = 3; n < 1234; n++) {
      feed.push(row(n))
      const want = Array.from({ length: Math.min(5, n + 1) }, (_, k) => n - Math.min(5, n + 1) + 1 + k)
      expect(feed.latest().map((r) => r.at)).toEqual(want)
      expect(feed.latest(2).map((r) => r.at)).toEqual(want.slice(-2))
      expect(feed.latest(50).map((r) => r.at)).toEqual(want)
    }
  })

  it('tells every listener each row, until it stops listening', () => {
    const feed = new ExchangeFeed(2)
    const heard: number[] = []
    const stop = feed.listen((r) => heard.push(r.at))
    for (let i = 0; i < 4; i++) feed.push(row(i))
    stop()
    feed.push(row(4))
    expect(heard).toEqual([0, 1, 2, 3])
    expect(feed.listening).toBe(0)
  })
})
