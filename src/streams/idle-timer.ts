/** Checks per timeout: the timer fires this often within one timeout, so it ends a stream after 1 to 1.25 timeouts of silence. */
const CHECKS = 4

/**
 * Notices a stream that has gone quiet. Each read only sets `waiting` and
 * `active` (field writes, no timer work on the hot path); a plain `setTimeout` per stream, a
 * quarter of the timeout long, looks at the flag and re-arms itself, and calls
 * `onIdle` once four checks in a row saw nothing: never before `ms` of silence,
 * at most a quarter later. Web-standard timers only, and one per stream, so on
 * Workers it stays in the request that owns the stream.
 */
export class IdleTimer {
  /** Set by the stream on every chunk; cleared by each check. */
  active = false
  /** Set while the stream waits for the upstream: a client that reads slowly is not the upstream going quiet. */
  waiting = false
  #quiet = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #period: number
  readonly #onIdle: () => void

  constructor(ms: number, onIdle: () => void) {
    this.#period = Math.max(1, Math.ceil(ms / CHECKS))
    this.#onIdle = onIdle
    this.#timer = setTimeout(this.#check, this.#period)
  }

  #check = (): void => {
    if (this.active || !this.waiting) {
      this.active = false
      this.#quiet = 0
    } else if (++this.#quiet >= CHECKS) {
      this.#timer = undefined
      this.#onIdle()
      return
    }
    this.#timer = setTimeout(this.#check, this.#period)
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
