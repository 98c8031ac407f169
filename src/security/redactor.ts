/**
 * Removes the gateway's secrets (upstream keys, client keys, the admin key) by
 * value from anything that leaves the gateway: bodies, stream bytes, stream
 * text, headers, log lines. Built once per set of secrets; scanning a chunk that
 * holds none (nearly all of them) costs one native `indexOf` per distinct first
 * character of the secrets and allocates nothing.
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

export class Redactor {
  /** A redactor with nothing to redact. */
  static readonly none = new Redactor([])

  /** Whether there is anything to scan for. */
  readonly active: boolean
  /** Every form of every secret, longest first. */
  private readonly texts: string[]
  private readonly bytePatterns: Uint8Array[]
  /** Distinct first characters (code units) / first bytes, and the patterns starting with each. */
  private readonly firstChars: string[]
  private readonly charGroups: number[][]
  private readonly firstBytes: number[]
  private readonly byteGroups: number[][]
  /** Next occurrence of each first character/byte during a scan (-2: not looked yet, -1: none left). */
  private readonly next: Int32Array
  private readonly nextB: Int32Array
  /** Which first character/byte the last nextText/nextByte found. */
  private at = 0
  /** The tail the last holding scan kept back. */
  private heldText = ''
  private heldBytes: Uint8Array | undefined
  /** Every secret, short ones included, for log lines. */
  private readonly all: string[]

  constructor(secrets: Iterable<string>) {
    const unique = new Set<string>()
    for (const s of secrets) if (typeof s === 'string' && s !== '') unique.add(s)
    this.all = [...unique].sort((a, b) => b.length - a.length)
    const forms = new Set<string>()
    for (const s of unique) if (s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) forms.add(f)
    this.texts = [...forms].sort((a, b) => b.length - a.length)
    this.bytePatterns = this.texts.map((t) => encoder.encode(t))
    this.active = this.texts.length > 0

    this.firstChars = []
    this.charGroups = []
    this.texts.forEach((t, i) => {
      const c = t[0]!
      let k = this.firstChars.indexOf(c)
      if (k === -1) {
        k = this.firstChars.push(c) - 1
        this.charGroups.push([])
      }
      this.charGroups[k]!.push(i)
    })
    this.firstBytes = []
    this.byteGroups = []
    this.bytePatterns.forEach((b, i) => {
      let k = this.firstBytes.indexOf(b[0]!)
      if (k === -1) {
        k = this.firstBytes.push(b[0]!) - 1
        this.byteGroups.push([])
      }
      this.byteGroups[k]!.push(i)
    })
    this.next = new Int32Array(this.firstChars.length)
    this.nextB = new Int32Array(this.firstBytes.length)
  }

  /** A whole piece of text, redacted. */
  text(s: string): string {
    if (!this.active || s === '') return s
    return this.scanText(s, false)
  }

  /** A whole body, redacted (the same array when it holds no secret). */
  bytes(b: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>
  bytes(b: Uint8Array): Uint8Array
  bytes(b: Uint8Array): Uint8Array {
    if (!this.active || b.length === 0) return b
    return this.scanBytes(b, false)
  }

  /**
   * A log line: content redaction, plus every secret of any length (a short
   * key would be noise to scan responses for, but never belongs in a log).
   */
  log(line: string): string {
    let out = this.text(line)
    for (const s of this.all) if (s.length < MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED)
    return out
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

  /** Where the next possible match starts, at or after `from` (-1: none). */
  private nextText(s: string, from: number): number {
    let best = -1
    const next = this.next
    for (let k = 0; k < next.length; k++) {
      let p = next[k]!
      if (p === -1) continue
      if (p < from) next[k] = p = s.indexOf(this.firstChars[k]!, from)
      if (p !== -1 && (best === -1 || p < best)) {
        best = p
        this.at = k
      }
    }
    return best
  }

  /**
   * Finds and replaces every secret in `s`, leftmost first, longest first. With
   * `hold`, a tail that could be the start of a secret is left out and kept in
   * `heldText`; without, such a tail at least MIN_SECRET_LENGTH long is redacted.
   */
  private scanText(s: string, hold: boolean): string {
    this.next.fill(-2)
    let i = this.nextText(s, 0)
    if (i === -1) return s
    let out = ''
    let last = 0
    const len = s.length
    while (i !== -1) {
      const group = this.charGroups[this.at]!
      const avail = len - i
      let matched = 0
      let partial = false
      for (const g of group) {
        const p = this.texts[g]!
        if (avail >= p.length) {
          if (s.startsWith(p, i)) {
            matched = p.length
            break
          }
        } else if ((hold || avail >= MIN_SECRET_LENGTH) && startsText(p, s, i, avail)) {
          partial = true
          break
        }
      }
      if (partial) {
        // Inside a region already redacted, the rest of it is covered: only what follows is left.
        if (i < last) {
          if (hold) this.heldText = s.slice(last)
          return out
        }
        if (!hold) return out + s.slice(last, i) + REDACTED
        this.heldText = s.slice(i)
        return out + s.slice(last, i)
      }
      if (matched) {
        // Overlapping secrets make one redacted region.
        if (i >= last) out += s.slice(last, i) + REDACTED
        if (i + matched > last) last = i + matched
      }
      i = this.nextText(s, i + 1)
    }
    return last === 0 ? s : out + s.slice(last)
  }

  private nextByte(b: Uint8Array, from: number): number {
    let best = -1
    const next = this.nextB
    for (let k = 0; k < next.length; k++) {
      let p = next[k]!
      if (p === -1) continue
      if (p < from) next[k] = p = b.indexOf(this.firstBytes[k]!, from)
      if (p !== -1 && (best === -1 || p < best)) {
        best = p
        this.at = k
      }
    }
    return best
  }

  private scanBytes(b: Uint8Array, hold: boolean): Uint8Array {
    this.nextB.fill(-2)
    let i = this.nextByte(b, 0)
    if (i === -1) return b
    const pieces: Uint8Array[] = []
    let last = 0
    const len = b.length
    while (i !== -1) {
      const group = this.byteGroups[this.at]!
      const avail = len - i
      let matched = 0
      let partial = false
      for (const g of group) {
        const p = this.bytePatterns[g]!
        if (avail >= p.length) {
          if (startsBytes(p, b, i, p.length)) {
            matched = p.length
            break
          }
        } else if ((hold || avail >= MIN_SECRET_LENGTH) && startsBytes(p, b, i, avail)) {
          partial = true
          break
        }
      }
      if (partial) {
        if (i < last) {
          if (hold) this.heldBytes = b.slice(last)
          return join(pieces)
        }
        if (i > last) pieces.push(b.subarray(last, i))
        if (hold) {
          this.heldBytes = b.slice(i)
          return join(pieces)
        }
        pieces.push(MARKER_BYTES)
        return join(pieces)
      }
      if (matched) {
        if (i >= last) {
          if (i > last) pieces.push(b.subarray(last, i))
          pieces.push(MARKER_BYTES)
        }
        if (i + matched > last) last = i + matched
      }
      i = this.nextByte(b, i + 1)
    }
    if (last === 0) return b
    if (last < len) pieces.push(b.subarray(last))
    return join(pieces)
  }
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
  let n = 0
  for (const p of pieces) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of pieces) {
    out.set(p, at)
    at += p.length
  }
  return out
}
