import type { CaptureReader } from './reader'

/** One finished exchange, ready to keep: its records encoded (encodeRecords), every secret already removed. */
export interface CapturedExchange {
  /** The exchange's id (the gateway's `ids.id`, its traffic row's id). */
  id: string
  /** ms since epoch when it started. */
  at: number
  /** The gateway's session id. */
  session?: string
  /** Its records, CBOR items back to back (no header: the sink starts each file or object with one). */
  bytes: Uint8Array
}

/**
 * Where captures go (Node and Deno: files under CAPTURE_DIR, adapters/capture-files.ts; Workers: the
 * R2 bucket CAPTURE_BUCKET, src/capture/r2-captures.ts). `write` settles once the exchange is kept
 * (or failed: it then rejects, and the caller logs it); it never throws synchronously.
 */
export interface CaptureSink {
  write(exchange: CapturedExchange): Promise<void>
}

/** A runtime's capture storage: the writing side and the reading side of the same place. */
export interface CaptureStore {
  sink: CaptureSink
  reader: CaptureReader
  /** Where captures go, for the start-up log line (`/srv/captures`, `R2 bucket CAPTURE_BUCKET`). */
  where: string
}
