import { SELF } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'

// In-chat commands through the Worker entry (wrangler.toml main): the session lives
// in its Durable Object between requests. Its anthropic back end is the fake
// upstream's `worker-entry` prefix, which other tests share: this test's requests
// are told apart by model names of their own.
const sid = `cmd-${Math.random().toString(36).slice(2, 10)}`
const headers = { 'content-type': 'application/json', authorization: 'Bearer worker-client-key', 'x-session-id': sid }

const post = (path: string, body: unknown) => SELF.fetch(`http://localhost${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
const messages = (text: string, stream = false) => post('/v1/messages', { model: 'anthropic:claude-test', max_tokens: 50, stream, messages: [{ role: 'user', content: text }] })

async function upstreamModels(): Promise<string[]> {
  const log = (await (await fetch(`${inject('upstreamUrl')}/__log/worker-entry`)).json()) as Array<{ body: { model?: string; messages?: unknown } }>
  return log.map((r) => r.body.model ?? '').filter((m) => m.includes(sid))
}

describe('in-chat commands on Workers (sessions in Durable Objects)', () => {
  it('!/model and !/oneoff steer the session’s later requests; command-only messages never reach the upstream', async () => {
    const set = await messages(`!/model(anthropic:claude-session-${sid})`)
    expect(set.status).toBe(200)
    const setBody = (await set.json()) as { content: Array<{ text: string }>; stop_reason: string }
    expect(setBody.content[0]!.text).toContain(`model = anthropic:claude-session-${sid}`)
    expect(setBody.stop_reason).toBe('end_turn')
    const sessionId = set.headers.get('x-b2bua-session-id')
    expect(sessionId).toBeTruthy()

    // A streaming command-only message: an Anthropic stream that ends normally, with the reply's text.
    const once = await messages(`!/oneoff(anthropic:claude-once-${sid})`, true)
    const sse = await once.text()
    expect(sse).toContain('message_stop')
    expect(sse).toContain(`claude-once-${sid}`)

    const chat = (text: string) => post('/v1/chat/completions', { model: 'anthropic:claude-test', messages: [{ role: 'user', content: text }] })
    for (const text of ['first', 'second']) {
      const res = await chat(text)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-b2bua-session-id')).toBe(sessionId)
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Hello from anthropic!')
    }
    expect(await upstreamModels()).toEqual([`claude-once-${sid}`, `claude-session-${sid}`])
  })
})
