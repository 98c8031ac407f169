import type { CaptureRecord } from './format'
import type { CapturedExchange } from './read-captures'
import { base64, utf8 } from './show-exchange'

/**
 * One capture record as a JSON object (`export --jsonl`): the record's fields as they are, plus `file` (where it
 * was read). `data`, when the record has bytes, is a string: the bytes as text when they are valid UTF-8 and
 * `encoding` is `"utf8"`, else (or always, with `base64`) their base64 and `encoding` is `"base64"`.
 */
export interface ExportedRecord {
  exchange: string
  seq: number
  ts: number
  leg: CaptureRecord['leg']
  kind: CaptureRecord['kind']
  meta: Record<string, unknown>
  data?: string
  encoding?: 'utf8' | 'base64'
  file?: string
}

export function exportRecord(r: CaptureRecord, file?: string, forceBase64 = false): ExportedRecord {
  const out: ExportedRecord = { exchange: r.exchange, seq: r.seq, ts: r.ts, leg: r.leg, kind: r.kind, meta: r.meta }
  if (r.data) {
    const text = forceBase64 ? undefined : utf8(r.data)
    if (text !== undefined) {
      out.data = text
      out.encoding = 'utf8'
    } else {
      out.data = base64(r.data)
      out.encoding = 'base64'
    }
  }
  if (file !== undefined) out.file = file
  return out
}

/** The lines of `export --jsonl` for these exchanges, each ending in a newline. */
export function* exportJsonl(exchanges: Iterable<CapturedExchange>, forceBase64 = false): Generator<string> {
  for (const ex of exchanges) for (const r of ex.records) yield `${JSON.stringify(exportRecord(r, ex.files[0], forceBase64), jsonSafe)}\n`
}

/** Bytes nested in meta (none are expected) as base64, bigints as numbers' text. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: base64(value) }
  if (typeof value === 'bigint') return value.toString()
  return value
}
