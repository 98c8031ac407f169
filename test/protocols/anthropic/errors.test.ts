import { describe, expect, it } from 'vitest'
import { GatewayError, type ErrorKind } from '../../../src/hub/errors'
import { anthropic } from '../../../src/protocols/anthropic'
import { parseSseText } from '../../helpers/streams'

describe('Anthropic errors', () => {
  it('encodes each kind with Anthropic’s error type and our status', () => {
    const cases: Array<[ErrorKind, number, string]> = [
      ['invalid_request', 400, 'invalid_request_error'],
      ['authentication', 401, 'authentication_error'],
      ['permission', 403, 'permission_error'],
      ['not_found', 404, 'not_found_error'],
      ['request_too_large', 413, 'request_too_large'],
      ['rate_limit', 429, 'rate_limit_error'],
      ['api_error', 500, 'api_error'],
      ['bad_gateway', 502, 'api_error'],
      ['overloaded', 503, 'overloaded_error'],
      ['timeout', 504, 'timeout_error'],
    ]
    for (const [kind, status, type] of cases) {
      expect(anthropic.encodeError(new GatewayError(kind, `m-${kind}`))).toEqual({
        status,
        body: { type: 'error', error: { type, message: `m-${kind}` } },
      })
    }
  })

  it('keeps an upstream status such as 529', () => {
    const { status, body } = anthropic.encodeError(new GatewayError('overloaded', 'Overloaded', { status: 529, upstream: true }))
    expect(status).toBe(529)
    expect(body).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
  })

  it('encodes a mid-stream error as one SSE error frame', () => {
    const frame = new TextDecoder().decode(anthropic.encodeStreamError(new GatewayError('rate_limit', 'slow down')))
    expect(parseSseText(frame)).toEqual([
      { event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }) },
    ])
  })

  it('decodes a real-looking Anthropic error body', () => {
    const err = anthropic.decodeError(
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}',
    )
    expect(err).toBeInstanceOf(GatewayError)
    expect(err).toMatchObject({ kind: 'overloaded', status: 529, message: 'Overloaded', upstream: true })

    const bad = anthropic.decodeError(
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0.thinking.signature: Field required"}}',
    )
    expect(bad).toMatchObject({ kind: 'invalid_request', status: 400, message: 'messages.1.content.0.thinking.signature: Field required' })
    expect(anthropic.decodeError(504, '{"type":"error","error":{"type":"timeout_error","message":"Request timeout"}}').kind).toBe('timeout')
    expect(anthropic.decodeError(429, '{"type":"error","error":{"type":"rate_limit_error","message":"x"}}').kind).toBe('rate_limit')
  })

  it('summarises a body that is not JSON by a short prefix, and masks key-like strings', () => {
    const html = '<html><head><title>413 Request Entity Too Large</title></head><body>' + 'x'.repeat(5000) + '</body></html>'
    const err = anthropic.decodeError(413, html)
    expect(err.kind).toBe('request_too_large')
    expect(err.status).toBe(413)
    expect(err.message.startsWith('Upstream answered HTTP 413: <html>')).toBe(true)
    expect(err.message.length).toBeLessThan(300)

    const leaky = anthropic.decodeError(401, '{"error":{"message":"invalid key sk-ant-api03-abcdefghijklmnopqrstuvwxyz"}}')
    expect(leaky.kind).toBe('authentication')
    expect(leaky.message).not.toContain('abcdefghijklmnop')
  })
})
