// The exports of Cloudflare's vitest integration that these tests use.
declare module 'cloudflare:test' {
  export const SELF: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> }
  export const env: {
    STATE: {
      get(key: string): Promise<string | null>
      put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
      delete(key: string): Promise<void>
    }
  }
}
