import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/hub/errors'
import { failureKind, retryAfterMs } from '../../src/resilience/failure-kind'

const err = (message: string, kind: ConstructorParameters<typeof GatewayError>[0] = 'invalid_request') => new GatewayError(kind, message)

describe('failure kinds', () => {
  it('maps statuses and call failures to the next step', () => {
    expect(failureKind(err('slow down'), 429)).toBe('rate_limited')
    for (const s of [401, 402, 403]) expect(failureKind(err('no'), s)).toBe('auth')
    expect(failureKind(err('boom', 'api_error'), 500)).toBe('server')
    expect(failureKind(err('overloaded', 'overloaded'), 529)).toBe('server')
    expect(failureKind(err('gateway timeout', 'timeout'), 504)).toBe('timeout')
    expect(failureKind(err('bad field'), 400)).toBe('client')
    expect(failureKind(err('prompt is too long: 300000 tokens > 200000 maximum'), 400, { protocol: 'anthropic' })).toBe('context_window')
    expect(failureKind(new GatewayError('timeout', 'did not answer'))).toBe('timeout')
    expect(failureKind(new GatewayError('bad_gateway', 'ECONNREFUSED'))).toBe('network')
    // The gateway's own refusal before sending (multi-user mode's address check): no upstream failed.
    expect(failureKind(new GatewayError('permission', 'points at 127.0.0.1, a loopback address'))).toBe('refused')
    // An upstream's own 403 is still the key's.
    expect(failureKind(new GatewayError('permission', 'forbidden'), 403)).toBe('auth')
    expect(failureKind(new GatewayError('api_error', 'client gone', { status: 499 }))).toBe('client')
  })

  it('reads retry-after as seconds, an HTTP date, or retry-after-ms', () => {
    const now = Date.parse('2026-12-05T12:00:00Z')
    expect(retryAfterMs(new Headers({ 'retry-after': '30' }), now)).toBe(30_000)
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sat, 05 Dec 2026 12:00:20 GMT' }), now)).toBe(20_000)
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '2' }), now)).toBe(1500)
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined()
    expect(retryAfterMs(new Headers(), now)).toBeUndefined()
  })
})
