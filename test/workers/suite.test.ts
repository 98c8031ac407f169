import { SELF } from 'cloudflare:test'
import { expect, inject, it } from 'vitest'
import { createApp } from '../../src/app'
import { defineGatewaySuite } from '../integration/gateway-suite'

// Inside workerd: each test builds the app with its own bindings and the SDKs
// call it directly, while the app reaches the fake upstream over loopback.
defineGatewaySuite(() => ({
  upstreamUrl: inject('upstreamUrl'),
  start: async (env) => {
    const app = createApp()
    const handler = ((input: RequestInfo | URL, init?: RequestInit) =>
      app.fetch(new Request(input, init), env)) as typeof fetch
    return { url: 'http://gateway.test', fetch: handler, close: async () => {} }
  },
}))

it('the Worker entry (wrangler.toml main) answers /health', async () => {
  const res = await SELF.fetch('http://gateway.test/health')
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ status: 'ok' })
})
