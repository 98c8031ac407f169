import { env, SELF } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { createApp } from '../../src/app'
import { MemoryStore } from '../../src/state/memory-store'
import { defineGatewaySuite } from '../integration/gateway-suite'

// Inside workerd: each test builds the app with its own bindings and the SDKs
// call it directly, while the app reaches the fake upstream over loopback.
defineGatewaySuite(() => ({
  upstreamUrl: inject('upstreamUrl'),
  start: async (bindings) => {
    const store = new MemoryStore()
    const app = createApp({ store: () => store })
    const handler = ((input: RequestInfo | URL, init?: RequestInit) =>
      app.fetch(new Request(input, init), bindings)) as typeof fetch
    return { url: 'http://gateway.test', fetch: handler, close: async () => {} }
  },
}))

describe('the Worker entry (wrangler.toml main)', () => {
  it('answers /health', async () => {
    const res = await SELF.fetch('http://gateway.test/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('keeps stored Responses in the STATE KV namespace', async () => {
    const headers = { 'content-type': 'application/json', authorization: 'Bearer worker-client-key' }
    const res = await SELF.fetch('http://gateway.test/v1/responses', {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'anthropic:claude-test', input: 'Say hello' }),
    })
    expect(res.status).toBe(200)
    const created = (await res.json()) as { id: string; output: Array<{ content?: Array<{ text: string }> }> }
    expect(created.output[0]!.content![0]!.text).toBe('Hello from anthropic!')
    expect(await env.STATE.get(`response:${created.id}`)).toContain('Hello from anthropic!')
    const fetched = await SELF.fetch(`http://gateway.test/v1/responses/${created.id}`, { headers })
    expect(((await fetched.json()) as { id: string }).id).toBe(created.id)
  })

  it('refuses a request without the client key, in the client’s protocol', async () => {
    const res = await SELF.fetch('http://gateway.test/v1/messages', { method: 'POST', body: '{}' })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })
})
