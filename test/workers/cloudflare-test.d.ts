// The one export of Cloudflare's vitest integration that these tests use.
declare module 'cloudflare:test' {
  export const SELF: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> }
}
