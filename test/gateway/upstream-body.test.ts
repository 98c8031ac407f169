import { describe, expect, it } from 'vitest'
import { parseUpstreamJson, readUpstreamBytes, upstreamError } from '../../src/gateway/upstream-body'
import { decodeError } from '../../src/protocols/openai-chat/errors'

const answer = (status: number, body: string, type = 'application/json') => new Response(body, { status, headers: { 'content-type': type } })

describe('an upstream answer that should be JSON', () => {
  it('empty, HTML, cut off, or not UTF-8: a 502 that says which, and nothing of the content but an HTML title', () => {
    const parse = (res: Response, bytes: Uint8Array) => {
      try {
        parseUpstreamJson(bytes, res)
      } catch (err) {
        return err as { status: number; message: string }
      }
      throw new Error('parsed')
    }
    const enc = new TextEncoder()
    expect(parse(answer(200, ''), new Uint8Array()).message).toBe('The upstream answered HTTP 200 with an empty body instead of JSON.')
    const page = '<!doctype html><html><head><title>Just a moment…</title></head><body>secret-ish</body></html>'
    const html = parse(answer(200, page, 'text/html'), enc.encode(page))
    expect(html).toMatchObject({ status: 502 })
    expect(html.message).toBe('The upstream answered HTTP 200 with an HTML page ("Just a moment") instead of JSON.')
    expect(parse(answer(200, '{"id": "x", '), enc.encode('{"id": "x", ')).message).toBe('The upstream answered HTTP 200 with 11 characters of application/json that do not parse instead of JSON.')
    expect(parse(answer(200, ''), new Uint8Array([0x7b, 0xff, 0x7d])).message).toMatch(/not UTF-8/)
  })

  it('a 5xx HTML page is a 502; a 4xx one keeps its status; neither passes its text on', async () => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body>nginx/1.2 at 10.0.0.7</body></html>'
    const five = await upstreamError(answer(503, page, 'text/html; charset=utf-8'), decodeError)
    expect(five).toMatchObject({ status: 502, kind: 'bad_gateway' })
    expect(five.message).toBe('The upstream answered HTTP 503 with an HTML page ("502 Bad Gateway"), not an API response.')
    const four = await upstreamError(answer(404, page, 'text/html'), decodeError)
    expect(four).toMatchObject({ status: 404, kind: 'not_found' })
    expect(four.message).not.toContain('10.0.0.7')
  })

  it('a body that does not arrive after its headers is a 504 after the idle timeout', async () => {
    const stalled = new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"id":')) }), { status: 200 })
    await expect(readUpstreamBytes(stalled, 30)).rejects.toMatchObject({ status: 504, kind: 'timeout' })
    expect(await readUpstreamBytes(answer(200, '{}'), 30)).toEqual(new TextEncoder().encode('{}'))
  })
})
