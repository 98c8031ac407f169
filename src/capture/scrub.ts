import { REDACTED, type ByteRedactStream, type Redactor } from '../security/redactor'
import { concatBytes } from '../streams/concat-bytes'
import type { CaptureKind, CaptureLeg, CaptureRecord, CapturedHeaders } from './format'

/** Header names whose values are credentials: never captured, whatever they hold. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie', 'set-cookie'])
const SECRET_HEADER = /(?:^|-)(?:api-?key|auth-?token|access-?token|secret|password)$/

/** Query parameters that carry a key (`?key=` is Gemini's). */
const SECRET_PARAMS = new Set(['key', 'api_key', 'apikey', 'access_token', 'token'])

/** A record as the exchange gathers it: like a CaptureRecord, but not yet scrubbed. */
export interface DraftRecord {
  exchange: string
  seq: number
  ts: number
  leg: CaptureLeg
  kind: CaptureKind
  meta: Record<string, unknown>
  data?: Uint8Array
  /** Which byte flow a `chunk` belongs to (a leg and attempt): scrubbed as one stream. */
  flow?: number
}

/** A plain header map, lower-case names (values are scrubbed when the exchange is sealed). */
export function headerMap(headers: Headers | Record<string, string>): CapturedHeaders {
  const out: CapturedHeaders = {}
  if (headers instanceof Headers) headers.forEach((v, k) => (out[k] = v))
  else for (const k in headers) out[k.toLowerCase()] = headers[k]!
  return out
}

export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase()
  return SECRET_HEADERS.has(n) || SECRET_HEADER.test(n)
}

/** A URL or path with its key-bearing query parameters replaced (the rest as it was). */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const parts = url.slice(q + 1).split('&')
  let changed = false
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i]!.indexOf('=')
    const name = eq === -1 ? parts[i]! : parts[i]!.slice(0, eq)
    let decoded = name
    try {
      decoded = decodeURIComponent(name)
    } catch {
      // a malformed name is kept as written
    }
    if (SECRET_PARAMS.has(decoded.toLowerCase())) {
      parts[i] = `${name}=${REDACTED}`
      changed = true
    }
  }
  return changed ? `${url.slice(0, q)}?${parts.join('&')}` : url
}

function scrubValue(v: unknown, redactor: Redactor, key?: string): unknown {
  if (typeof v === 'string') return redactor.text(key === 'url' || key === 'path' ? scrubUrl(v) : v)
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, redactor))
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {}
    for (const k in v as Record<string, unknown>) {
      const x = (v as Record<string, unknown>)[k]
      if (x === undefined) continue
      out[k] = key === 'headers' && isSecretHeader(k) ? REDACTED : scrubValue(x, redactor, k)
    }
    return out
  }
  return v
}

/**
 * The exchange's records with every secret out, ready to encode: credential headers and
 * key-bearing query parameters replaced, every configured key (the runtime's redactor) replaced
 * in every string, body and chunk. The chunks of one flow are scrubbed as one stream (a key split
 * over two chunks is still found); a tail the redactor held at a flow's end joins its last chunk.
 */
export function sealRecords(drafts: readonly DraftRecord[], redactor: Redactor): CaptureRecord[] {
  const streams = new Map<number, { scrub: ByteRedactStream; last?: CaptureRecord }>()
  const out: CaptureRecord[] = []
  const close = (flow: number) => {
    const s = streams.get(flow)
    if (!s) return
    streams.delete(flow)
    const tail = s.scrub.end()
    if (tail?.length && s.last) s.last.data = s.last.data?.length ? concatBytes([s.last.data, tail]) : tail
  }
  for (const d of drafts) {
    const r: CaptureRecord = { exchange: d.exchange, seq: d.seq, ts: d.ts, leg: d.leg, kind: d.kind, meta: scrubValue(d.meta, redactor) as Record<string, unknown> }
    if (d.kind === 'chunk' && d.flow !== undefined) {
      let s = streams.get(d.flow)
      if (!s) streams.set(d.flow, (s = { scrub: redactor.byteStream() }))
      r.data = d.data ? s.scrub.push(d.data) : new Uint8Array(0)
      s.last = r
    } else if (d.data) r.data = redactor.bytes(d.data)
    if ((d.kind === 'end' || d.kind === 'error') && d.flow !== undefined) close(d.flow)
    out.push(r)
  }
  for (const flow of [...streams.keys()]) close(flow)
  return out
}

/**
 * Records already sealed, sealed again with the redactor of now (keys the gateway holds since they were
 * written): each leg's chunks (per attempt) scrubbed as one stream again, so a key split over two is found.
 */
export function resealRecords(records: readonly CaptureRecord[], redactor: Redactor): CaptureRecord[] {
  const flows = new Map<string, number>()
  const drafts: DraftRecord[] = records.map((r) => {
    if (r.kind !== 'chunk') return r
    const name = `${r.leg}#${String(r.meta?.attempt ?? '')}`
    let flow = flows.get(name)
    if (flow === undefined) flows.set(name, (flow = flows.size))
    return { ...r, flow }
  })
  return sealRecords(drafts, redactor)
}
