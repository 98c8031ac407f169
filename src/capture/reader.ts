import type { CaptureRecord } from './format'

/** Where an exchange was captured, enough to find it again (the traffic feed carries it). */
export interface CaptureRef {
  exchange: string
  /** ms since epoch when the exchange started. */
  at: number
  session?: string
}

/**
 * Reads captures back (the admin page; Node and Deno: CAPTURE_DIR files; Workers: the R2 bucket).
 * `exchange` answers the records of one exchange in `seq` order, or undefined when it is not (or no
 * longer) kept.
 */
export interface CaptureReader {
  exchange(ref: CaptureRef): Promise<CaptureRecord[] | undefined>
}
