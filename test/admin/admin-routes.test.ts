import { beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { decodeCapture } from '../../src/capture/codec'
import { concatBytes } from '../../src/streams/concat-bytes'
import { issueAdminToken } from '../../src/admin/session-cookie'
import type { Runtime } from '../../src/gateway/runtime'
import { keyId } from '../../src/resilience/key-id'
import { memoryState } from '../../src/state/memory-state'
import type { GatewayState } from '../../src/state/ports'
import { exchangeRecords, HOSTILE, MemoryCaptures } from './memory-captures'

/** The admin page's routes through the app (no browser): the gate, the login, the forms' origin check, the pages. */
const ADMIN = 'admin-secret-key-0123'
const CLIENT = 'client-key-4567890'
const KEYS = ['sk-live-aaaaaaaa1111', 'sk-live-bbbbbbbb2222']
const ENV = { OPENAI_API_KEY: KEYS.join(','), ADMIN_API_KEY: ADMIN, PROXY_API_KEYS: CLIENT, LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }
const BASE = 'https://gw.example'

let state: GatewayState
let app: ReturnType<typeof createApp>
let cookie: string
beforeEach(async () => {
  state = memoryState()
  app = createApp({ env: ENV, state: () => state })
  cookie = `gateway_admin=${await issueAdminToken(ADMIN)}`
})

const utf8 = (s: string) => new TextEncoder().encode(s)
const get = (path: string, headers: Record<string, string> = { cookie }) => app.fetch(new Request(`${BASE}${path}`, { headers }))
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = { cookie, origin: BASE }) =>
  app.fetch(new Request(`${BASE}${path}`, { method: 'POST', headers, body: new URLSearchParams(form) }))

/** The runtime behind the app (a route added after the app's own goes through its middleware). */
async function runtimeOf(a: ReturnType<typeof createApp>): Promise<Runtime> {
  let rt: Runtime | undefined
  a.get('/__test/runtime', (c) => {
    rt = c.var.rt
    return c.text('ok')
  })
  await a.fetch(new Request(`${BASE}/__test/runtime`, { headers: { authorization: `Bearer ${CLIENT}` } }))
  return rt!
}

describe('admin page: the gate', () => {
  it('is off, saying how to turn it on, without ADMIN_API_KEY', async () => {
    const off = createApp({ env: { ...ENV, ADMIN_API_KEY: '' }, state: () => state })
    for (const req of [new Request(`${BASE}/admin`), new Request(`${BASE}/admin/traffic`), new Request(`${BASE}/admin/login`, { method: 'POST', headers: { origin: BASE }, body: new URLSearchParams({ key: 'x' }) })]) {
      const res = await off.fetch(req)
      expect(res.status).toBe(403)
      expect(res.headers.get('content-type')).toContain('text/html')
      expect(await res.text()).toContain('Set <code>ADMIN_API_KEY</code>')
    }
  })

  it('shows the login form without the cookie (no client key needed); other pages and the tail answer 401', async () => {
    const res = await get('/admin', {})
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<form method="post" action="/admin/login">')
    expect(html).toContain('name="key"')
    for (const path of ['/admin/traffic', '/admin/usage', '/admin/capture/x?at=1']) expect((await get(path, {})).status).toBe(401)
    expect((await get('/admin/events', {})).status).toBe(401)
    // The admin key itself, in a header or the URL, is not a login.
    expect((await get('/admin/traffic', { authorization: `Bearer ${ADMIN}` })).status).toBe(401)
    expect((await get(`/admin/traffic?key=${ADMIN}`, {})).status).toBe(401)
  })

  it('a wrong key: the form again with an error, 401, no cookie; the right one: a redirect with the cookie', async () => {
    const wrong = await post('/admin/login', { key: 'nope' }, { origin: BASE })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect(await wrong.text()).toContain('Wrong admin key.')
    const right = await post('/admin/login', { key: ADMIN }, { origin: BASE })
    expect(right.status).toBe(303)
    expect(right.headers.get('location')).toBe('/admin')
    const set = right.headers.get('set-cookie')!
    expect(set).toMatch(/^gateway_admin=v1\.\d+\.[\w-]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/)
    expect(set).not.toContain(ADMIN)
    const page = await get('/admin', { cookie: set.split(';')[0]! })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Endpoints')
  })

  it('refuses a form post from another origin, or with no origin at all', async () => {
    await state.health.report('openai', [{ type: 'retire', keyId: keyId(KEYS[0]!), hint: '…1111', reason: '401' }], { failures: 3, windowMs: 30_000, openMs: 30_000 })
    const attempts: Record<string, string>[] = [{ cookie, origin: 'https://evil.example' }, { cookie }, { cookie, origin: 'null' }, { cookie, referer: 'https://evil.example/x' }]
    for (const headers of attempts) {
      const res = await post('/admin/backends/openai/reactivate', {}, headers)
      expect(res.status).toBe(403)
    }
    expect(Object.keys((await state.health.read('openai')).keys)).toHaveLength(1)
    const res = await post('/admin/backends/openai/reactivate', {}, { cookie, referer: `${BASE}/admin` })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin?done=reactivated&id=openai#backend-openai')
    expect((await state.health.read('openai')).keys).toEqual({})
  })

  it('logs out by clearing the cookie', async () => {
    const res = await post('/admin/logout', {})
    expect(res.status).toBe(303)
    expect(res.headers.get('set-cookie')).toMatch(/^gateway_admin=; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=0/)
  })
})

describe('admin page: pages and actions', () => {
  it('the overview masks keys, shows a retired key with its reactivate form, and unknown back ends are a 404 page', async () => {
    await state.health.report('openai', [{ type: 'retire', keyId: keyId(KEYS[0]!), hint: '…1111', reason: 'HTTP 401' }], { failures: 3, windowMs: 30_000, openMs: 30_000 })
    const html = await (await get('/admin')).text()
    for (const k of KEYS) expect(html).not.toContain(k)
    expect(html).toContain('<code>…1111</code>')
    expect(html).toContain('action="/admin/backends/openai/reactivate"')
    expect(html).toContain('1 key retired')
    const missing = await post('/admin/backends/nope/reactivate', {})
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('No back end &quot;nope&quot; is configured.')
  })

  it('adds a registry endpoint (its key never shown), refuses a bad one with the reason, and removes it', async () => {
    const secret = 'sk-box-registry-secret-99'
    const added = await post('/admin/endpoints', { id: 'box', url: 'http://127.0.0.1:9/v1', key: secret, models: 'm-1, m-2' })
    expect(added.status).toBe(303)
    expect(added.headers.get('location')).toBe('/admin?done=added&id=box')
    const html = await (await get('/admin?done=added&id=box')).text()
    expect(html).toContain('Added registry endpoint box.')
    expect(html).toMatch(/<tr data-endpoint="box">.*registry.*http:\/\/127\.0\.0\.1:9\/v1/s)
    expect(html).not.toContain(secret)

    const bad = await post('/admin/endpoints', { id: 'Bad Id', url: 'ftp://x', key: secret })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(badHtml).toContain('Endpoint not added: id: must be lower-case letters')
    expect(badHtml).not.toContain(secret)

    const notRegistry = await post('/admin/endpoints/openai/delete', {})
    expect(notRegistry.status).toBe(404)
    expect(await notRegistry.text()).toContain('comes from env, not the registry')
    const removed = await post('/admin/endpoints/box/delete', {})
    expect(removed.status).toBe(303)
    expect(await (await get('/admin')).text()).not.toContain('data-endpoint="box"')
  })

  it('the traffic page lists the feed newest first, escaped, linking captured rows to their capture', async () => {
    const rt = await runtimeOf(app)
    const row = { id: 'req_a1', requestId: 'req_a1', at: Date.UTC(2026, 0, 1, 12), client: 'key-1', session: 's_1', frontEnd: 'openai-chat', backend: 'openai', model: '<b>m</b>', status: 200, stream: true, totalMs: 12, inputTokens: 3, outputTokens: 4, captured: true }
    rt.feed.push(row)
    rt.feed.push({ ...row, id: 'req_b2', requestId: 'req_b2', captured: false, status: 502 })
    const html = await (await get('/admin/traffic')).text()
    expect(html.indexOf('data-id="req_b2"')).toBeLessThan(html.indexOf('data-id="req_a1"'))
    expect(html).toContain('openai:&lt;b&gt;m&lt;/b&gt;')
    expect(html).toContain(`href="/admin/capture/req_a1?at=${row.at}&amp;session=s_1"`)
    expect(html).not.toContain('/admin/capture/req_b2')
    expect(html).toContain('Capture is off')
  })

  it('the capture page: a clear 404 when capture is off or the exchange is not kept; the legs, escaped, when it is', async () => {
    const rt = (await runtimeOf(app)) as Runtime & { captures?: MemoryCaptures }
    expect(await (await get('/admin/capture/req_x?at=1')).text()).toContain('Capture is off')
    const captures = new MemoryCaptures()
    rt.captures = captures
    const row = { id: 'req_c3', requestId: 'req_c3', at: Date.UTC(2026, 0, 1, 12), client: 'key-1', session: 's_9', frontEnd: 'openai-chat', backend: 'openai', model: 'gpt-4.1', status: 200, stream: true, totalMs: 12, inputTokens: 3, outputTokens: 4, captured: true }
    captures.add(exchangeRecords(row, 'Hello there, admin!'))
    const none = await get('/admin/capture/req_zz?at=5')
    expect(none.status).toBe(404)
    expect(await none.text()).toContain('No capture of exchange req_zz is kept')
    const res = await get(`/admin/capture/req_c3?at=${row.at}&session=s_9`)
    expect(res.status).toBe(200)
    expect(captures.asked.at(-1)).toEqual({ exchange: 'req_c3', at: row.at, session: 's_9' })
    const html = await res.text()
    expect(html.match(/data-leg="[^"]+"/g)).toEqual(['data-leg="client-request"', 'data-leg="upstream-request"', 'data-leg="upstream-response"', 'data-leg="client-response"'])
    expect(html).not.toContain(HOSTILE)
    expect(html).toContain('&lt;script&gt;')
    expect(html).toContain('4 stream chunks, reassembled')
    expect(html).toContain('authorization: [redacted]')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    // Where it is kept, and its download link.
    expect(html).toContain('data-source="memory.cbor"')
    expect(html).toContain(`href="/admin/capture/req_c3.cbor?at=${row.at}&amp;session=s_9"`)
  })

  it('downloads one exchange as a capture file (header and records), secrets the gateway holds now removed again', async () => {
    const rt = (await runtimeOf(app)) as Runtime & { captures?: MemoryCaptures }
    const captures = new MemoryCaptures()
    rt.captures = captures
    const row = { id: 'req_d4', requestId: 'req_d4', at: Date.UTC(2026, 0, 1, 12), client: 'key-1', session: 's_7', frontEnd: 'openai-chat', backend: 'openai', model: 'gpt-4.1', status: 200, stream: true, totalMs: 12, inputTokens: 3, outputTokens: 4, captured: true }
    // Written before the gateway held this key (a registry endpoint added since, say): the download takes it
    // out, also where an upstream's chunks split it.
    const [k1, k2] = [KEYS[1]!.slice(0, 9), KEYS[1]!.slice(9)]
    const records = exchangeRecords(row).map((r) => {
      if (r.leg === 'client-request' && r.kind === 'body') return { ...r, data: utf8(`{"messages":[{"role":"user","content":"my key: ${KEYS[1]}"}]}`) }
      if (r.leg === 'upstream-response' && r.kind === 'chunk') return { ...r, data: utf8(r.seq % 2 ? `data: {"said":"${k1}` : `${k2}"}\n\n`) }
      return r
    })
    captures.add(records)
    captures.add(exchangeRecords({ ...row, id: 'req_other' }))
    const res = await get(`/admin/capture/req_d4.cbor?at=${row.at}&session=s_7`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/cbor-seq')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="req_d4.cbor"')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const bytes = new Uint8Array(await res.arrayBuffer())
    const file = decodeCapture(bytes)
    expect(file.header).toMatchObject({ format: 'llm-gateway-capture', version: 1, runtime: 'node', created: row.at })
    expect(file.records.map((r) => [r.exchange, r.seq, r.leg, r.kind])).toEqual(records.map((r) => [r.exchange, r.seq, r.leg, r.kind]))
    const joined = (leg: string) => new TextDecoder().decode(concatBytes(file.records.filter((r) => r.leg === leg && r.data).map((r) => r.data!)))
    expect(joined('client-request')).toBe('{"messages":[{"role":"user","content":"my key: [REDACTED]"}]}')
    expect(joined('upstream-response')).toContain('data: {"said":"[REDACTED]"}\n\n')
    expect(new TextDecoder('latin1').decode(bytes)).not.toContain(KEYS[1])
    for (const part of [k1, k2]) expect(joined('upstream-response')).not.toContain(part)
    // Not kept, or not logged in: no file.
    expect((await get(`/admin/capture/req_zz.cbor?at=${row.at}`)).status).toBe(404)
    expect((await get(`/admin/capture/req_d4.cbor?at=${row.at}&session=s_7`, {})).status).toBe(401)
  })

  it('the usage page draws the ledger per day and the feed per hour', async () => {
    const now = Date.now()
    await state.usage.record([
      { at: now, client: 'key-1', frontEnd: 'openai-chat', backend: 'openai', model: 'gpt-4.1', attempts: ['openai:gpt-4.1'], status: 200, inputTokens: 100, outputTokens: 20, cachedInputTokens: 0, reasoningTokens: 0, totalMs: 5, costUsd: null },
      { at: now, client: 'ci-bot', frontEnd: 'anthropic', backend: 'anthropic', model: 'claude', attempts: ['anthropic:claude'], status: 500, inputTokens: 7, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, totalMs: 5, costUsd: null },
    ])
    const html = await (await get('/admin/usage?days=7')).text()
    expect(html).toContain('Last 7 days')
    expect(html).toMatch(/<figure[^>]*id="requests-per-day"[^>]*>.*?data-total="2"/s)
    expect(html).toMatch(/<figure[^>]*id="tokens-per-day"[^>]*>.*?data-total="127"/s)
    expect(html).toContain('openai:gpt-4.1: 120 tokens (· 1 req)')
    expect(html).toContain('ci-bot')
  })
})
