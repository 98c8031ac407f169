import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, OPENAI_KEYS, rig } from './resilience-harness'
import { startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream'

/**
 * Key pools end to end (Node adapter → scripted upstream): a 429 cools a key,
 * a 401 retires it (diagnostics, reactivation), sessions stick to a key,
 * round-robin rotates, short cooldowns are waited out and long ones are a 429.
 */
let up: ScriptedUpstream
beforeAll(async () => {
  up = await startScriptedUpstream()
})
afterAll(() => up.close())

const [K1, K2, K3] = OPENAI_KEYS as [string, string, string]
const tail = (k: string) => k.slice(-4)

describe('key pool', () => {
  it('a 429 with retry-after 30 cools the first key: the request succeeds on the second, and the next ten never use the first', async () => {
    const r = await rig(up)
    try {
      up.script([{ key: K1, action: { do: 'status', status: 429, retryAfter: 30 } }], r.scope)
      // Find a conversation that starts on K1 (sessions are spread over the keys).
      let first: Response | undefined
      for (let i = 0; i < 20 && !first; i++) {
        const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `conversation ${i}`))
        expect(res.status).toBe(200)
        if (up.requests(r.scope).some((q) => q.key === K1)) first = res
        else await res.arrayBuffer()
      }
      expect(first, 'some conversation was sent to the first key').toBeDefined()
      const log = up.requests(r.scope)
      expect(log.slice(-2).map((q) => [q.key, q.action])).toEqual([
        [K1, 'status 429'],
        [K2, 'ok'],
      ])
      expect(first!.headers.get('x-gateway-route')).toBe(`openai:gpt-4.1; key=...${tail(K2)}`)
      expect(first!.headers.get('x-gateway-attempts')).toMatch(/^2; openai:gpt-4\.1=429, openai:gpt-4\.1=200$/)
      expect(((await first!.json()) as any).choices[0].message.content).toBeTruthy()

      const before = log.length
      for (let i = 0; i < 10; i++) {
        const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `another conversation ${i}`))
        expect(res.status).toBe(200)
        expect(res.headers.get('x-gateway-attempts')).toMatch(/^1; /)
        await res.arrayBuffer()
      }
      const after = up.requests(r.scope).slice(before)
      expect(after).toHaveLength(10)
      expect(after.every((q) => q.key === K2)).toBe(true)

      // Diagnostics show the first key cooling, with when it is free again, and never the key itself.
      const diag = await (await r.get('/v1/diagnostics')).text()
      expect(diag).not.toContain(K1)
      const keys = (JSON.parse(diag) as any).backends.find((b: any) => b.id === 'openai').keys
      expect(keys.find((k: any) => k.key.endsWith(tail(K1)))).toMatchObject({ state: 'cooling', until: expect.anything() })
    } finally {
      await r.gw.close()
    }
  })

  it('a 401 retires the key: later requests skip it, diagnostics show it disabled, reactivation brings it back', async () => {
    const r = await rig(up)
    try {
      up.script([{ key: K1, times: 1, action: { do: 'status', status: 401 } }], r.scope)
      let sawK1 = false
      for (let i = 0; i < 20 && !sawK1; i++) {
        const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `conversation ${i}`))
        expect(res.status).toBe(200)
        await res.arrayBuffer()
        sawK1 = up.requests(r.scope).some((q) => q.key === K1)
      }
      expect(sawK1).toBe(true)
      expect(up.requests(r.scope).at(-1)).toMatchObject({ key: K2, action: 'ok' })

      const before = up.requests(r.scope).length
      for (let i = 0; i < 10; i++) await (await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `later ${i}`))).arrayBuffer()
      expect(up.requests(r.scope).slice(before).map((q) => q.key)).toEqual(Array(10).fill(K2))

      const diag = await r.get('/v1/diagnostics')
      expect(diag.status).toBe(200)
      const text = await diag.text()
      expect(text).not.toContain(K1)
      const openai = (JSON.parse(text) as any).backends.find((b: any) => b.id === 'openai')
      const k1 = openai.keys.find((k: any) => k.key.endsWith(tail(K1)))
      expect(k1).toMatchObject({ state: 'disabled', reason: expect.stringContaining('401') })
      expect(openai.keys.find((k: any) => k.key.endsWith(tail(K2))).state).toBe('active')

      // Not for a client key.
      expect((await r.get('/v1/diagnostics', 'client-key-resilience')).status).toBe(401)

      const react = await r.post('/v1/diagnostics/backends/openai/reactivate', {}, { authorization: 'Bearer admin-key-resilience' })
      expect(react.status).toBe(200)
      expect(((await react.json()) as any).reactivated).toBe(1)
      const again = (await (await r.get('/v1/diagnostics')).json()) as any
      expect(again.backends.find((b: any) => b.id === 'openai').keys.every((k: any) => k.state === 'active')).toBe(true)

      // The first key is used again (the 401 rule was used up).
      const mark = up.requests(r.scope).length
      for (let i = 0; i < 20; i++) await (await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `after ${i}`))).arrayBuffer()
      expect(up.requests(r.scope).slice(mark).some((q) => q.key === K1)).toBe(true)
    } finally {
      await r.gw.close()
    }
  })
})

describe('a 429 without retry-after', () => {
  it('cools the key for KEY_COOLDOWN_S: later requests use the other key, diagnostics say so', async () => {
    const r = await rig(up, { KEY_COOLDOWN_S: '600' })
    try {
      up.script([{ key: K1, times: 1, action: { do: 'status', status: 429 } }], r.scope)
      for (let i = 0; i < 20 && !up.requests(r.scope).some((q) => q.key === K1); i++) {
        const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `conversation ${i}`))
        expect(res.status).toBe(200)
        await res.arrayBuffer()
      }
      expect(up.requests(r.scope).filter((q) => q.key === K1).map((q) => q.action)).toEqual(['status 429'])
      const before = up.requests(r.scope).length
      for (let i = 0; i < 10; i++) await (await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `later ${i}`))).arrayBuffer()
      expect(up.requests(r.scope).slice(before).map((q) => q.key)).toEqual(Array(10).fill(K2))
      const keys = ((await (await r.get('/v1/diagnostics')).json()) as any).backends.find((b: any) => b.id === 'openai').keys
      const k1 = keys.find((k: any) => k.key.endsWith(tail(K1)))
      expect(k1).toMatchObject({ state: 'cooling', reason: expect.stringContaining('no retry-after') })
      // About ten minutes from now, not the 30 s or so an upstream would typically ask for.
      expect(Date.parse(k1.until) - Date.now()).toBeGreaterThan(300_000)
    } finally {
      await r.gw.close()
    }
  })
})

describe('every key retired', () => {
  it('a chain moves on to its next entry; a lone selector gets an error saying how to reactivate', async () => {
    const r = await rig(up, { CIRCUIT_FAILURES: '1000' })
    try {
      up.script([{ path: '/chat/completions', action: { do: 'status', status: 401 } }], r.scope)
      const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1|anthropic:claude-sonnet-4-5'))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-route')).toMatch(/^anthropic:claude-sonnet-4-5/)
      expect(res.headers.get('x-gateway-attempts')).toMatch(/^3; openai:gpt-4\.1=401, openai:gpt-4\.1=401, anthropic/)
      await res.arrayBuffer()
      expect(up.requests(r.scope).map((q) => q.key).slice(0, 2).sort()).toEqual([K1, K2].sort())

      const before = up.requests(r.scope).length
      const lone = await r.post('/v1/chat/completions', chat('openai:gpt-4.1'))
      expect(lone.status).not.toBe(200)
      const body = (await lone.json()) as any
      expect(body.error.message).toContain('/v1/diagnostics/backends/openai/reactivate')
      expect(JSON.stringify(body)).not.toContain(K1)
      // Nothing went upstream: both keys are known to be retired.
      expect(up.requests(r.scope)).toHaveLength(before)
    } finally {
      await r.gw.close()
    }
  })
})

describe('rotation', () => {
  const three = { OPENAI_API_KEY: [K1, K2, K3].join(',') }

  it('by default each x-session-id sticks to one key, and sessions spread over the keys', async () => {
    const r = await rig(up, three)
    try {
      const keyOf = new Map<string, Set<string>>()
      for (let round = 0; round < 3; round++)
        for (let s = 0; s < 8; s++) {
          const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', `message ${round}`), { 'x-session-id': `session-${s}` })
          expect(res.status).toBe(200)
          await res.arrayBuffer()
          const key = up.requests(r.scope).at(-1)!.key!
          if (!keyOf.has(`session-${s}`)) keyOf.set(`session-${s}`, new Set())
          keyOf.get(`session-${s}`)!.add(key)
        }
      for (const keys of keyOf.values()) expect(keys.size).toBe(1)
      const used = new Set([...keyOf.values()].map((s) => [...s][0]))
      expect(used.size).toBeGreaterThan(1)
    } finally {
      await r.gw.close()
    }
  })

  it('KEY_ROTATION=round-robin rotates per request, even within one session', async () => {
    const r = await rig(up, { ...three, KEY_ROTATION: 'round-robin' })
    try {
      for (let i = 0; i < 6; i++) await (await r.post('/v1/chat/completions', chat('openai:gpt-4.1'), { 'x-session-id': 'one' })).arrayBuffer()
      const keys = up.requests(r.scope).map((q) => q.key)
      expect(keys).toHaveLength(6)
      for (let i = 1; i < 6; i++) expect(keys[i]).not.toBe(keys[i - 1])
      expect(new Set(keys).size).toBe(3)
      expect(keys.slice(3)).toEqual(keys.slice(0, 3))
    } finally {
      await r.gw.close()
    }
  })
})

describe('every key cooling', () => {
  const cooling = (retryAfter: number) =>
    [K1, K2].map((key) => ({ key, times: 1, action: { do: 'status' as const, status: 429, retryAfter } }))

  it('a cooldown within RETRY_MAX_WAIT_S is waited out and the request succeeds', async () => {
    const r = await rig(up, { RETRY_MAX_WAIT_S: '2' })
    try {
      up.script(cooling(1), r.scope)
      const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1'))
      expect(res.status).toBe(200)
      expect(((await res.json()) as any).choices[0].message.content).toBeTruthy()
      expect(up.requests(r.scope).map((q) => q.action)).toEqual(['status 429', 'status 429', 'ok'])
      expect(res.headers.get('x-gateway-attempts')).toMatch(/^3; /)
    } finally {
      await r.gw.close()
    }
  })

  it('a streaming client gets ": retrying in" comments before the events', async () => {
    const r = await rig(up, { RETRY_MAX_WAIT_S: '2' })
    try {
      up.script(cooling(1), r.scope)
      const res = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', 'hi', { stream: true }))
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text.startsWith(': retrying in')).toBe(true)
      expect(text).toContain('data: {')
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
      expect(up.requests(r.scope).map((q) => q.action)).toEqual(['status 429', 'status 429', 'ok'])
    } finally {
      await r.gw.close()
    }
  })

  it('beyond RETRY_MAX_WAIT_S: a 429 in the client\'s protocol with retry-after, for every front end', async () => {
    const r = await rig(up, { RETRY_MAX_WAIT_S: '2' })
    try {
      up.script([{ action: { do: 'status', status: 429, retryAfter: 30 } }], r.scope)
      const o = await r.post('/v1/chat/completions', chat('openai:gpt-4.1'))
      expect(o.status).toBe(429)
      const ra = Number(o.headers.get('retry-after'))
      expect(ra).toBeGreaterThan(2)
      expect(ra).toBeLessThanOrEqual(30)
      expect(((await o.json()) as any).error).toMatchObject({ type: expect.any(String), message: expect.any(String) })
      const a = await r.post('/v1/messages', { model: 'openai:gpt-4.1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      expect(a.status).toBe(429)
      expect(a.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await a.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
      const g = await r.post('/v1beta/models/openai:gpt-4.1:generateContent', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })
      expect(g.status).toBe(429)
      expect(g.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(((await g.json()) as any).error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' })
      // A streaming client too: a plain 429, nothing waited.
      const st = await r.post('/v1/chat/completions', chat('openai:gpt-4.1', 'hi', { stream: true }))
      expect(st.status).toBe(429)
      expect(st.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(((await st.json()) as any).error.message).toBeTruthy()
      // Both keys were asked once; later requests did not go upstream at all.
      expect(up.requests(r.scope).map((q) => q.key).sort()).toEqual([K1, K2].sort())
    } finally {
      await r.gw.close()
    }
  })
})
