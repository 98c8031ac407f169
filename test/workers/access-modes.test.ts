import { SELF } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { MemoryStore } from '../../src/state/memory-store'

// A subscription back end of the test's own (the real ones come with the CLI logins' catalogue entries).
vi.mock('../../src/providers/catalogue', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/providers/catalogue')>()
  return {
    ...real,
    CATALOGUE: [...real.CATALOGUE, { id: 'test-login', protocol: 'openai-chat', baseUrl: 'https://login.example.com/v1', auth: 'login', keyRequired: true, models: ['m'] }],
  }
})

// The Worker as a deployment sees it: a request host that is not loopback (vitest.config.ts has its bindings).
const DEPLOYED = 'https://gateway.example.com'
const json = { 'content-type': 'application/json' }
const client = { ...json, authorization: 'Bearer worker-client-key' }
const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] })

describe('a deployed Worker is multi-user', () => {
  it('/health says so; wrangler dev on loopback keeps the setting (single-user)', async () => {
    expect(await (await SELF.fetch(`${DEPLOYED}/health`)).json()).toMatchObject({ status: 'ok', mode: 'multi-user' })
    expect(await (await SELF.fetch('http://127.0.0.1/health')).json()).toMatchObject({ status: 'ok', mode: 'single-user' })
  })

  it('refuses unauthenticated requests', async () => {
    const res = await SELF.fetch(`${DEPLOYED}/v1/chat/completions`, { method: 'POST', headers: json, body: chat('anthropic:claude-test') })
    expect(res.status).toBe(401)
    const m = await SELF.fetch(`${DEPLOYED}/v1/messages`, { method: 'POST', headers: json, body: JSON.stringify({ model: 'x', max_tokens: 5, messages: [] }) })
    expect(await m.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })

  it('refuses a registry entry pointing at http://169.254.169.254/, and discovery', async () => {
    const admin = { ...json, authorization: 'Bearer worker-admin-key' }
    const res = await SELF.fetch(`${DEPLOYED}/api/v1/registry`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'meta', url: 'http://169.254.169.254/' }) })
    expect(res.status).toBe(403)
    expect(((await res.json()) as any).error.message).toBe(
      'Registry endpoint "meta" points at 169.254.169.254, a cloud metadata address: ACCESS_MODE=multi-user refuses loopback, private, link-local and cloud-metadata addresses.',
    )
    const internal = await SELF.fetch(`${DEPLOYED}/api/v1/registry`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'meta', url: 'http://metadata.google.internal/v1' }) })
    expect(internal.status).toBe(403)
    expect((await SELF.fetch(`${DEPLOYED}/api/v1/registry/discover`, { method: 'POST', headers: admin })).status).toBe(403)
  })

  it('refuses an upstream on loopback (the test bindings\' own fake upstream), which wrangler dev reaches', async () => {
    const res = await SELF.fetch(`${DEPLOYED}/v1/chat/completions`, { method: 'POST', headers: client, body: chat('anthropic:claude-test') })
    expect(res.status).toBe(403)
    expect(((await res.json()) as any).error.message).toContain('a loopback address: ACCESS_MODE=multi-user refuses')
    const local = await SELF.fetch('http://127.0.0.1/v1/chat/completions', { method: 'POST', headers: client, body: chat('anthropic:claude-test') })
    expect(local.status).toBe(200)
  })

  it('slows down repeated invalid keys from one address (cf-connecting-ip): 429 with retry-after, doubling', async () => {
    const from = { ...json, authorization: 'Bearer nope', 'cf-connecting-ip': `203.0.113.${Math.floor(Math.random() * 250)}` }
    for (let i = 0; i < 4; i++) expect((await SELF.fetch(`${DEPLOYED}/v1/models`, { headers: from })).status).toBe(401)
    const fifth = await SELF.fetch(`${DEPLOYED}/v1/models`, { headers: from })
    expect(fifth.status).toBe(429)
    expect(fifth.headers.get('retry-after')).toBe('60')
    const sixth = await SELF.fetch(`${DEPLOYED}/v1/models`, { headers: from })
    expect(sixth.headers.get('retry-after')).toBe('120')
    // The right key from that address waits too.
    const right = await SELF.fetch(`${DEPLOYED}/v1/models`, { headers: { ...client, 'cf-connecting-ip': from['cf-connecting-ip'] } })
    expect(right.status).toBe(429)
  })

  it('refuses a CLI-login back end, and every request without client keys', async () => {
    const app = createApp({ store: () => new MemoryStore() })
    const bindings = { LOG_LEVEL: 'silent', PROXY_API_KEYS: 'k', TEST_LOGIN_API_KEY: 'creds.json' }
    const res = await app.fetch(new Request(`${DEPLOYED}/v1/messages`, { method: 'POST', headers: { ...json, 'x-api-key': 'k' }, body: JSON.stringify({ model: 'test-login:m', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) }), bindings)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'permission_error', message: expect.stringContaining('multi-user mode refuses CLI logins') } })
    // Nor is it offered: no model list names it.
    for (const path of ['/v1/models', '/anthropic/v1/models', '/v1beta/models']) {
      const list = await app.fetch(new Request(`${DEPLOYED}${path}`, { headers: { 'x-api-key': 'k' } }), bindings)
      expect(list.status, path).toBe(200)
      expect(await list.text(), path).not.toContain('test-login')
    }

    const open = await app.fetch(new Request(`${DEPLOYED}/v1/chat/completions`, { method: 'POST', headers: json, body: chat('openai:gpt-4.1') }), { LOG_LEVEL: 'silent', OPENAI_API_KEY: 'sk-x' })
    expect(open.status).toBe(503)
    expect(((await open.json()) as any).error.message).toContain('a deployed Worker is always multi-user')
  })
})
