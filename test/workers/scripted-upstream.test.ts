import { describe, expect, inject, it } from 'vitest'
import { createApp } from '../../src/app'
import { MemoryStore } from '../../src/state/memory-store'

/** Tests inside workerd drive the scripted upstream (test/integration/scripted-upstream.ts) over HTTP. */
const upstream = inject('scriptedUpstreamUrl')
const scope = 'workers-scripted-smoke'

describe('the scripted upstream from inside workerd', () => {
  it('takes a script over HTTP, answers the gateway by it, and records what it got', async () => {
    await fetch(`${upstream}/__reset?scope=${scope}`, { method: 'POST' })
    const scripted = await fetch(`${upstream}/__script?scope=${scope}`, {
      method: 'POST',
      body: JSON.stringify([{ model: 'broken', action: { do: 'status', status: 503 } }]),
    })
    expect(scripted.status).toBe(200)

    const bindings = {
      OPENAI_API_KEY: 'sk-scripted-workers-1',
      OPENAI_BASE_URL: `${upstream}/s/${scope}/v1`,
      LOG_LEVEL: 'silent',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    }
    const app = createApp({ store: () => new MemoryStore() })
    const chat = (model: string) =>
      app.fetch(
        new Request('http://localhost/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: `openai:${model}`, messages: [{ role: 'user', content: 'hi' }] }),
        }),
        bindings,
      )
    const broken = await chat('broken')
    expect(broken.status).toBeGreaterThanOrEqual(500)
    expect((await broken.json()).error.message).toEqual(expect.any(String))
    const fine = await chat('fine')
    expect(fine.status).toBe(200)
    expect((await fine.json()).usage.prompt_tokens).toBe(20)

    const log: Array<{ key: string; model: string; action: string; path: string }> = await (await fetch(`${upstream}/__requests?scope=${scope}`)).json()
    expect(log.length).toBeGreaterThanOrEqual(2)
    expect(log.every((r) => r.key === 'sk-scripted-workers-1' && r.path === '/v1/chat/completions')).toBe(true)
    expect(log.filter((r) => r.model === 'broken').every((r) => r.action === 'status 503')).toBe(true)
    expect(log.at(-1)).toMatchObject({ model: 'fine', action: 'ok' })
  })
})
