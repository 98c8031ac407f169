import { describe, expect, it } from 'vitest'
import { MIN_SECRET_LENGTH, REDACTED, Redactor, secretForms } from '../../src/security/redactor'

const KEY = 'sk-test-0123456789abcdef'
const OTHER = 'AIzaSyOther-key-987654321'
const enc = new TextEncoder()
const dec = new TextDecoder()

/** Everything a byte stream lets out for these chunks, as text. */
function throughBytes(r: Redactor, chunks: string[] | Uint8Array[]): string {
  const s = r.byteStream()
  const parts: Uint8Array[] = []
  for (const c of chunks) parts.push(s.push(typeof c === 'string' ? enc.encode(c) : c))
  const tail = s.end()
  if (tail) parts.push(tail)
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.length
  }
  return dec.decode(all)
}

function throughText(r: Redactor, chunks: string[]): string {
  const s = r.textStream()
  return chunks.map((c) => s.push(c)).join('') + s.end()
}

describe('Redactor: whole values', () => {
  const r = new Redactor([KEY, OTHER])

  it('replaces every occurrence of every secret with the marker', () => {
    expect(r.text(`a ${KEY} b ${OTHER} c ${KEY}`)).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED}`)
    expect(r.text(KEY)).toBe(REDACTED)
  })

  it('returns text without a secret unchanged (the same string)', () => {
    const s = 'data: {"choices":[{"delta":{"content":"sk-"}}]}\n\n'
    expect(r.text(s)).toBe(s)
  })

  it('returns bytes without a secret as the same array (no copy)', () => {
    const b = enc.encode('data: {"x":"sk-test-012"}\n\n')
    expect(r.bytes(b)).toBe(b)
  })

  it('redacts bytes, UTF-8 around the key intact (and in a key), either way bytes are scanned', () => {
    const b = enc.encode(`é${KEY}日本語${OTHER}€`)
    expect(dec.decode(r.bytes(b))).toBe(`é${REDACTED}日本語${REDACTED}€`)
    const slow = new Redactor([KEY, OTHER, 'clé-secrète-€€'], { bytesAsText: false })
    const fast = new Redactor([KEY, OTHER, 'clé-secrète-€€'])
    const text = `«clé-secrète-€€» é${KEY}€`
    for (const x of [slow, fast]) expect(dec.decode(x.bytes(enc.encode(text)))).toBe(`«${REDACTED}» é${REDACTED}€`)
  })

  it('catches a key as JSON escapes it, with \\/ and URL-encoded', () => {
    const odd = 'ab/cd+ef"gh\\ij=='
    const ro = new Redactor([odd])
    const json = JSON.stringify({ message: `bad key ${odd}` })
    expect(json).not.toContain(odd) // the escaped form differs from the raw one
    expect(ro.text(json)).toBe(JSON.stringify({ message: `bad key ${REDACTED}` }))
    expect(JSON.parse(ro.text(json)).message).toBe(`bad key ${REDACTED}`)
    expect(ro.text(json.replace(/\//g, '\\/'))).not.toContain('cd+ef')
    expect(ro.text(`https://x/?key=${encodeURIComponent(odd)}&a=1`)).toBe(`https://x/?key=${REDACTED}&a=1`)
    expect(dec.decode(ro.bytes(enc.encode(json)))).toBe(JSON.stringify({ message: `bad key ${REDACTED}` }))
    expect(secretForms(odd).length).toBe(4)
    expect(secretForms(KEY)).toEqual([KEY])
  })

  it('prefers the longer of two secrets where one is a prefix of the other', () => {
    const ro = new Redactor(['prefix-secret-1', 'prefix-secret-1-longer'])
    expect(ro.text('x prefix-secret-1-longer y prefix-secret-1 z')).toBe(`x ${REDACTED} y ${REDACTED} z`)
  })

  it('redacts overlapping secrets as one region', () => {
    const ro = new Redactor(['AAAA-BBBB-1', 'BBBB-1-CCCC'])
    expect(ro.text('<AAAA-BBBB-1-CCCC>')).toBe(`<${REDACTED}>`)
    expect(dec.decode(ro.bytes(enc.encode('<AAAA-BBBB-1-CCCC>')))).toBe(`<${REDACTED}>`)
  })

  it(`ignores secrets shorter than ${MIN_SECRET_LENGTH} characters in content, but not in log lines`, () => {
    const ro = new Redactor(['short', KEY])
    expect(ro.text('a short word')).toBe('a short word')
    expect(ro.log(`a short word and ${KEY}`)).toBe(`a ${REDACTED} word and ${REDACTED}`)
  })

  it('redacts a cut-off start of a secret at the end of a whole value, if long enough', () => {
    expect(r.text(`message: ${KEY.slice(0, 10)}`)).toBe(`message: ${REDACTED}`)
    expect(r.text(`message: ${KEY.slice(0, 5)}`)).toBe(`message: ${KEY.slice(0, 5)}`)
  })

  it('redacts header values in place', () => {
    const h = { 'x-request-id': `req-${KEY}`, 'retry-after': '7' }
    expect(r.headers(h)).toEqual({ 'x-request-id': `req-${REDACTED}`, 'retry-after': '7' })
  })

  it('does nothing without secrets', () => {
    const none = new Redactor(['', 'short'])
    expect(none.active).toBe(false)
    const b = enc.encode(KEY)
    expect(none.bytes(b)).toBe(b)
    expect(none.byteStream().push(b)).toBe(b)
    expect(Redactor.none.text(KEY)).toBe(KEY)
  })
})

describe.each([
  ['bytes read as Latin-1 text', true],
  ['bytes scanned byte by byte', false],
])('Redactor: streams (%s)', (_, bytesAsText) => {
  const r = new Redactor([KEY, OTHER], { bytesAsText })
  const body = `data: {"error":{"message":"Invalid key ${KEY} (also ${OTHER})"}}\n\n`
  const expected = `data: {"error":{"message":"Invalid key ${REDACTED} (also ${REDACTED})"}}\n\n`

  it('a byte stream split at every position, into two chunks', () => {
    for (let cut = 0; cut <= body.length; cut++) expect(throughBytes(r, [body.slice(0, cut), body.slice(cut)]), `cut ${cut}`).toBe(expected)
  })

  it('a byte stream split at every pair of positions, into three chunks', () => {
    for (let a = 0; a <= body.length; a += 3)
      for (let b = a; b <= body.length; b += 2) {
        const out = throughBytes(r, [body.slice(0, a), body.slice(a, b), body.slice(b)])
        expect(out, `cuts ${a},${b}`).toBe(expected)
      }
  })

  it('a byte stream one byte per chunk, UTF-8 characters split too', () => {
    const text = `«${KEY}»日本${OTHER}é`
    const bytes = enc.encode(text)
    const chunks = [...bytes].map((x) => Uint8Array.of(x))
    expect(throughBytes(r, chunks)).toBe(`«${REDACTED}»日本${REDACTED}é`)
  })

  it('a text stream split at every position', () => {
    for (let cut = 0; cut <= body.length; cut++) expect(throughText(r, [body.slice(0, cut), body.slice(cut)]), `cut ${cut}`).toBe(expected)
    expect(throughText(r, [...body])).toBe(expected)
  })

  it('with two secrets sharing a prefix, split anywhere', () => {
    const ro = new Redactor(['shared-prefix-A1', 'shared-prefix-A1-and-more'], { bytesAsText })
    const text = 'x shared-prefix-A1-and-more y shared-prefix-A1 z shared-prefix-A1'
    const want = `x ${REDACTED} y ${REDACTED} z ${REDACTED}`
    for (let cut = 0; cut <= text.length; cut++) {
      expect(throughBytes(ro, [text.slice(0, cut), text.slice(cut)]), `cut ${cut}`).toBe(want)
      expect(throughText(ro, [text.slice(0, cut), text.slice(cut)]), `cut ${cut}`).toBe(want)
    }
  })

  it('holds nothing when the chunk ends in no prefix of a secret, and passes the chunk itself', () => {
    const s = r.byteStream()
    const chunk = enc.encode('data: {"choices":[{"delta":{"content":"hello"}}]}\n\n')
    expect(s.push(chunk)).toBe(chunk)
    expect(s.end()).toBeUndefined()
    const t = r.textStream()
    expect(t.push('event: x\ndata: {}\n\n')).toBe('event: x\ndata: {}\n\n')
    expect(t.end()).toBe('')
  })

  it('holds only the tail that starts a secret, and releases it with the next chunk', () => {
    const s = r.byteStream()
    expect(dec.decode(s.push(enc.encode('text ends in sk-te')))).toBe('text ends in ')
    expect(dec.decode(s.push(enc.encode('a time')))).toBe('sk-tea time')
    const t = r.textStream()
    expect(t.push('ask')).toBe('a')
    expect(t.push('ed')).toBe('sked')
  })

  it('flushes a held tail at the end: short ones as they were, long ones redacted', () => {
    const s = r.byteStream()
    expect(dec.decode(s.push(enc.encode('the end: sk-')))).toBe('the end: ')
    expect(dec.decode(s.end()!)).toBe('sk-')
    const t = r.textStream()
    expect(t.push(`cut off ${KEY.slice(0, 12)}`)).toBe('cut off ')
    expect(t.end()).toBe(REDACTED)
  })
})

describe('log lines and short secrets', () => {
  it('redacts a short key standing as a token, not the same letters inside a word', () => {
    const r = new Redactor(['k', 'long-enough-secret-1'])
    expect(r.log('warning: Unknown setting PROXY_API_KEY')).toBe('warning: Unknown setting PROXY_API_KEY')
    expect(r.log('client key=k refused; key k again')).toBe('client key=[REDACTED] refused; key [REDACTED] again')
    expect(r.log('upstream said long-enough-secret-1!')).toBe('upstream said [REDACTED]!')
  })
})
