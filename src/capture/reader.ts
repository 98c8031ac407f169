import type { CaptureRecord } from './format'

/** Where an exchange was captured, enough to find it again (the traffic feed carries it). */
export interface CaptureRef {
  exchange: string
  /** ms since epoch when the exchange started. */
  at: number
  session?: string
}

/** One exchange read back, and where it is kept. */
export interface FoundCapture {
  /** Its records, in `seq` order. */
  records: CaptureRecord[]
  /**
   * The capture file's path (Node, Deno) or the R2 object's key (Workers) that holds it, with the other
   * exchanges written with it; undefined while it waits in a batch not yet written.
   */
  source?: string
  /** The runtime that wrote it (a capture header's `runtime`: 'node', 'deno', 'workers'). */
  runtime: string
}

/**
 * Reads captures back (the admin page; Node and Deno: CAPTURE_DIR files; Workers: the R2 bucket).
 * `exchange` answers one exchange's records and where they are, or undefined when it is not (or no
 * longer) kept.
 */
export interface CaptureReader {
  exchange(ref: CaptureRef): Promise<FoundCapture | undefined>
}
