import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, inject, it, vi } from 'vitest'
import worker from '../../src/index'
import { decodeCapture } from '../../src/capture/codec'
import type { CaptureRecord } from '../../src/capture/format'
import { REDACTED } from '../../src/security/redactor'
import { R2Captures, type R2BucketLike } from '../../src/capture/r2-captures'

// Wire capture inside workerd with a real R2 binding (miniflare's CAPTURE_BUCKET): a request leaves
// an R2 object under captures/<day>/<session>/ that decodes with decodeCapture, holds the four legs
// and no key.
const OPENAI_KEY = 'sk-up-openai-worker-capture-9f8e'
const KEYS = [OPENAI_KEY, 'sk-ant-worker', 'worker-client-key', 'worker-admin-key']

async function objects(): Promise<Array<{ key: string; records: CaptureRecord[]; raw: string }>> {
  const out = []
  for (const o of (await env.CAPTURE_BUCKET.list({ prefix: 'captures/' })).objects) {
    const bytes = new Uint8Array(await (await env.CAPTURE_BUCKET.get(o.key))!.arrayBuffer())
    out.push({ key: o.key, records: decodeCapture(bytes).records, raw: new TextDecoder('latin1').decode(bytes) })
  }
  return out
}

describe('capture on Workers (R2)', () => {
  it('with CAPTURE=on, a streaming Anthropic request translated to OpenAI leaves an R2 object with the four legs and no key', async () => {
    const base = `${inject('upstreamUrl')}/t/worker-capture`
    const bindings = { ...(env as unknown as Record<string, unknown>), CAPTURE: 'on', CAPTURE_FLUSH_MS: '10', OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `${base}/v1` }
    const ctx = createExecutionContext()
    const res = await worker.fetch(
      new Request('http://localhost/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'worker-client-key', 'x-session-id': 'worker-capture-session' },
        body: JSON.stringify({ model: 'openai:gpt-test', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi, my admin key is worker-admin-key' }] }),
      }),
      bindings,
      ctx as never,
    )
    expect(res.status).toBe(200)
    const got = await res.text()
    expect(got).toContain('event: message_stop')
    await waitOnExecutionContext(ctx)
    const id = res.headers.get('x-request-id')!
    const session = res.headers.get('x-b2bua-session-id')!

    const found = (await objects()).filter((o) => o.records.some((r) => r.exchange === id))
    expect(found).toHaveLength(1)
    const [object] = found
    expect(object!.key).toMatch(new RegExp(`^captures/\\d{4}-\\d{2}-\\d{2}/${session}/\\d{13}-[0-9a-z]+\\.cbor$`))
    const records = object!.records.filter((r) => r.exchange === id)
    expect([...new Set(records.map((r) => r.leg))]).toEqual(['client-request', 'upstream-request', 'upstream-response', 'client-response', 'exchange'])
    expect(records.find((r) => r.leg === 'upstream-request' && r.kind === 'head')!.meta).toMatchObject({ url: `${base}/v1/chat/completions`, backend: 'openai', model: 'gpt-test' })
    const clientBytes = records.filter((r) => r.leg === 'client-response' && r.kind === 'chunk').map((r) => new TextDecoder().decode(r.data))
    expect(clientBytes.join('')).toBe(got)
    expect(records.at(-1)!.meta).toMatchObject({ frontEnd: 'anthropic', backend: 'openai', status: 200, session, usage: { inputTokens: 20, outputTokens: 9 } })
    for (const key of KEYS) expect(object!.raw).not.toContain(key)
    expect(object!.raw).toContain(REDACTED)

    // The reader (rt.captures on Workers) finds it again from the traffic row's id, start and session.
    const reader = new R2Captures(env.CAPTURE_BUCKET as unknown as R2BucketLike, { flushMs: 10, maxFileBytes: 1 << 20 })
    const at = records.at(-1)!.meta.startedAt as number
    const read = await reader.exchange({ exchange: id, at, session })
    expect(read!.records.map((r) => r.seq)).toEqual(records.map((r) => r.seq))
    expect(read!.source).toBe(object!.key)
    expect((await reader.exchange({ exchange: id, at }))!.records.length).toBe(records.length)
    expect(await reader.exchange({ exchange: 'req_nothere', at, session })).toBeUndefined()
  })

  it('`!/set(capture=on)` through the Worker entry captures that session’s later requests', async () => {
    const headers = { 'content-type': 'application/json', authorization: 'Bearer worker-client-key', 'x-session-id': `worker-capture-${Math.random().toString(36).slice(2, 10)}` }
    const say = (content: string) =>
      SELF.fetch('http://localhost/v1/chat/completions', { method: 'POST', headers, body: JSON.stringify({ model: 'anthropic:claude-capture', messages: [{ role: 'user', content }] }) })
    const before = await say('not captured')
    await before.text()
    const set = await say('!/set(capture=on)')
    expect(await set.text()).toContain('capture = true')
    const after = await say('captured')
    expect(((await after.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Hello from anthropic!')
    const id = after.headers.get('x-request-id')!
    const records = await vi.waitFor(
      async () => {
        const mine = (await objects()).flatMap((o) => o.records.filter((r) => r.exchange === id))
        if (!mine.some((r) => r.kind === 'summary')) throw new Error('not written yet')
        return mine
      },
      { timeout: 10_000, interval: 50 },
    )
    expect(records.at(-1)!.meta).toMatchObject({ frontEnd: 'openai-chat', backend: 'anthropic', status: 200 })
    const all = new Set((await objects()).flatMap((o) => o.records.map((r) => r.exchange)))
    expect(all.has(before.headers.get('x-request-id')!)).toBe(false)
  })
})
