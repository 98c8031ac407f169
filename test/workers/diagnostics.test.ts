import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { keyId } from '../../src/resilience/key-id'
import { memoryState } from '../../src/state/memory-state'
import { MemoryStore } from '../../src/state/memory-store'

/** /v1/diagnostics inside workerd: the Worker entry, and an app over state the test writes. */
describe('diagnostics on Workers', () => {
  it('the Worker entry answers admins only, with keys masked', async () => {
    expect((await SELF.fetch('http://localhost/v1/diagnostics', { headers: { authorization: 'Bearer worker-client-key' } })).status).toBe(401)
    const res = await SELF.fetch('http://localhost/v1/diagnostics', { headers: { authorization: 'Bearer worker-admin-key' } })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain('sk-ant-worker')
    const anthropic = JSON.parse(text).backends.find((b: any) => b.id === 'anthropic')
    expect(anthropic.keys.map((k: any) => k.key)).toEqual(['…rker'])
  })

  it('shows a cooling key and reactivates it', async () => {
    const state = memoryState()
    const key = 'sk-openai-workers-0001'
    await state.health.report(
      'openai',
      [{ type: 'cool', keyId: keyId(key), hint: '…0001', until: Date.now() + 60_000, reason: '429' }],
      { failures: 3, windowMs: 30_000, openMs: 30_000 },
    )
    const app = createApp({ store: () => new MemoryStore(), state: () => state })
    const bindings = { OPENAI_API_KEY: key, ADMIN_API_KEY: 'admin-key-workers-1', LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }
    const headers = { 'x-api-key': 'admin-key-workers-1' }
    const view: any = await (await app.fetch(new Request('http://localhost/v1/diagnostics', { headers }), bindings)).json()
    expect(view.backends.find((b: any) => b.id === 'openai').keys).toEqual([{ key: '…0001', state: 'cooling', until: expect.any(String), reason: '429' }])
    const res = await app.fetch(new Request('http://localhost/v1/diagnostics/backends/openai/reactivate', { method: 'POST', headers }), bindings)
    expect(await res.json()).toEqual({ backend: 'openai', reactivated: 1 })
  })
})
