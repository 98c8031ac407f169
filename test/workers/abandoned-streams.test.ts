import { SELF } from 'cloudflare:test'
import { describe, expect, inject, it, vi } from 'vitest'
import { parseProm, valueOf } from '../observe/prom-text'

/**
 * A client that abandons a stream inside workerd (the Worker entry through SELF, its body cancelled
 * mid-stream): workerd aborts the request's signal (enable_request_signal) once it next writes to the
 * gone client, so the exchange is recorded once as 499 with the usage reported so far, in the isolate's
 * metrics and in the usage ledger (Durable Objects), the open-streams gauge goes back down, and the
 * upstream's connection is closed.
 */
const upstream = inject('scriptedUpstreamUrl')
const scope = 'workers-abandon'
const admin = { authorization: 'Bearer worker-admin-key' }

describe('a client that abandons a stream on Workers', () => {
  it('is recorded as 499 with the input tokens so far, and the upstream is let go', async () => {
    await fetch(`${upstream}/__reset?scope=${scope}`, { method: 'POST' })
    // The first events of an Anthropic stream (message_start, ping, block start, "Hell"), then SSE comments
    // (passed through: workerd notices a gone client when it writes), never the end.
    const scripted = await fetch(`${upstream}/__script?scope=${scope}`, {
      method: 'POST',
      body: JSON.stringify([{ stream: true, action: { do: 'stall', afterEvents: 4, commentMs: 50 } }]),
    })
    expect(scripted.status).toBe(200)
    // An Anthropic back end on the scripted upstream, through the registry (the Worker's own bindings stay as they are).
    const added = await SELF.fetch('http://localhost/api/v1/registry', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'abandon-box', url: `${upstream}/s/${scope}`, provider: 'anthropic', key: 'sk-ant-abandon-box', models: ['claude-left'] }),
    })
    expect(added.status).toBe(201)

    const res = await SELF.fetch('http://localhost/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'worker-client-key' },
      body: JSON.stringify({ model: 'abandon-box:claude-left', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    let got = ''
    while (!got.includes('Hell')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the stream ended early: ${got}`)
      got += new TextDecoder().decode(value)
    }
    await reader.cancel()

    await vi.waitFor(async () => {
      const log: Array<{ closedEarly: boolean }> = await (await fetch(`${upstream}/__requests?scope=${scope}`)).json()
      expect(log.map((r) => r.closedEarly)).toEqual([true])
    }, { timeout: 10_000 })
    const route = { backend: 'abandon-box', model: 'claude-left' }
    await vi.waitFor(async () => {
      const p = parseProm(await (await SELF.fetch('http://localhost/metrics', { headers: admin })).text())
      expect(valueOf(p, 'llm_gateway_requests_total', { ...route, front_end: 'anthropic', status: '499' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_requests_total', route)).toBe(1)
      expect(valueOf(p, 'llm_gateway_input_tokens_total', route)).toBe(20)
      expect(valueOf(p, 'llm_gateway_streams_total', { end: 'client_gone' })).toBeGreaterThanOrEqual(1)
      expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
      expect(valueOf(p, 'llm_gateway_ledger_model_requests', route)).toBe(1)
      expect(valueOf(p, 'llm_gateway_ledger_model_errors', route)).toBe(1)
      expect(valueOf(p, 'llm_gateway_ledger_model_input_tokens', route)).toBe(20)
    }, { timeout: 10_000 })
  })
})
