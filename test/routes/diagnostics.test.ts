import { beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { keyId } from '../../src/resilience/key-id'
import { memoryState } from '../../src/state/memory-state'
import type { CircuitPolicy, GatewayState } from '../../src/state/ports'

/** GET /v1/diagnostics and reactivation, over memory state with reports applied directly. */
const KEYS = ['sk-live-aaaaaaaa1111', 'sk-live-bbbbbbbb2222', 'sk-live-cccccccc3333']
const ANTHROPIC_KEY = 'sk-ant-zzzzzzzzzz9999'
const ADMIN = 'admin-secret-key-0123'
const CLIENT = 'client-key-4567890'
const POLICY: CircuitPolicy = { failures: 3, windowMs: 30_000, openMs: 30_000 }

const ENV = {
  OPENAI_API_KEY: KEYS.join(','),
  ANTHROPIC_API_KEY: ANTHROPIC_KEY,
  ADMIN_API_KEY: ADMIN,
  PROXY_API_KEYS: CLIENT,
  ROUTES: JSON.stringify({ smart: ['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5'] }),
  LOG_LEVEL: 'silent',
  LLM_PROXY_LOCAL_DISCOVERY: '0',
}

let state: GatewayState
let app: ReturnType<typeof createApp>
beforeEach(() => {
  state = memoryState()
  app = createApp({ env: ENV, state: () => state })
})

const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }, a = app) =>
  a.fetch(new Request(`http://gateway.test${path}`, { headers }))
const post = (path: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }, a = app) =>
  a.fetch(new Request(`http://gateway.test${path}`, { method: 'POST', headers }))

/** One key cooling, one retired, an open circuit, and errors (one whose message echoes a key). */
async function troubled(now = Date.now()) {
  await state.health.report(
    'openai',
    [
      { type: 'cool', keyId: keyId(KEYS[0]!), hint: '…1111', until: now + 30_000, reason: '429 rate_limit_exceeded' },
      { type: 'retire', keyId: keyId(KEYS[1]!), hint: '…2222', reason: '401 invalid_api_key' },
      ...[1, 2, 3].map((i) => ({ type: 'failure' as const, model: 'gpt-4.1', kind: 'server' as const, status: 500, message: `upstream 500 #${i}` })),
      { type: 'failure', model: 'gpt-4.1-mini', kind: 'auth', status: 401, hint: '…3333', message: `Incorrect API key provided: ${KEYS[2]}` },
    ],
    POLICY,
  )
  await state.health.report('groq', [{ type: 'failure', model: 'llama', kind: 'timeout', message: 'no first byte in 60000 ms' }], POLICY)
}

describe('GET /v1/diagnostics', () => {
  it('shows each back end’s keys (masked), circuits and recent errors, and the routes', async () => {
    const now = Date.now()
    await troubled(now)
    const res = await get('/v1/diagnostics')
    expect(res.status).toBe(200)
    const body: any = await res.json()
    const openai = body.backends.find((b: any) => b.id === 'openai')
    expect(openai.configured).toBe(true)
    expect(openai.keys).toEqual([
      { key: '…1111', state: 'cooling', until: new Date(now + 30_000).toISOString(), reason: '429 rate_limit_exceeded' },
      { key: '…2222', state: 'disabled', since: expect.any(String), reason: '401 invalid_api_key' },
      { key: '…3333', state: 'active' },
    ])
    expect(openai.circuits).toEqual([{ model: 'gpt-4.1', state: 'open', failures: 3, until: expect.any(String) }])
    expect(Date.parse(openai.circuits[0].until)).toBeGreaterThan(now)
    // Newest first; the echoed key is redacted, the rest of the message kept.
    expect(openai.recent_errors.map((e: any) => [e.model, e.kind, e.status, e.message])).toEqual([
      ['gpt-4.1-mini', 'auth', 401, 'Incorrect API key provided: [REDACTED]'],
      ['gpt-4.1', 'server', 500, 'upstream 500 #3'],
      ['gpt-4.1', 'server', 500, 'upstream 500 #2'],
      ['gpt-4.1', 'server', 500, 'upstream 500 #1'],
    ])
    expect(openai.recent_errors[0].key).toBe('…3333')
    expect(Number.isNaN(Date.parse(openai.recent_errors[0].at))).toBe(false)

    const anthropic = body.backends.find((b: any) => b.id === 'anthropic')
    expect(anthropic).toEqual({ id: 'anthropic', configured: true, keys: [{ key: '…9999', state: 'active' }], circuits: [], recent_errors: [] })
    // A back end the state knows but the settings do not configure is listed too.
    const groq = body.backends.find((b: any) => b.id === 'groq')
    // A closed circuit with failures in its window shows them.
    expect(groq).toMatchObject({ id: 'groq', configured: false, keys: [], circuits: [{ model: 'llama', state: 'closed', failures: 1 }] })
    expect(groq.recent_errors[0]).toMatchObject({ model: 'llama', kind: 'timeout' })
    // Unconfigured catalogue entries with no record are not.
    expect(body.backends.every((b: any) => b.configured || b.id === 'groq')).toBe(true)
    expect(body.routes).toEqual({ smart: ['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5'] })
  })

  it('a healthy gateway: every configured key active, nothing open', async () => {
    const body: any = await (await get('/v1/diagnostics', { 'x-api-key': ADMIN })).json()
    const openai = body.backends.find((b: any) => b.id === 'openai')
    expect(openai.keys).toEqual(KEYS.map((k) => ({ key: `…${k.slice(-4)}`, state: 'active' })))
    expect([openai.circuits, openai.recent_errors]).toEqual([[], []])
  })

  it('no key, secret or admin key appears in the answer, whole or in part beyond the hint', async () => {
    await troubled()
    const text = await (await get('/v1/diagnostics')).text()
    for (const secret of [...KEYS, ANTHROPIC_KEY, ADMIN, CLIENT]) {
      expect(text).not.toContain(secret)
      // Not even the part before the last 4 characters.
      expect(text).not.toContain(secret.slice(0, -4))
    }
    // Nor the fingerprints state names keys by.
    for (const k of KEYS) expect(text).not.toContain(keyId(k))
  })
})

describe('admin only', () => {
  const openaiError = (body: any) =>
    typeof body?.error?.message === 'string' && typeof body.error.type === 'string' && 'code' in body.error && 'param' in body.error

  it('401 without the admin key (none, a wrong one, or a client key), in OpenAI’s error shape', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-admin-key' }, { 'x-api-key': CLIENT }] as Record<string, string>[]) {
      for (const res of [await get('/v1/diagnostics', headers), await post('/v1/diagnostics/backends/openai/reactivate', headers)]) {
        expect(res.status).toBe(401)
        const body = await res.json()
        expect(openaiError(body)).toBe(true)
        expect(body.error.message).toContain('ADMIN_API_KEY')
      }
    }
  })

  it('only the diagnostics paths skip the client key check', async () => {
    const res = await get('/v1/diagnosticsx', {})
    expect(res.status).toBe(401)
    expect(((await res.json()) as any).error.message).toMatch(/^Missing API key: send one of PROXY_API_KEYS/)
  })

  it('off (403 naming ADMIN_API_KEY) when ADMIN_API_KEY is not set', async () => {
    const { ADMIN_API_KEY: _, ...env } = ENV
    const noAdmin = createApp({ env, state: () => state })
    const res = await get('/v1/diagnostics', { authorization: `Bearer ${CLIENT}` }, noAdmin)
    expect(res.status).toBe(403)
    const body: any = await res.json()
    expect(openaiError(body)).toBe(true)
    expect(body.error.message).toBe('The diagnostics API is off: set ADMIN_API_KEY to use it.')
  })
})

describe('POST /v1/diagnostics/backends/{backend}/reactivate', () => {
  it('brings retired and cooling keys back, and says how many', async () => {
    await troubled()
    const res = await post('/v1/diagnostics/backends/openai/reactivate')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ backend: 'openai', reactivated: 2 })
    const openai = ((await (await get('/v1/diagnostics')).json()) as any).backends.find((b: any) => b.id === 'openai')
    expect(openai.keys.map((k: any) => k.state)).toEqual(['active', 'active', 'active'])
    // Circuits are not keys: the open one stays open.
    expect(openai.circuits[0].state).toBe('open')
    expect(await (await post('/v1/diagnostics/backends/openai/reactivate')).json()).toEqual({ backend: 'openai', reactivated: 0 })
  })

  it('a back end only the state knows can be reactivated; an unknown one is a 404', async () => {
    await troubled()
    expect(await (await post('/v1/diagnostics/backends/groq/reactivate')).json()).toEqual({ backend: 'groq', reactivated: 0 })
    const res = await post('/v1/diagnostics/backends/no-such-backend/reactivate')
    expect(res.status).toBe(404)
    expect(((await res.json()) as any).error.message).toBe('No back end "no-such-backend" is configured.')
  })
})

describe('404 hints know the paths', () => {
  it('a missing /v1 or the registry’s /api prefix points at /v1/diagnostics; a wrong method is a 405', async () => {
    const headers = { authorization: `Bearer ${CLIENT}` }
    const missing = await get('/diagnostics', headers)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as any).error.message).toContain('Did you mean GET /v1/diagnostics?')
    const api = await get('/api/v1/diagnostics', headers)
    expect(((await api.json()) as any).error.message).toContain('Did you mean GET /v1/diagnostics?')
    const reactivate = await post('/diagnostics/backends/openai/reactivate', headers)
    expect(((await reactivate.json()) as any).error.message).toContain('Did you mean POST /v1/diagnostics/backends/openai/reactivate?')
    const wrongMethod = await get('/v1/diagnostics/backends/openai/reactivate')
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
  })
})
