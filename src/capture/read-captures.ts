import { decodeCapture } from './codec'
import type { CaptureLeg, CaptureRecord } from './format'

/** One capture file's (or R2 object's) bytes and the name to call it by. */
export interface CaptureSource {
  name: string
  bytes: Uint8Array
}

/** An exchange read back from capture files: its records in `seq` order. */
export interface CapturedExchange {
  id: string
  records: CaptureRecord[]
  /** The files its records came from. */
  files: string[]
  /** ms since epoch of its first record. */
  at: number
}

export interface LoadedCaptures {
  /** Oldest first (by first record), ties by id. */
  exchanges: CapturedExchange[]
  /** Files that are not captures, with what is wrong. */
  skipped: Array<{ name: string; reason: string }>
}

const LEGS: ReadonlySet<string> = new Set<CaptureLeg>(['client-request', 'upstream-request', 'upstream-response', 'client-response', 'exchange'])

/** A decoded item as a record, or undefined when it lacks what every record has. */
function asRecord(item: unknown): CaptureRecord | undefined {
  if (!item || typeof item !== 'object') return undefined
  const r = item as Partial<CaptureRecord>
  if (typeof r.exchange !== 'string' || typeof r.seq !== 'number' || typeof r.leg !== 'string' || !LEGS.has(r.leg) || typeof r.kind !== 'string') return undefined
  const meta = r.meta && typeof r.meta === 'object' && !Array.isArray(r.meta) ? r.meta : {}
  const data = r.data instanceof Uint8Array ? r.data : undefined
  return { exchange: r.exchange, seq: r.seq, ts: typeof r.ts === 'number' ? r.ts : 0, leg: r.leg, kind: r.kind, meta, ...(data ? { data } : {}) }
}

/**
 * Decodes capture files and groups their records by exchange, in `seq` order. A record seen twice (the same
 * exchange read from a directory and from an object copied out of R2) counts once. Files that are not
 * captures are reported in `skipped` when `strict` is false, and throw (naming the file) when it is true.
 */
export function readCaptures(sources: readonly CaptureSource[], strict = false): LoadedCaptures {
  const byId = new Map<string, { records: Map<number, CaptureRecord>; files: Set<string> }>()
  const skipped: LoadedCaptures['skipped'] = []
  for (const source of sources) {
    let records: unknown[]
    try {
      records = decodeCapture(source.bytes).records
    } catch (err) {
      const reason = (err as Error).message
      if (strict) throw new Error(`${source.name}: ${reason}`)
      skipped.push({ name: source.name, reason })
      continue
    }
    for (const item of records) {
      const r = asRecord(item)
      if (!r) continue
      let ex = byId.get(r.exchange)
      if (!ex) byId.set(r.exchange, (ex = { records: new Map(), files: new Set() }))
      if (!ex.records.has(r.seq)) ex.records.set(r.seq, r)
      ex.files.add(source.name)
    }
  }
  const exchanges: CapturedExchange[] = []
  for (const [id, ex] of byId) {
    const records = [...ex.records.values()].sort((a, b) => a.seq - b.seq)
    exchanges.push({ id, records, files: [...ex.files], at: records[0]?.ts ?? 0 })
  }
  exchanges.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return { exchanges, skipped }
}

/** Up to `n` ids that look most like `wanted` (shared prefix first, then edit distance). */
export function closeIds(wanted: string, ids: readonly string[], n = 5): string[] {
  const w = wanted.toLowerCase()
  const score = (id: string) => {
    const s = id.toLowerCase()
    let prefix = 0
    while (prefix < s.length && prefix < w.length && s[prefix] === w[prefix]) prefix++
    return { id, prefix, distance: editDistance(s, w), contains: s.includes(w) || w.includes(s) }
  }
  return ids
    .map(score)
    .sort((a, b) => Number(b.contains) - Number(a.contains) || b.prefix - a.prefix || a.distance - b.distance)
    .slice(0, n)
    .map((s) => s.id)
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

/**
 * The exchange `wanted` names: its whole id, or a prefix only one id has. Throws an Error that lists a few
 * close ids when there is none, or the candidates when the prefix is ambiguous.
 */
export function findExchange(exchanges: readonly CapturedExchange[], wanted: string): CapturedExchange {
  const exact = exchanges.find((e) => e.id === wanted)
  if (exact) return exact
  const prefixed = exchanges.filter((e) => e.id.startsWith(wanted))
  if (prefixed.length === 1) return prefixed[0]!
  if (prefixed.length > 1) throw new Error(`"${wanted}" is the start of ${prefixed.length} exchange ids: ${prefixed.slice(0, 5).map((e) => e.id).join(', ')}${prefixed.length > 5 ? ', …' : ''}`)
  const ids = exchanges.map((e) => e.id)
  if (!ids.length) throw new Error(`no exchange "${wanted}": the captures hold no exchanges`)
  throw new Error(`no exchange "${wanted}" in the captures; close ids: ${closeIds(wanted, ids).join(', ')}`)
}
