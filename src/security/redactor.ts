import { concatBytes } from '../streams/concat-bytes'

/**
 * Removes the gateway's secrets (upstream keys, client keys, the admin key) by
 * value from anything that leaves the gateway: bodies, stream bytes, stream
 * text, headers, log lines. Built once per set of secrets. Each secret is looked
 * for by its rarest character (`anchorsOf`), so scanning a chunk that holds none
 * (nearly all of them) costs one native string `indexOf` per distinct anchor and
 * allocates nothing; bytes are scanned as Latin-1 text (one byte, one character;
 * one decoded string per chunk) where the runtime's TextDecoder has it (Node,
 * Deno and workerd do), byte by byte otherwise.
 *
 * Each secret is matched as written, JSON-escaped and URL-encoded (when those
 * differ). Secrets shorter than MIN_SECRET_LENGTH are not scanned for in
 * content: such a short string would match ordinary text.
 *
 * Streams: a secret may be split across chunks, so a stream redactor holds back
 * only the tail of a chunk that is the start of some secret (a chunk ending in
 * "\n\n" holds nothing) and releases it with the next chunk or at the end. At the
 * end, a held tail at least MIN_SECRET_LENGTH long (the start of a secret cut
 * off, e.g. by a truncated upstream message) is redacted as well.
 */

/** What a secret is replaced with, everywhere. */
export const REDACTED = '[REDACTED]'
/** Shorter secrets are not looked for in content (too likely to match ordinary text). */
export const MIN_SECRET_LENGTH = 8

const encoder = new TextEncoder()
const MARKER_BYTES = encoder.encode(REDACTED)

/** Bytes as Latin-1 (windows-1252) text: one character per byte, so offsets carry over; undefined where unsupported. */
const latin1 = (() => {
  try {
    const d = new TextDecoder('latin1')
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    return d.decode(all).length === 256 ? d : undefined
  } catch {
    return undefined
  }
})()

/** A stream of text through the redactor: each piece comes out redacted, minus a held tail. */
export interface TextRedactStream {
  push(text: string): string
  /** Whatever is still held, redacted; the stream may be reused afterwards. */
  end(): string
}

/** A stream of bytes through the redactor: each chunk comes out redacted, minus a held tail. */
export interface ByteRedactStream {
  push(chunk: Uint8Array): Uint8Array
  end(): Uint8Array | undefined
}

/** The forms a secret can take in output: raw, JSON-escaped, `\/`-escaped, URL-encoded. */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret])
  const json = JSON.stringify(secret).slice(1, -1)
  forms.add(json)
  forms.add(json.replace(/\//g, '\\/'))
  forms.add(encodeURIComponent(secret))
  return [...forms]
}

/**
 * Finds patterns in a string: each by its anchor character (one native indexOf
 * per distinct anchor), and the longest tail that starts one (looked up by the
 * string's last character). Regions found are merged and sorted.
 */
class Matcher {
  private readonly anchors: Anchor[]
  /** By a chunk's last character: the patterns that have it before their end, and how long that start is. */
  private readonly endings = new Map<number, Ending[]>()
  /** Set by find(): where the output ends (the rest is held). */
  cut = 0

  constructor(private readonly patterns: string[]) {
    this.anchors = anchorsOf(patterns)
    patterns.forEach((t, pattern) => {
      for (let j = 0; j < t.length - 1; j++) {
        const c = t.charCodeAt(j)
        const list = this.endings.get(c)
        if (list) list.push({ pattern, length: j + 1 })
        else this.endings.set(c, [{ pattern, length: j + 1 }])
      }
    })
  }

  /**
   * The regions of `s` to redact, or undefined when there is nothing to do.
   * With `hold`, a tail that may start a secret is left for the next chunk
   * (`cut` says where it begins); without, such a tail at least
   * MIN_SECRET_LENGTH long is a region too.
   */
  find(s: string, hold: boolean): Array<[number, number]> | undefined {
    const len = s.length
    let regions: number[] | undefined
    for (const a of this.anchors) {
      for (let p = s.indexOf(a.char); p !== -1; p = s.indexOf(a.char, p + 1)) {
        for (const e of a.entries) {
          const start = p - e.offset
          const pattern = this.patterns[e.pattern]!
          if (start >= 0 && start + pattern.length <= len && s.startsWith(pattern, start)) (regions ??= []).push(start, start + pattern.length)
        }
      }
    }
    const tail = this.tail(s)
    if (!regions && tail === -1) return undefined
    this.cut = len
    if (tail !== -1) {
      if (hold) this.cut = tail
      else if (len - tail >= MIN_SECRET_LENGTH) (regions ??= []).push(tail, len)
    }
    return regions ? merged(regions) : []
  }

  /** Where the longest tail of `s` that is a proper start of a pattern begins (-1: none). */
  private tail(s: string): number {
    const len = s.length
    const ends = this.endings.get(s.charCodeAt(len - 1))
    if (!ends) return -1
    let best = -1
    for (const e of ends) {
      const start = len - e.length
      if (start < 0 || (best !== -1 && start >= best)) continue
      if (startsText(this.patterns[e.pattern]!, s, start, e.length)) best = start
    }
    return best
  }
}

export class Redactor {
  /** A redactor with nothing to redact. */
  static readonly none = new Redactor([])

  /** Whether there is anything to scan for. */
  readonly active: boolean
  /** Every form of every secret (see secretForms). */
  private readonly text$: Matcher
  /** The same as UTF-8 bytes read as Latin-1 text, for byte streams. */
  private readonly bytes$: Matcher | undefined
  /** Without Latin-1: the UTF-8 bytes, scanned byte by byte. */
  private readonly bytePatterns: Uint8Array[]
  /** The tail the last holding scan kept back. */
  private heldText = ''
  private heldBytes: Uint8Array | undefined
  /** The short secrets as whole tokens, for log lines (inside a word they are just letters). */
  private readonly shortInLogs: RegExp | undefined

  /** `bytesAsText: false` scans bytes byte by byte even where Latin-1 decoding exists (tests cover both ways). */
  constructor(secrets: Iterable<string>, options: { bytesAsText?: boolean } = {}) {
    const unique = new Set<string>()
    for (const s of secrets) if (typeof s === 'string' && s !== '') unique.add(s)
    const short = [...unique].filter((s) => s.length < MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
    this.shortInLogs = short.length
      ? new RegExp(`(?<![\\w.~+/-])(?:${short.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\w.~+/=-])`, 'g')
      : undefined
    const forms = new Set<string>()
    for (const s of unique) if (s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) forms.add(f)
    const texts = [...forms]
    this.active = texts.length > 0
    this.text$ = new Matcher(texts)
    this.bytePatterns = texts.map((t) => encoder.encode(t))
    this.bytes$ = latin1 && options.bytesAsText !== false ? new Matcher(this.bytePatterns.map((b) => latin1.decode(b))) : undefined
  }

  /** A whole piece of text, redacted. */
  text(s: string): string {
    if (!this.active || s === '') return s
    return this.scanText(s, false)
  }

  /** Whether `s` holds a whole secret in any of its forms (a chunk that only ends in a secret's start does not). */
  has(s: string): boolean {
    if (!this.active || s === '') return false
    return (this.text$.find(s, true)?.length ?? 0) > 0
  }

  /**
   * `s` with every whole secret (any form) replaced by `marker`, and how many
   * were; `s` itself when there are none. Unlike `text`, a trailing start of a
   * secret is left as it is (`s` is whole, not a chunk of a stream).
   */
  replace(s: string, marker: string): { text: string; count: number } {
    const regions = this.active && s !== '' ? this.text$.find(s, true) : undefined
    if (!regions || regions.length === 0) return { text: s, count: 0 }
    let out = ''
    let last = 0
    for (const [a, z] of regions) {
      out += s.slice(last, a) + marker
      last = z
    }
    return { text: out + s.slice(last), count: regions.length }
  }

  /** A whole body, redacted (the same array when it holds no secret). */
  bytes(b: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>
  bytes(b: Uint8Array): Uint8Array
  bytes(b: Uint8Array): Uint8Array {
    if (!this.active || b.length === 0) return b
    return this.scanBytes(b, false)
  }

  /**
   * A log line: content redaction, plus the short secrets (noise to scan responses for, but they never
   * belong in a log) wherever they stand as a token of their own: a client key `k` is not looked for
   * inside `Unknown`.
   */
  log(line: string): string {
    const out = this.text(line)
    return this.shortInLogs ? out.replace(this.shortInLogs, REDACTED) : out
  }

  /** A JSON answer with the secrets removed from its text (the marker needs no escaping, so it stays valid JSON). */
  json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
    return new Response(this.text(JSON.stringify(value)), {
      status,
      headers: { ...this.headers(headers), 'content-type': 'application/json' },
    })
  }

  /** Header values (a plain record), redacted in place; returns the record. */
  headers(h: Record<string, string>): Record<string, string> {
    if (!this.active) return h
    for (const k in h) h[k] = this.text(h[k]!)
    return h
  }

  textStream(): TextRedactStream {
    let held = ''
    return {
      push: (text) => {
        if (!this.active) return text
        const s = held === '' ? text : held + text
        if (s === '') return s
        const out = this.scanText(s, true)
        held = this.heldText
        this.heldText = ''
        return out
      },
      end: () => {
        if (held === '') return ''
        const s = held
        held = ''
        return this.scanText(s, false)
      },
    }
  }

  byteStream(): ByteRedactStream {
    let held: Uint8Array | undefined
    return {
      push: (chunk) => {
        if (!this.active) return chunk
        let b = chunk
        if (held) {
          b = new Uint8Array(held.length + chunk.length)
          b.set(held)
          b.set(chunk, held.length)
          held = undefined
        }
        if (b.length === 0) return b
        const out = this.scanBytes(b, true)
        held = this.heldBytes
        this.heldBytes = undefined
        return out
      },
      end: () => {
        if (!held) return undefined
        const b = held
        held = undefined
        return this.scanBytes(b, false)
      },
    }
  }

  private scanText(s: string, hold: boolean): string {
    const m = this.text$
    const regions = m.find(s, hold)
    if (!regions) return s
    let out = ''
    let last = 0
    for (const [a, z] of regions) {
      if (a >= m.cut) break
      out += s.slice(last, a) + REDACTED
      last = z
    }
    if (m.cut > last) out += s.slice(last, m.cut)
    if (hold) this.heldText = s.slice(Math.max(m.cut, last))
    return out
  }

  private scanBytes(b: Uint8Array, hold: boolean): Uint8Array {
    const m = this.bytes$
    const regions = m ? m.find(latin1!.decode(b), hold) : this.findBytes(b, hold)
    if (!regions) return b
    const cut = m ? m.cut : this.cutBytes
    const pieces: Uint8Array[] = []
    let last = 0
    for (const [a, z] of regions) {
      if (a >= cut) break
      if (a > last) pieces.push(b.subarray(last, a))
      pieces.push(MARKER_BYTES)
      last = z
    }
    if (cut > last) pieces.push(b.subarray(last, cut))
    if (hold) this.heldBytes = b.slice(Math.max(cut, last))
    return join(pieces)
  }

  private cutBytes = 0

  /** Matcher.find for runtimes without a Latin-1 decoder: every pattern start checked byte by byte. */
  private findBytes(b: Uint8Array, hold: boolean): Array<[number, number]> | undefined {
    const len = b.length
    let regions: number[] | undefined
    let tail = -1
    for (const p of this.bytePatterns) {
      for (let i = b.indexOf(p[0]!); i !== -1; i = b.indexOf(p[0]!, i + 1)) {
        const n = Math.min(p.length, len - i)
        if (!startsBytes(p, b, i, n)) continue
        if (n === p.length) (regions ??= []).push(i, i + n)
        else if (tail === -1 || i < tail) tail = i
      }
    }
    if (!regions && tail === -1) return undefined
    this.cutBytes = len
    if (tail !== -1) {
      if (hold) this.cutBytes = tail
      else if (len - tail >= MIN_SECRET_LENGTH) (regions ??= []).push(tail, len)
    }
    return regions ? merged(regions) : []
  }
}

interface Anchor {
  char: string
  /** The patterns with this character at `offset`. */
  entries: Array<{ pattern: number; offset: number }>
}

interface Ending {
  pattern: number
  /** The length of the pattern's start that ends in this character. */
  length: number
}

/**
 * Characters from common to rare in what the gateway sends (JSON, SSE, English
 * text); anything not listed (`+`, `/`, `=`, `%`, non-ASCII…) is rarer still.
 */
const COMMON = ' etaoinsrhldcu"mpfgywbv:,.{}k_-0123456789\n[]jxqzETAOINSRHLDCUMPFGYWBVKJXQZ'

/**
 * Each pattern is looked for by its rarest character (a key's `Q` or `+`, not
 * the `s` of `sk-`), so a chunk without secrets yields few or no candidates to check.
 */
function anchorsOf(patterns: string[]): Anchor[] {
  const byChar = new Map<string, Anchor>()
  patterns.forEach((t, pattern) => {
    let offset = 0
    let rarest = -1
    for (let i = 0; i < t.length; i++) {
      const at = COMMON.indexOf(t[i]!)
      const rarity = at === -1 ? COMMON.length : at
      if (rarity > rarest) {
        rarest = rarity
        offset = i
      }
    }
    const char = t[offset]!
    let anchor = byChar.get(char)
    if (!anchor) byChar.set(char, (anchor = { char, entries: [] }))
    anchor.entries.push({ pattern, offset })
  })
  return [...byChar.values()]
}

/** Regions [start, end) as a flat list → sorted, overlapping ones merged. */
function merged(flat: number[]): Array<[number, number]> {
  const list: Array<[number, number]> = []
  for (let i = 0; i < flat.length; i += 2) list.push([flat[i]!, flat[i + 1]!])
  list.sort((x, y) => x[0] - y[0] || y[1] - x[1])
  const out: Array<[number, number]> = []
  for (const r of list) {
    const prev = out[out.length - 1]
    if (prev && r[0] < prev[1]) prev[1] = Math.max(prev[1], r[1])
    else out.push(r)
  }
  return out
}

/** Whether `s` from `at` holds the first `n` characters of `p`. */
function startsText(p: string, s: string, at: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (s.charCodeAt(at + j) !== p.charCodeAt(j)) return false
  return true
}

function startsBytes(p: Uint8Array, b: Uint8Array, at: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (b[at + j] !== p[j]) return false
  return true
}

/** The pieces as one array; a single piece of the chunk stays a view, no copy. */
function join(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 0) return new Uint8Array(0)
  if (pieces.length === 1 && pieces[0] !== MARKER_BYTES) return pieces[0]!
  return concatBytes(pieces)
}
