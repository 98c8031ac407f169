import { decodeMultiple, Encoder } from 'cbor-x'
import { concatBytes } from '../streams/concat-bytes'
import { CAPTURE_FORMAT, CAPTURE_VERSION, type CaptureHeader, type CaptureRecord } from './format'

// Plain maps (no record extension, no structured clone tags): any CBOR reader understands the items.
const encoder = new Encoder({ useRecords: false, structuredClone: false, tagUint8Array: false })

/** The bytes of a capture file's header item. */
export function encodeHeader(runtime: string, created = Date.now()): Uint8Array {
  const header: CaptureHeader = { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, created, runtime }
  return encoder.encode(header)
}

/** The bytes of records, one CBOR item each, concatenated. */
export function encodeRecords(records: readonly CaptureRecord[]): Uint8Array {
  const parts = records.map((r) => encoder.encode(r) as Uint8Array)
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export interface CaptureFile {
  header: CaptureHeader
  records: CaptureRecord[]
}

/**
 * A capture file's items: its header, then its records. Throws an Error that says what is wrong
 * when the bytes are not a capture (no header, another format, a newer version).
 */
export function decodeCapture(bytes: Uint8Array): CaptureFile {
  const items: unknown[] = []
  try {
    decodeMultiple(bytes, (item: unknown) => {
      items.push(item)
    })
  } catch (err) {
    // A file cut short (the gateway stopped mid-write) keeps the items before the cut.
    if (!items.length) throw new Error(`not a capture file: ${(err as Error).message}`)
  }
  const header = items.shift() as Partial<CaptureHeader> | undefined
  if (!header || header.format !== CAPTURE_FORMAT) throw new Error(`not a capture file (its first item is not a "${CAPTURE_FORMAT}" header)`)
  if (typeof header.version !== 'number' || header.version > CAPTURE_VERSION) throw new Error(`capture format version ${String(header.version)} is newer than this reader (${CAPTURE_VERSION})`)
  return { header: header as CaptureHeader, records: items as CaptureRecord[] }
}

/** A capture file of its own for some records (one exchange downloaded from the admin page): a header, then the records. */
export function encodeCapture(runtime: string, created: number, records: readonly CaptureRecord[]): Uint8Array<ArrayBuffer> {
  return concatBytes([encodeHeader(runtime, created), encodeRecords(records)]) as Uint8Array<ArrayBuffer>
}
