import { RegExpRouter } from 'hono/router/reg-exp-router'
import { describe, expect, it } from 'vitest'
import { createApp } from '../src/app'

describe("the app's routes", () => {
  // One route that RegExpRouter cannot take makes Hono's SmartRouter fall back to the TrieRouter
  // for every request (a few µs each on the gateway's hot path).
  it("all fit Hono's RegExpRouter, so every request is routed by one regular expression", () => {
    const app = createApp({ env: { OPENAI_API_KEY: 'sk-test-key-1234', LLM_PROXY_LOCAL_DISCOVERY: '0', LOG_LEVEL: 'silent' }, transport: async () => new Response('{}') })
    const router = new RegExpRouter<number>()
    app.routes.forEach((r, i) => router.add(r.method, r.path, i))
    expect(() => router.match('POST', '/v1/chat/completions')).not.toThrow()
    const names = (path: string) => router.match('GET', path)[0].map(([i]) => app.routes[i as number]!.path)
    // The capture page and its file share one route (src/admin/routes.tsx).
    expect(names('/admin/capture/req_a1')).toContain('/admin/capture/:ref{.+\\.cbor|[^/]+}')
    expect(names('/admin/capture/req_a1.cbor')).toContain('/admin/capture/:ref{.+\\.cbor|[^/]+}')
    expect(names('/admin/capture/a/b')).not.toContain('/admin/capture/:ref{.+\\.cbor|[^/]+}')
  })
})
