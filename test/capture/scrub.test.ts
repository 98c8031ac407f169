import { describe, expect, it } from 'vitest'
import { isSecretHeader, scrubUrl, sealRecords, type DraftRecord } from '../../src/capture/scrub'
import { Redactor, REDACTED } from '../../src/security/redactor'

const enc = new TextEncoder()
const dec = new TextDecoder()

describe('capture scrubbing', () => {
  it('replaces key-bearing query parameters, whatever their case or encoding, and nothing else', () => {
    expect(scrubUrl('/v1beta/models/m:generateContent?key=abc&alt=sse')).toBe(`/v1beta/models/m:generateContent?key=${REDACTED}&alt=sse`)
    expect(scrubUrl('https://h/x?alt=sse&KEY=abc&api_key=d&%6bey=e')).toBe(`https://h/x?alt=sse&KEY=${REDACTED}&api_key=${REDACTED}&%6bey=${REDACTED}`)
    expect(scrubUrl('https://h/x?keyboard=1')).toBe('https://h/x?keyboard=1')
    expect(scrubUrl('/v1/messages')).toBe('/v1/messages')
  })

  it('knows the credential headers', () => {
    for (const h of ['Authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie', 'set-cookie', 'x-auth-token', 'x-client-secret']) expect(isSecretHeader(h)).toBe(true)
    for (const h of ['content-type', 'x-ratelimit-remaining-tokens', 'anthropic-version', 'x-request-id']) expect(isSecretHeader(h)).toBe(false)
  })

  it('scrubs one flow’s chunks as one stream: a key cut between chunks is found, the bytes otherwise unchanged', () => {
    const key = 'sk-flow-secret-0123456789'
    const drafts: DraftRecord[] = [
      { exchange: 'e', seq: 0, ts: 1, leg: 'upstream-response', kind: 'chunk', meta: {}, data: enc.encode('data: sk-flow-se'), flow: 0 },
      { exchange: 'e', seq: 1, ts: 1, leg: 'client-response', kind: 'chunk', meta: {}, data: enc.encode('other flow'), flow: 1 },
      { exchange: 'e', seq: 2, ts: 2, leg: 'upstream-response', kind: 'chunk', meta: {}, data: enc.encode('cret-0123456789 end\n\n'), flow: 0 },
      { exchange: 'e', seq: 3, ts: 2, leg: 'upstream-response', kind: 'chunk', meta: {}, data: enc.encode(`tail sk-flow-secret`), flow: 0 },
      { exchange: 'e', seq: 4, ts: 3, leg: 'upstream-response', kind: 'end', meta: { note: `said ${key}` }, flow: 0 },
    ]
    const sealed = sealRecords(drafts, new Redactor([key]))
    const up = sealed.filter((r) => r.leg === 'upstream-response' && r.kind === 'chunk').map((r) => dec.decode(r.data))
    expect(up.join('')).toBe(`data: ${REDACTED} end\n\ntail ${REDACTED}`)
    expect(dec.decode(sealed[1]!.data)).toBe('other flow')
    expect(sealed[4]!.meta).toEqual({ note: `said ${REDACTED}` })
    expect(sealed.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4])
    expect(sealed.every((r) => !('flow' in r))).toBe(true)
  })
})
