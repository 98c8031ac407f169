// The exports of Cloudflare's vitest integration that these tests use.
declare module 'cloudflare:test' {
  interface Namespace {
    idFromName(name: string): unknown
    get(id: unknown): never
  }
  interface ObjectContext {
    storage: {
      getAlarm(): Promise<number | null>
      kv: { get(key: string): unknown }
      sql: { exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] } }
    }
  }
  export const SELF: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> }
  export const env: {
    STATE: {
      get(key: string): Promise<string | null>
      put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
      delete(key: string): Promise<void>
    }
    GATEWAY_HEALTH: Namespace
    GATEWAY_LIMITS: Namespace
    GATEWAY_USAGE: Namespace
    GATEWAY_SESSIONS: Namespace
    GATEWAY_DIRECTORY: Namespace
    CAPTURE_BUCKET: {
      list(options?: { prefix?: string }): Promise<{ objects: Array<{ key: string; size: number; customMetadata?: Record<string, string> }> }>
      get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>
    }
  }
  export function createExecutionContext(): { waitUntil(p: Promise<unknown>): void; passThroughOnException(): void }
  export function waitOnExecutionContext(ctx: unknown): Promise<void>
  export function runInDurableObject<R>(stub: unknown, callback: (instance: unknown, ctx: ObjectContext) => R | Promise<R>): Promise<R>
  export function runDurableObjectAlarm(stub: unknown): Promise<boolean>
}
