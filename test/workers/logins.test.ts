import { describe, expect, inject, it } from 'vitest'
import { createApp } from '../../src/app'
import { MemoryStore } from '../../src/state/memory-store'

// Inside workerd: a Worker has no CLI credentials files, so the subscription back ends are off by default
// and refused, in the client's protocol, when named.
const app = () => createApp({ store: () => new MemoryStore() })
const post = (path: string, body: unknown, bindings: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app().fetch(new Request(`http://localhost${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }), bindings)

describe('subscription back ends on Workers', () => {
  it('are not configured by default and not listed', async () => {
    const res = await app().fetch(new Request('http://localhost/v1/models'), { LLM_PROXY_LOCAL_DISCOVERY: '0' })
    const text = await res.text()
    expect(text).not.toContain('openai-codex')
    expect(text).not.toContain('qwen-oauth')
  })

  it('are refused with a message that says why, in each protocol', async () => {
    const bindings = { LLM_PROXY_LOCAL_DISCOVERY: '0', OPENAI_CODEX_CREDENTIALS_FILE: '/home/someone/.codex/auth.json', ANTHROPIC_OAUTH_CREDENTIALS_FILE: 'c.json' }
    const a = await post('/v1/messages', { model: 'openai-codex:gpt-5.5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, bindings)
    expect(a.status).toBe(403)
    const ab = (await a.json()) as { type: string; error: { message: string } }
    expect(ab.type).toBe('error')
    expect(ab.error.message).toContain('only the Node and Deno adapters')
    expect(ab.error.message).not.toContain('/home/someone')

    const o = await post('/v1/chat/completions', { model: 'anthropic-oauth:claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }, bindings)
    expect(o.status).toBe(403)
    expect(((await o.json()) as { error: { message: string } }).error.message).toContain('"anthropic-oauth" back end uses a CLI\'s login')
  })

  it('are left out of the model lists even when a credentials file is named', async () => {
    const bindings = {
      LLM_PROXY_LOCAL_DISCOVERY: '0',
      OPENAI_CODEX_CREDENTIALS_FILE: 'auth.json',
      ANTHROPIC_OAUTH_CREDENTIALS_FILE: 'c.json',
      ANTHROPIC_API_KEY: 'sk-ant-logins',
      ANTHROPIC_BASE_URL: `${inject('upstreamUrl')}/t/worker-logins-list`,
    }
    for (const path of ['/v1/models', '/anthropic/v1/models', '/v1beta/models']) {
      const res = await app().fetch(new Request(`http://localhost${path}`), bindings)
      expect(res.status, path).toBe(200)
      const text = await res.text()
      expect(text, path).toContain('anthropic:')
      expect(text, path).not.toContain('openai-codex')
      expect(text, path).not.toContain('anthropic-oauth')
    }
    expect((await app().fetch(new Request('http://localhost/v1/models/openai-codex:gpt-5.5'), bindings)).status).toBe(404)
  })

  it('a refusal is no upstream failure: a failover chain goes on to its next entry, and no circuit opens', async () => {
    // One failure would open a circuit: a refusal counted as one would turn the next request into a 503.
    const bindings = {
      LLM_PROXY_LOCAL_DISCOVERY: '0',
      CIRCUIT_FAILURES: '1',
      ANTHROPIC_OAUTH_CREDENTIALS_FILE: 'c.json',
      ANTHROPIC_API_KEY: 'sk-ant-logins',
      ANTHROPIC_BASE_URL: `${inject('upstreamUrl')}/t/worker-logins`,
    }
    const gw = app()
    const ask = (model: string) =>
      gw.fetch(new Request('http://localhost/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) }), bindings)
    for (let i = 0; i < 2; i++) {
      const res = await ask('anthropic-oauth:claude-sonnet-4-5|anthropic:claude-test')
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-attempts')).toBe('2; anthropic-oauth:claude-sonnet-4-5=refused, anthropic:claude-test=200')
      const alone = await ask('anthropic-oauth:claude-sonnet-4-5')
      expect(alone.status).toBe(403)
      expect(((await alone.json()) as { error: { message: string } }).error.message).toContain('only the Node and Deno adapters')
    }
  })
})
