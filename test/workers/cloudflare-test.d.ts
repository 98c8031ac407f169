// The exports of Cloudflare's vitest integration that these tests use.
declare module 'cloudflare:test' {
  export const SELF: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> }
  export const env: { STATE: { get(key: string): Promise<string | null> } }
}
