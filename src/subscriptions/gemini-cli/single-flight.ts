/**
 * One run of `work` per key at a time: callers that come while it runs get the same promise (two
 * requests that find the token expired cause one refresh). The key is free again once it settles.
 */
export class SingleFlight<T> {
  readonly #running = new Map<string, Promise<T>>()

  run(key: string, work: () => Promise<T>): Promise<T> {
    let p = this.#running.get(key)
    if (!p) {
      p = work().finally(() => this.#running.delete(key))
      this.#running.set(key, p)
    }
    return p
  }
}
