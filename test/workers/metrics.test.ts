import { SELF } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { parseProm, valueOf } from '../observe/prom-text'

/** /metrics inside workerd: the isolate's counters and the usage ledger's totals (Durable Objects). */
describe('/metrics on Workers', () => {
  it('answers the admin key only, parses, and carries the isolate and ledger series', async () => {
    expect((await SELF.fetch('http://localhost/metrics')).status).toBe(401)
    expect((await SELF.fetch('http://localhost/metrics', { headers: { authorization: 'Bearer worker-client-key' } })).status).toBe(401)
    const chat = await SELF.fetch('http://localhost/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: 'Bearer worker-client-key', 'content-type': 'application/json', 'x-request-id': 'wk-metrics-1' },
      body: JSON.stringify({ model: 'anthropic:claude-test', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(chat.status).toBe(200)
    expect(chat.headers.get('x-request-id')).toBe('wk-metrics-1')
    await chat.text()
    // The ledger is written after the answer (ctx.waitUntil): its totals show the exchange once it lands.
    await vi.waitFor(async () => {
      const res = await SELF.fetch('http://localhost/metrics', { headers: { 'x-api-key': 'worker-admin-key' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      const text = await res.text()
      expect(text).not.toContain('worker-admin-key')
      expect(text).not.toContain('sk-ant-worker')
      const p = parseProm(text)
      expect(valueOf(p, 'llm_gateway_info', { runtime: 'workers' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_requests_total', { front_end: 'openai-chat', backend: 'anthropic', model: 'claude-test', status: '200' })).toBeGreaterThanOrEqual(1)
      expect(valueOf(p, 'llm_gateway_ledger_up')).toBe(1)
      expect(valueOf(p, 'llm_gateway_ledger_model_requests', { backend: 'anthropic', model: 'claude-test' })).toBeGreaterThanOrEqual(1)
      expect(valueOf(p, 'llm_gateway_ledger_client_requests')).toBeGreaterThanOrEqual(1)
    }, { timeout: 10_000 })
  })
})
