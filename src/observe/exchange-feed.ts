/** One finished exchange as the traffic views show it: nothing secret, no content. */
export interface TrafficRow {
  /** The gateway's id for the exchange (its capture's id too). */
  id: string
  /** What went back in `x-request-id` (the client's own when it sent one). */
  requestId: string
  /** ms since epoch when it started. */
  at: number
  client: string
  session?: string
  frontEnd: string
  backend: string
  model: string
  status: number
  stream: boolean
  totalMs: number
  ttfbMs?: number
  inputTokens: number
  outputTokens: number
  /** A capture of it was written (CAPTURE, per client, or `!/set(capture=on)`). */
  captured: boolean
}

export type TrafficListener = (row: TrafficRow) => void

/**
 * The latest exchanges this isolate (or process) served, newest last, and a way to hear each new one
 * as it ends (the admin page's live tail). Bounded: the oldest rows go first.
 */
export class ExchangeFeed {
  private readonly rows: TrafficRow[] = []
  private readonly listeners = new Set<TrafficListener>()

  constructor(private readonly keep = 500) {}

  push(row: TrafficRow): void {
    this.rows.push(row)
    // Trimmed once it holds twice what it keeps: dropping the oldest row on every push moved all the others each time.
    if (this.rows.length >= 2 * this.keep) this.rows.splice(0, this.rows.length - this.keep)
    for (const l of this.listeners) {
      try {
        l(row)
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** The latest `n` rows, newest last. */
  latest(n = this.keep): TrafficRow[] {
    const kept = this.rows.length > this.keep ? this.rows.slice(-this.keep) : this.rows
    return kept.slice(-n)
  }

  /** Calls `listener` for every row from now on; returns the way to stop. */
  listen(listener: TrafficListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get listening(): number {
    return this.listeners.size
  }
}
