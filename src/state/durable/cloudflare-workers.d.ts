/**
 * The few Workers runtime types the Durable Objects use. The project
 * type-checks with Node's types only (the core knows Web-standard types), so
 * this declares just what `src/state/durable/` needs of `cloudflare:workers`
 * (the full declarations are in @cloudflare/workers-types).
 */
declare module 'cloudflare:workers' {
  export type SqlValue = ArrayBuffer | string | number | null

  export interface SqlCursor<T> {
    toArray(): T[]
    one(): T
    [Symbol.iterator](): IterableIterator<T>
  }

  export interface DurableObjectStorage {
    /** The synchronous key-value API of SQLite-backed objects. */
    kv: {
      get<T = unknown>(key: string): T | undefined
      put<T>(key: string, value: T): void
      delete(key: string): boolean
    }
    sql: { exec<T = Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<T> }
    transactionSync<T>(closure: () => T): T
    deleteAll(): Promise<void>
    getAlarm(): Promise<number | null>
    setAlarm(scheduledTime: number | Date): Promise<void>
    deleteAlarm(): Promise<void>
  }

  export interface DurableObjectState {
    storage: DurableObjectStorage
    blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>
    waitUntil(promise: Promise<unknown>): void
  }

  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState
    protected env: Env
    constructor(ctx: DurableObjectState, env: Env)
  }
}
