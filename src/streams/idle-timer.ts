/** Checks per timeout: the timer fires this often within one timeout, so it ends a stream after 1 to 1.25 timeouts of silence. */
const CHECKS = 4

/**
 * Notices an upstream that has gone quiet. The stream calls `wait()` when it
 * asks the upstream for bytes and `got()` when they come: field writes, no timer
 * work per chunk. A plain `setTimeout`, a quarter of the timeout long, looks at
 * the fields and re-arms itself, and calls `onIdle` once four checks in a row
 * found the stream waiting with nothing come: never before `ms` of silence, at
 * most a quarter later. While the stream is not waiting (its client reads
 * slowly, or has stopped reading) nothing counts and the timer is let go until
 * the next `wait()`, so an abandoned stream keeps no timer. Web-standard timers
 * only, one per stream, so on Workers it stays in the request that owns the stream.
 */
export class IdleTimer {
  #active = false
  #waiting = false
  #quiet = 0
  #stopped = false
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #period: number
  readonly #onIdle: () => void

  constructor(ms: number, onIdle: () => void) {
    this.#period = Math.max(1, Math.ceil(ms / CHECKS))
    this.#onIdle = onIdle
  }

  /** The stream asks the upstream for its next bytes. */
  wait(): void {
    this.#waiting = true
    if (this.#timer === undefined && !this.#stopped) this.#timer = setTimeout(this.#check, this.#period)
  }

  /** Bytes came (or the read settled). */
  got(): void {
    this.#waiting = false
    this.#active = true
  }

  #check = (): void => {
    this.#timer = undefined
    if (!this.#waiting) {
      this.#quiet = 0
      this.#active = false
      return
    }
    if (this.#active) {
      this.#active = false
      this.#quiet = 0
    } else if (++this.#quiet >= CHECKS) {
      this.#stopped = true
      this.#onIdle()
      return
    }
    this.#timer = setTimeout(this.#check, this.#period)
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
