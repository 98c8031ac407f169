import { describe, expect, it } from 'vitest'
import { GatewayError, type ErrorKind } from '../../../src/hub/errors'
import { gemini } from '../../../src/protocols/gemini'
import { parseSseText } from '../../helpers/streams'

describe('encodeError', () => {
  it('renders every kind as Google’s error body with the matching gRPC status', () => {
    const table: Array<[ErrorKind, number, string]> = [
      ['invalid_request', 400, 'INVALID_ARGUMENT'],
      ['authentication', 401, 'UNAUTHENTICATED'],
      ['permission', 403, 'PERMISSION_DENIED'],
      ['not_found', 404, 'NOT_FOUND'],
      ['request_too_large', 413, 'INVALID_ARGUMENT'],
      ['rate_limit', 429, 'RESOURCE_EXHAUSTED'],
      ['api_error', 500, 'INTERNAL'],
      ['bad_gateway', 502, 'UNAVAILABLE'],
      ['overloaded', 503, 'UNAVAILABLE'],
      ['timeout', 504, 'DEADLINE_EXCEEDED'],
    ]
    for (const [kind, status, grpc] of table) {
      expect(gemini.encodeError(new GatewayError(kind, `m-${kind}`))).toEqual({
        status,
        body: { error: { code: status, message: `m-${kind}`, status: grpc } },
      })
    }
    // An upstream's own status is kept (529 overloaded from an Anthropic upstream).
    expect(gemini.encodeError(new GatewayError('overloaded', 'x', { status: 529 })).body).toEqual({
      error: { code: 529, message: 'x', status: 'UNAVAILABLE' },
    })
  })

  it('mid-stream, as one data frame', () => {
    const frame = new TextDecoder().decode(gemini.encodeStreamError(new GatewayError('timeout', 'Too slow.')))
    expect(frame.endsWith('\n\n')).toBe(true)
    expect(parseSseText(frame)).toEqual([{ data: JSON.stringify({ error: { code: 504, message: 'Too slow.', status: 'DEADLINE_EXCEEDED' } }) }])
  })
})

describe('decodeError', () => {
  it('reads Google’s error body, also wrapped in an array', () => {
    const body = { error: { code: 404, message: 'models/gemini-9 is not found for API version v1beta.', status: 'NOT_FOUND' } }
    for (const text of [JSON.stringify(body), JSON.stringify([body])]) {
      const err = gemini.decodeError(404, text)
      expect(err).toMatchObject({ kind: 'not_found', status: 404, upstream: true, message: body.error.message })
    }
  })

  it('a bad API key (400 API_KEY_INVALID) is an authentication error', () => {
    const err = gemini.decodeError(
      400,
      JSON.stringify({
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      }),
    )
    expect(err.kind).toBe('authentication')
    expect(err.status).toBe(401)
  })

  it('maps gRPC statuses, falling back to the HTTP status', () => {
    const kind = (status: number, grpc?: string) =>
      gemini.decodeError(status, JSON.stringify({ error: { code: status, message: 'm', ...(grpc ? { status: grpc } : {}) } })).kind
    expect(kind(400, 'FAILED_PRECONDITION')).toBe('invalid_request')
    expect(kind(403, 'PERMISSION_DENIED')).toBe('permission')
    expect(kind(500, 'INTERNAL')).toBe('api_error')
    expect(kind(503, 'UNAVAILABLE')).toBe('overloaded')
    expect(kind(504, 'DEADLINE_EXCEEDED')).toBe('timeout')
    expect(kind(429)).toBe('rate_limit')
  })

  it('summarises a body that is not Google’s JSON, and never repeats a key', () => {
    const html = gemini.decodeError(502, '<html><body>Bad   Gateway</body></html>')
    expect(html).toMatchObject({ kind: 'bad_gateway', status: 502, upstream: true })
    expect(html.message).toBe('Upstream error (HTTP 502): <html><body>Bad Gateway</body></html>')

    const leaky = gemini.decodeError(
      400,
      JSON.stringify({ error: { code: 400, message: 'Bad request to https://generativelanguage.googleapis.com/v1beta/models/x?key=AIzaSyD-abcdefghijklmnopqrstuvwxyz12345 failed', status: 'INVALID_ARGUMENT' } }),
    )
    expect(leaky.message).not.toMatch(/AIzaSy|abcdefghij/)
    expect(leaky.message).toContain('key=***')
    const text = gemini.decodeError(500, 'upstream said key=AIzaSyD-abcdefghijklmnopqrstuvwxyz12345 and Bearer abcdefghijklmnop')
    expect(text.message).not.toMatch(/abcdefghij/)
    expect(gemini.decodeError(500, '').message).toBe('Upstream error (HTTP 500).')
  })
})
