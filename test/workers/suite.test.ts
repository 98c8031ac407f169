import { env, SELF } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { createApp } from '../../src/app'
import { KvStore } from '../../src/state/kv-store'
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
    return { url: 'http://localhost', fetch: handler, close: async () => {} }
  },
}))

describe('the Worker entry (wrangler.toml main)', () => {
  it('answers /health', async () => {
    const res = await SELF.fetch('http://localhost/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', mode: 'single-user' })
  })

  it('keeps stored Responses in the STATE KV namespace', async () => {
    const headers = { 'content-type': 'application/json', authorization: 'Bearer worker-client-key' }
    const res = await SELF.fetch('http://localhost/v1/responses', {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'anthropic:claude-test', input: 'Say hello' }),
    })
    expect(res.status).toBe(200)
    const created = (await res.json()) as { id: string; output: Array<{ content?: Array<{ text: string }> }> }
    expect(created.output[0]!.content![0]!.text).toBe('Hello from anthropic!')
    expect(await env.STATE.get(`response:${created.id}`)).toContain('Hello from anthropic!')
    const fetched = await SELF.fetch(`http://localhost/v1/responses/${created.id}`, { headers })
    expect(((await fetched.json()) as { id: string }).id).toBe(created.id)
  })

  it('refuses a request without the client key, in the client’s protocol', async () => {
    const res = await SELF.fetch('http://localhost/v1/messages', { method: 'POST', body: '{}' })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })
})

describe('the registry on Workers', () => {
  it('persists in KV: a fresh app over the same namespace sees the endpoint', async () => {
    const admin = { authorization: 'Bearer worker-admin-key', 'content-type': 'application/json' }
    const added = await SELF.fetch('http://localhost/api/v1/registry', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'kv-box', url: 'http://127.0.0.1:9/v1', models: ['m'] }),
    })
    expect(added.status).toBe(201)
    expect(await env.STATE.get('registry:endpoints')).toContain('kv-box')

    // another isolate: a new app, same KV namespace
    const app = createApp({ store: () => new KvStore(env.STATE) })
    const res = await app.fetch(new Request('http://localhost/api/v1/registry', { headers: admin }), {
      ADMIN_API_KEY: 'worker-admin-key',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    })
    const list = (await res.json()) as { endpoints: Array<{ id: string; source: string }> }
    expect(list.endpoints.find((e) => e.id === 'kv-box')).toMatchObject({ source: 'registry' })
  })
})
