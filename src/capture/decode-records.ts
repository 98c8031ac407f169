import { decodeMultiple } from 'cbor-x'
import type { CaptureRecord } from './format'

/** Records encoded back to back without a header (one exchange's bytes as a sink got them). */
export function decodeRecords(bytes: Uint8Array): CaptureRecord[] {
  const out: CaptureRecord[] = []
  decodeMultiple(bytes, (item: unknown) => {
    out.push(item as CaptureRecord)
  })
  return out
}

/** One exchange's records out of many, in `seq` order (undefined when none is there). */
export function recordsOf(records: readonly CaptureRecord[], exchange: string): CaptureRecord[] | undefined {
  const mine = records.filter((r) => r.exchange === exchange)
  return mine.length ? mine.sort((a, b) => a.seq - b.seq) : undefined
}
