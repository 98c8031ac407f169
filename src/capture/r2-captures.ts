import type { CaptureSettings } from '../config/capture-settings'
import { logValue, type Logger } from '../log'
import { concatBytes } from '../streams/concat-bytes'
import { decodeCapture, encodeHeader } from './codec'
import { decodeRecords, recordsOf } from './decode-records'
import type { CaptureRecord } from './format'
import type { CaptureReader, CaptureRef, FoundCapture } from './reader'
import type { CapturedExchange, CaptureSink, CaptureStore } from './sink'

/** The parts of a Workers R2 bucket binding the captures use. */
export interface R2BucketLike {
  put(key: string, value: Uint8Array, options?: { customMetadata?: Record<string, string>; httpMetadata?: { contentType?: string } }): Promise<unknown>
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>
  list(options?: {
    prefix?: string
    startAfter?: string
    cursor?: string
    limit?: number
    include?: Array<'customMetadata' | 'httpMetadata'>
  }): Promise<{ objects: Array<{ key: string; customMetadata?: Record<string, string> }>; truncated: boolean; cursor?: string }>
}

/** Where a batch goes: `captures/<yyyy-mm-dd>/<session>/<start ms, 13 digits>-<random>.cbor` (the day and start of the batch's first exchange's end, UTC). */
export const R2_PREFIX = 'captures/'
/** A batch's exchange ids go in its object's custom metadata while they fit (R2 allows 2 KiB), so a reader finds the object without opening others. */
const IDS_METADATA_MAX = 1800
/** What the objects' headers say wrote them. */
const RUNTIME = 'workers'
/** How many objects a reader opens at most looking for one exchange. */
const READ_MAX_OBJECTS = 50

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const pad = (ms: number) => String(Math.max(0, ms)).padStart(13, '0')
const sessionPart = (s: string | undefined) => (s ? s.replace(/[^\w.-]/g, '_').slice(0, 100) : 'no-session')

/** Exchanges of one session ending within one flush window. */
interface Batch {
  session: string
  start: number
  parts: Uint8Array[]
  ids: string[]
  size: number
  timer?: ReturnType<typeof setTimeout>
  done: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

/**
 * Captures in an R2 bucket (Workers; CAPTURE_BUCKET). Objects are immutable: the exchanges of one
 * session that end within CAPTURE_FLUSH_MS of the first are batched into one object (a header item,
 * then their records), written when the window closes or the batch reaches CAPTURE_MAX_FILE_BYTES.
 * Every exchange's `write` settles with its batch's put, so each request's `ctx.waitUntil` keeps the
 * isolate alive until its capture is in the bucket.
 */
export class R2Captures implements CaptureSink, CaptureReader {
  private readonly batches = new Map<string, Batch>()

  constructor(
    private readonly bucket: R2BucketLike,
    private readonly o: Pick<CaptureSettings, 'flushMs' | 'maxFileBytes'>,
    private readonly log?: Logger,
  ) {}

  write(x: CapturedExchange): Promise<void> {
    const session = sessionPart(x.session)
    let b = this.batches.get(session)
    if (!b) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
      b = { session, start: Date.now(), parts: [], ids: [], size: 0, done, resolve, reject }
      this.batches.set(session, b)
      const batch = b
      if (this.o.flushMs > 0) b.timer = setTimeout(() => void this.flush(batch), this.o.flushMs)
    }
    b.parts.push(x.bytes)
    b.ids.push(x.id)
    b.size += x.bytes.length
    if (this.o.flushMs <= 0 || b.size >= this.o.maxFileBytes) void this.flush(b)
    return b.done
  }

  /** Writes a batch now (its window closed, or it is full). */
  private async flush(b: Batch): Promise<void> {
    if (this.batches.get(b.session) !== b) return
    this.batches.delete(b.session)
    clearTimeout(b.timer)
    const key = `${R2_PREFIX}${day(b.start)}/${b.session}/${pad(b.start)}-${Math.random().toString(36).slice(2, 10)}.cbor`
    const ids = b.ids.join(',')
    try {
      await this.bucket.put(key, concatBytes([encodeHeader(RUNTIME, b.start), ...b.parts]), {
        httpMetadata: { contentType: 'application/cbor-seq' },
        customMetadata: ids.length <= IDS_METADATA_MAX ? { exchanges: ids } : {},
      })
      b.resolve()
    } catch (err) {
      this.log?.debug(`capture: R2 put of ${key} failed (${logValue((err as Error)?.message ?? String(err))})`)
      b.reject(err)
    }
  }

  async exchange(ref: CaptureRef): Promise<FoundCapture | undefined> {
    // Still waiting in this isolate's batch.
    for (const b of this.batches.values()) {
      if (!b.ids.includes(ref.exchange)) continue
      const records = recordsOf(decodeRecords(concatBytes(b.parts)), ref.exchange)
      return records && { records, runtime: RUNTIME }
    }
    // A batch starts when its first exchange ends: no earlier than one window before this exchange began.
    const from = ref.at - this.o.flushMs - 1
    let opened = 0
    for (const d of [day(ref.at), day(ref.at + 86_400_000)]) {
      const prefix = ref.session ? `${R2_PREFIX}${d}/${sessionPart(ref.session)}/` : `${R2_PREFIX}${d}/`
      let cursor: string | undefined
      do {
        const page = await this.bucket.list({
          prefix,
          cursor,
          startAfter: ref.session && !cursor ? `${prefix}${pad(from)}` : undefined,
          include: ['customMetadata'],
        })
        for (const obj of page.objects) {
          const start = Number(/(\d{13})-[^/]*\.cbor$/.exec(obj.key)?.[1] ?? NaN)
          if (!(start >= from)) continue
          const ids = obj.customMetadata?.exchanges
          if (ids !== undefined && !ids.split(',').includes(ref.exchange)) continue
          if (++opened > READ_MAX_OBJECTS) return undefined
          const got = await this.bucket.get(obj.key)
          if (!got) continue
          let records: CaptureRecord[]
          try {
            records = decodeCapture(new Uint8Array(await got.arrayBuffer())).records
          } catch {
            continue
          }
          const mine = recordsOf(records, ref.exchange)
          if (mine) return { records: mine, source: obj.key, runtime: RUNTIME }
        }
        cursor = page.truncated ? page.cursor : undefined
      } while (cursor)
    }
    return undefined
  }
}

/** The capture store of a Worker with an R2 bucket bound as CAPTURE_BUCKET. */
export function r2Captures(bucket: R2BucketLike, settings: CaptureSettings, log?: Logger): CaptureStore {
  const r2 = new R2Captures(bucket, settings, log)
  return { sink: r2, reader: r2, where: 'the R2 bucket CAPTURE_BUCKET' }
}
