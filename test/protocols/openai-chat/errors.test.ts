import { describe, expect, it } from 'vitest'
import { GatewayError, type ErrorKind } from '../../../src/hub/errors'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { parseSseText } from '../../helpers/streams'

describe('encodeError', () => {
  it.each([
    ['invalid_request', 400, 'invalid_request_error', null],
    ['authentication', 401, 'invalid_request_error', 'invalid_api_key'],
    ['permission', 403, 'invalid_request_error', 'permission_denied'],
    ['not_found', 404, 'invalid_request_error', 'not_found'],
    ['request_too_large', 413, 'invalid_request_error', 'request_too_large'],
    ['rate_limit', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['api_error', 500, 'server_error', null],
    ['bad_gateway', 502, 'server_error', 'bad_gateway'],
    ['overloaded', 503, 'service_unavailable_error', 'server_is_overloaded'],
    ['timeout', 504, 'server_error', 'timeout'],
  ] as const)('%s → %i %s', (kind, status, type, code) => {
    const { status: s, body } = openaiChat.encodeError(new GatewayError(kind as ErrorKind, 'message here'))
    expect(s).toBe(status)
    expect(body).toEqual({ error: { message: 'message here', type, param: null, code } })
  })

  it('includes param, and keeps an upstream status', () => {
    const err = new GatewayError('invalid_request', 'bad', { param: 'messages[2].tool_call_id' })
    expect((openaiChat.encodeError(err).body as any).error.param).toBe('messages[2].tool_call_id')
    expect(openaiChat.encodeError(new GatewayError('overloaded', 'x', { status: 529 })).status).toBe(529)
  })

  it('encodeStreamError is one data frame holding the error object', () => {
    const text = new TextDecoder().decode(openaiChat.encodeStreamError(new GatewayError('rate_limit', 'slow down')))
    expect(text.endsWith('\n\n')).toBe(true)
    const frames = parseSseText(text)
    expect(frames).toHaveLength(1)
    expect(JSON.parse(frames[0]!.data)).toEqual({
      error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    })
  })
})

describe('decodeError', () => {
  it('parses an OpenAI error body', () => {
    const err = openaiChat.decodeError(
      429,
      JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o', type: 'tokens', param: null, code: 'rate_limit_exceeded' } }),
    )
    expect(err).toMatchObject({ kind: 'rate_limit', status: 429, upstream: true, message: 'Rate limit reached for gpt-4o' })
  })

  it('maps statuses to kinds', () => {
    expect(openaiChat.decodeError(401, '{"error":{"message":"bad key"}}').kind).toBe('authentication')
    expect(openaiChat.decodeError(404, '{"error":{"message":"no model"}}').kind).toBe('not_found')
    expect(openaiChat.decodeError(500, '{"error":{"message":"oops"}}').kind).toBe('api_error')
    expect(openaiChat.decodeError(503, '{"error":{"message":"busy"}}').kind).toBe('overloaded')
  })

  it('accepts {message}, OpenRouter and array-wrapped shapes, and plain text', () => {
    expect(openaiChat.decodeError(400, '{"message":"vllm says no","object":"error"}').message).toBe('vllm says no')
    expect(openaiChat.decodeError(402, '{"error":{"code":402,"message":"Insufficient credits"}}').message).toBe('Insufficient credits')
    expect(openaiChat.decodeError(400, '[{"error":{"code":400,"message":"gemini says no","status":"INVALID_ARGUMENT"}}]').message).toBe(
      'gemini says no',
    )
    const html = openaiChat.decodeError(502, '<html><body>Bad Gateway</body></html>' + 'x'.repeat(5000))
    expect(html.kind).toBe('bad_gateway')
    expect(html.message).toContain('Bad Gateway')
    expect(html.message.length).toBeLessThan(300)
    expect(openaiChat.decodeError(500, '').message).toBe('Upstream error (HTTP 500).')
  })

  it('never passes a key through', () => {
    const err = openaiChat.decodeError(
      401,
      JSON.stringify({ error: { message: 'Incorrect API key provided: sk-proj-abcdef1234567890XYZ. Bearer sk-abcdefgh12345678', code: 'invalid_api_key' } }),
    )
    expect(err.message).not.toContain('abcdef1234567890')
    expect(err.message).not.toContain('abcdefgh12345678')
    expect(err.message).toContain('Incorrect API key provided')
  })
})
