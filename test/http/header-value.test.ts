import { describe, expect, it } from 'vitest'
import { headerValue, MAX_HEADER_VALUE } from '../../src/http/header-value'

describe('headerValue', () => {
  it('writes typographic dashes and quotes as ASCII', () => {
    expect(headerValue('temperature 1.5 clamped to 1 (Anthropic accepts 0\u20131)')).toBe('temperature 1.5 clamped to 1 (Anthropic accepts 0-1)')
    expect(headerValue('\u201cquoted\u201d \u2014 \u2192')).toBe('"quoted" -- ->')
  })

  it('percent-encodes any other non-ASCII character as UTF-8', () => {
    expect(headerValue('model gpt-\u00e9\u{1f600}')).toBe('model gpt-%C3%A9%F0%9F%98%80')
  })

  it('turns CR, LF and other controls into spaces, so no header can be forged', () => {
    expect(headerValue('a\r\nset-cookie: x=1\u0000b')).toBe('a  set-cookie: x=1 b')
  })

  it('caps the length', () => {
    const v = headerValue('w'.repeat(MAX_HEADER_VALUE * 2))
    expect(v.length).toBe(MAX_HEADER_VALUE)
    expect(v.endsWith('...')).toBe(true)
  })

  it('leaves plain ASCII alone', () => {
    expect(headerValue('seed dropped; top_k dropped')).toBe('seed dropped; top_k dropped')
  })

  it('gives a value every runtime accepts in a Headers object', () => {
    const nasty = 'x\u2013\u00ff\u0100\ud800\n\r\u0007y'
    expect(() => new Headers({ 'x-gateway-warnings': headerValue(nasty) })).not.toThrow()
    expect(headerValue(nasty)).toMatch(/^[\x20-\x7e]*$/)
  })
})
