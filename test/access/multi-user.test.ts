import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { undiciTransport } from '../../adapters/undici-transport'
import { HOP_HEADER } from '../../src/access/loop-guard'
import { createApp } from '../../src/app'
import { fetchTransport } from '../../src/upstream/transport'
import { startFakeUpstream, type FakeUpstream } from '../integration/fake-upstream'

// A subscription back end of the test's own (the real ones come with the CLI logins' catalogue entries).
vi.mock('../../src/providers/catalogue', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/providers/catalogue')>()
  return {
    ...real,
    CATALOGUE: [...real.CATALOGUE, { id: 'test-login', protocol: 'openai-chat', baseUrl: 'https://login.example.com/v1', auth: 'login', keyRequired: true, models: ['m'] }],
  }
})

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())

const json = { 'content-type': 'application/json' }
const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] })
const messages = (model: string) => JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
const gemini = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })

/** A transport that answers every chat call with "hello" and notes the URLs it was sent to. */
const answeringTransport = (sent: string[]) => async (req: { url: string; body?: string }) => {
  sent.push(req.url)
  const model = JSON.parse(req.body ?? '{}').model
  return Response.json({ id: 'c', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }] })
}

/** The app as the Node adapter builds it, each request from the address `from` (the adapter's socket peer). */
function app(env: Record<string, string>, resolveHost?: (host: string) => Promise<string[]>) {
  const a = createApp({ env: { LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', ...env }, remoteAddress: (e) => (e as { from?: string })?.from, resolveHost })
  return (path: string, init: RequestInit = {}, from = '203.0.113.7') => a.fetch(new Request(`http://127.0.0.1${path}`, init), { from })
}

describe('multi-user mode without client keys', () => {
  const call = app({ ACCESS_MODE: 'multi-user', OPENAI_API_KEY: 'sk-up' })

  it('every request is a 503 in its own protocol naming PROXY_API_KEYS', async () => {
    const openai = await call('/v1/chat/completions', { method: 'POST', headers: json, body: chat('openai:gpt-4.1') })
    expect(openai.status).toBe(503)
    const o = (await openai.json()) as any
    expect(o.error.code).toBe('client_keys_required')
    expect(o.error.message).toContain('PROXY_API_KEYS')
    expect(o.error.message).toContain('ACCESS_MODE=multi-user')

    const anthropic = await call('/v1/messages', { method: 'POST', headers: json, body: messages('openai:gpt-4.1') })
    expect(anthropic.status).toBe(503)
    expect(((await anthropic.json()) as any)).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('PROXY_API_KEYS') } })

    const g = await call('/v1beta/models/openai:gpt-4.1:generateContent', { method: 'POST', headers: json, body: gemini })
    expect(g.status).toBe(503)
    expect(((await g.json()) as any).error).toMatchObject({ code: 503, message: expect.stringContaining('clients: list') })
  })

  it('/health says the mode and the reason, and nothing secret', async () => {
    const res = await call('/health')
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(JSON.parse(text)).toMatchObject({ status: 'ok', mode: 'multi-user', warnings: [expect.stringContaining('PROXY_API_KEYS')] })
    expect(text).not.toContain('sk-up')
  })

  it('the Node adapter refuses to start, naming ACCESS_MODE and PROXY_API_KEYS', async () => {
    await expect(startGateway({ ACCESS_MODE: 'multi-user', LOG_LEVEL: 'silent' }, '127.0.0.1', 0)).rejects.toThrow(
      /ACCESS_MODE=multi-user needs client keys\. Set PROXY_API_KEYS/,
    )
  })

  it('a bad ACCESS_MODE is a settings error naming it', async () => {
    await expect(startGateway({ ACCESS_MODE: 'team', LOG_LEVEL: 'silent' }, '127.0.0.1', 0)).rejects.toThrow('Invalid setting ACCESS_MODE: must be single-user or multi-user')
  })
})

describe('single-user mode on Node', () => {
  it('a non-loopback HOST is refused before anything listens, naming ACCESS_MODE', async () => {
    await expect(startGateway({ LOG_LEVEL: 'silent' }, '0.0.0.0', 0)).rejects.toThrow(/Refusing to listen on HOST=0\.0\.0\.0: single-user mode \(ACCESS_MODE unset or single-user\) binds loopback only/)
    await expect(startGateway({ ACCESS_MODE: 'single-user', LOG_LEVEL: 'silent' }, '192.0.2.1', 0)).rejects.toThrow(/ACCESS_MODE=multi-user/)
  })

  it('loopback starts, /health says single-user, and a CLI-login back end is not refused for the mode', async () => {
    const gw = await startGateway({ LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', TEST_LOGIN_API_KEY: '/tmp/creds.json' }, '127.0.0.1', 0)
    try {
      expect(await (await fetch(`${gw.url}/health`)).json()).toEqual({ status: 'ok', mode: 'single-user' })
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: json, body: chat('test-login:m') })
      // No CLI logins on this runtime (helper F adds them): refused for that reason, not the mode's.
      expect(((await res.json()) as any).error.message).not.toContain('multi-user')
    } finally {
      await gw.close()
    }
  })
})

describe('multi-user mode with client keys', () => {
  const env = (id: string) => ({
    ACCESS_MODE: 'multi-user',
    PROXY_API_KEYS: 'client-key-1',
    ADMIN_API_KEY: 'admin-key-1',
    OPENAI_API_KEY: 'sk-up',
    TEST_LOGIN_API_KEY: '/tmp/creds.json',
    OPENAI_BASE_URL: `${upstream.url}/t/${id}/v1`,
  })
  const auth = { ...json, authorization: 'Bearer client-key-1' }

  it('an unauthenticated request is a 401; the key works', async () => {
    const call = app(env('mu-auth'))
    expect((await call('/v1/chat/completions', { method: 'POST', headers: json, body: chat('openai:gpt-4.1') })).status).toBe(401)
    const health = (await (await call('/health')).json()) as any
    expect(health.mode).toBe('multi-user')
  })

  it('a loopback upstream from the settings is refused on every call, and /health says why', async () => {
    const call = app(env('mu-loop'))
    const res = await call('/v1/chat/completions', { method: 'POST', headers: auth, body: chat('openai:gpt-4.1') })
    expect(res.status).toBe(403)
    expect(((await res.json()) as any).error.message).toMatch(/The upstream URL points at 127\.0\.0\.1, a loopback address: ACCESS_MODE=multi-user refuses/)
    expect((await (await fetch(`${upstream.url}/__log/mu-loop`)).json()).length).toBe(0)
    expect(((await (await call('/health')).json()) as any).warnings).toEqual([expect.stringContaining('OPENAI_BASE_URL points at 127.0.0.1')])
  })

  it('a CLI-login back end is refused with a 403 in the client protocol', async () => {
    const call = app(env('mu-login'))
    const res = await call('/v1/messages', { method: 'POST', headers: auth, body: messages('test-login:m') })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'permission_error', message: expect.stringContaining('multi-user mode refuses CLI logins') },
    })
  })

  it('registry entries at metadata, private or resolving-to-loopback addresses are refused; a public one is kept', async () => {
    const call = app(env('mu-reg'), async (host) => (host === 'looks-public.example.com' ? ['127.0.0.1'] : ['93.184.216.34']))
    const admin = { ...json, authorization: 'Bearer admin-key-1' }
    for (const url of ['http://169.254.169.254/', 'http://10.0.0.8:8000/v1', 'http://looks-public.example.com/v1', 'http://[::ffff:7f00:1]/v1']) {
      const res = await call('/api/v1/registry', { method: 'POST', headers: admin, body: JSON.stringify({ id: 'box', url }) })
      expect(res.status, url).toBe(403)
      expect(((await res.json()) as any).error.message).toContain('ACCESS_MODE=multi-user refuses')
    }
    const ok = await call('/api/v1/registry', { method: 'POST', headers: admin, body: JSON.stringify({ id: 'box', url: 'https://llm.example.com/v1' }) })
    expect(ok.status).toBe(201)
    // Discovery (local servers) is off.
    expect((await call('/api/v1/registry/discover', { method: 'POST', headers: admin })).status).toBe(403)
  })

  it('leaves CLI-login back ends out of every model list (single-user mode with the CLIs\' files lists them)', async () => {
    const lists = async (fetchPath: (path: string) => Response | Promise<Response>) => {
      const texts: string[] = []
      for (const path of ['/v1/models', '/anthropic/v1/models', '/v1beta/models']) {
        const res = await fetchPath(path)
        expect(res.status, path).toBe(200)
        texts.push(await res.text())
      }
      return texts
    }
    const call = app(env('mu-list'))
    for (const text of await lists((path) => call(path, { headers: auth }))) {
      expect(text).toContain('openai:gpt-4.1')
      expect(text).not.toContain('test-login')
    }
    expect((await call('/v1/models/test-login:m', { headers: auth })).status).toBe(404)

    const files = { read: async () => undefined, writeAtomic: async () => {} }
    const single = createApp({ env: { ...env('su-list'), ACCESS_MODE: 'single-user', LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }, files })
    for (const text of await lists((path) => single.fetch(new Request(`http://127.0.0.1${path}`, { headers: auth })))) expect(text).toContain('test-login')
  })

  it('a refusal is no upstream failure: a failover chain goes on to its next entry, and no circuit opens', async () => {
    // One failure opens a circuit here: a refusal counted as one would turn the next request into a 503.
    const sent: string[] = []
    const transport = answeringTransport(sent)
    const gw = createApp({
      env: { ...env('mu-failover'), OPENAI_BASE_URL: 'https://api.example.com/v1', CIRCUIT_FAILURES: '1', LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' },
      transport,
      resolveHost: async () => ['93.184.216.34'],
      remoteAddress: () => '203.0.113.7',
    })
    const ask = (model: string) => gw.fetch(new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST', headers: auth, body: chat(model) }))
    for (let i = 0; i < 2; i++) {
      const res = await ask('test-login:m|openai:gpt-4.1')
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-attempts')).toBe('2; test-login:m=refused, openai:gpt-4.1=200')
      const alone = await ask('test-login:m')
      expect(alone.status).toBe(403)
      expect(((await alone.json()) as any).error.message).toContain('multi-user mode refuses CLI logins')
    }
    expect(sent).toEqual(['https://api.example.com/v1/chat/completions', 'https://api.example.com/v1/chat/completions'])
  })

  it('a bare model only a CLI-login back end lists goes past it (to DEFAULT_BACKEND) in multi-user mode, to the login in single-user mode', async () => {
    const sent: string[] = []
    const transport = answeringTransport(sent)
    const settings = { ...env('mu-bare'), OPENAI_BASE_URL: 'https://api.example.com/v1', DEFAULT_BACKEND: 'openai', LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }
    const ask = (gw: ReturnType<typeof createApp>) => gw.fetch(new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST', headers: auth, body: chat('m') }))
    const multi = createApp({ env: settings, transport, resolveHost: async () => ['93.184.216.34'], remoteAddress: () => '203.0.113.7' })
    const res = await ask(multi)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-gateway-attempts') ?? '').not.toContain('test-login')
    expect(sent).toEqual(['https://api.example.com/v1/chat/completions'])

    // Single-user, with the login's files: the back end that lists the model is the login.
    const files = { read: async () => undefined, writeAtomic: async () => {} }
    const single = createApp({ env: { ...settings, ACCESS_MODE: 'single-user' }, transport, files })
    const own = await ask(single)
    // (the test's login has no signer: its answer names it, and nothing went upstream)
    expect(((await own.json()) as any).error.message).toContain('"test-login" back end')
    expect(sent).toHaveLength(1)
  })

  it('an upstream the address check refuses opens no circuit either: each request hears the refusal', async () => {
    const call = app({ ...env('mu-loop-circuit'), CIRCUIT_FAILURES: '1' })
    for (let i = 0; i < 2; i++) {
      const res = await call('/v1/chat/completions', { method: 'POST', headers: auth, body: chat('openai:gpt-4.1') })
      expect(res.status).toBe(403)
      expect(((await res.json()) as any).error.message).toContain('a loopback address: ACCESS_MODE=multi-user refuses')
    }
  })

  it('the admin API needs ADMIN_API_KEY; a client key is not it', async () => {
    const call = app(env('mu-admin'))
    expect((await call('/api/v1/registry', { headers: auth })).status).toBe(401)
    expect((await call('/v1/diagnostics', { headers: auth })).status).toBe(401)
  })
})

describe('invalid client keys from one address are slowed down', () => {
  const env = { PROXY_API_KEYS: 'good-key', OPENAI_API_KEY: 'sk-up', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }
  const bad = { ...json, authorization: 'Bearer wrong-key' }
  const good = { 'x-api-key': 'good-key' }

  it('5 failures in the window → 429 with retry-after, doubling per further failure; a valid key does not lift the wait; other addresses are untouched', async () => {
    const call = app(env)
    for (let i = 0; i < 4; i++) expect((await call('/v1/models', { headers: bad }, '198.51.100.1')).status).toBe(401)
    // The fifth failure starts the wait.
    const fifth = await call('/v1/chat/completions', { method: 'POST', headers: bad, body: chat('x') }, '198.51.100.1')
    expect(fifth.status).toBe(429)
    expect(fifth.headers.get('retry-after')).toBe('60')
    expect(((await fifth.json()) as any).error).toMatchObject({ type: 'rate_limit_error', code: 'too_many_invalid_keys' })
    // A further failure doubles it (in Anthropic's shape for an Anthropic client).
    const sixth = await call('/v1/messages', { method: 'POST', headers: { ...json, 'x-api-key': 'wrong' }, body: messages('x') }, '198.51.100.1')
    expect(sixth.status).toBe(429)
    expect(sixth.headers.get('retry-after')).toBe('120')
    expect(((await sixth.json()) as any).error.type).toBe('rate_limit_error')
    const seventh = await call('/v1beta/models', { headers: { 'x-goog-api-key': 'wrong' } }, '198.51.100.1')
    expect(seventh.headers.get('retry-after')).toBe('240')
    expect(((await seventh.json()) as any).error.status).toBe('RESOURCE_EXHAUSTED')
    // The right key, while the wait runs: still 429.
    const right = await call('/v1/models', { headers: good }, '198.51.100.1')
    expect(right.status).toBe(429)
    // Another address is not affected, and a missing key is not counted as a guess.
    expect((await call('/v1/models', { headers: good }, '198.51.100.2')).status).toBe(200)
    for (let i = 0; i < 6; i++) expect((await call('/v1/models', {}, '198.51.100.3')).status).toBe(401)
  })

  it('the wait stops doubling at an hour', async () => {
    const call = app(env)
    let last = ''
    for (let i = 0; i < 12; i++) last = (await call('/v1/models', { headers: bad }, '198.51.100.9')).headers.get('retry-after') ?? ''
    expect(last).toBe('3600')
  })

  it('wrong admin keys count too', async () => {
    const call = app({ ...env, ADMIN_API_KEY: 'admin' })
    for (let i = 0; i < 5; i++) await call('/api/v1/registry', { headers: bad }, '198.51.100.20')
    const res = await call('/api/v1/registry', { headers: { authorization: 'Bearer admin' } }, '198.51.100.20')
    expect(res.status).toBe(429)
  })

  it('so do wrong keys typed into the admin page\'s login form', async () => {
    const call = app({ ...env, ADMIN_API_KEY: 'admin-page-key' })
    const login = (key: string) => call('/admin/login', { method: 'POST', headers: { origin: 'http://127.0.0.1' }, body: new URLSearchParams({ key }), redirect: 'manual' }, '198.51.100.21')
    // Four wrong, then the right one: logged in, and the count starts again.
    for (let i = 0; i < 4; i++) expect((await login('guess')).status).toBe(401)
    expect((await login('admin-page-key')).status).toBe(303)
    for (let i = 0; i < 5; i++) expect((await login('guess')).status).toBe(401)
    const blocked = await login('admin-page-key')
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('retry-after')).toBe('60')
  })
})

describe('the loop guard', () => {
  let self: NodeGateway | undefined
  afterAll(() => self?.close())

  it('a gateway whose upstream is itself stops at once with 508', async () => {
    const { createServer: net } = await import('node:net')
    const probe = net()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as AddressInfo).port
    await new Promise((r) => probe.close(r))
    self = await startGateway({ LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', PROXY_API_KEYS: 'k', OPENAI_API_KEY: 'sk-up', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }, '127.0.0.1', port)
    const res = await fetch(`${self.url}/v1/chat/completions`, { method: 'POST', headers: { ...json, authorization: 'Bearer k' }, body: chat('openai:gpt-4.1') })
    expect(res.status).toBe(508)
    const body = (await res.json()) as any
    expect(body.error.code).toBe('loop_detected')
    expect(body.error.message).toContain('came back to the gateway that sent it')
  })

  it('a request carrying a hop header with this gateway id is refused; one with another gateway\'s passes on, with this id added', async () => {
    const hops: string[] = []
    const a = createApp({
      env: { LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', OPENAI_API_KEY: 'sk-up', OPENAI_BASE_URL: 'https://api.example.com/v1' },
      transport: async (r) => {
        hops.push(r.headers.get(HOP_HEADER) ?? '')
        return new Response(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }), { headers: json })
      },
    })
    const ok = await a.fetch(new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST', headers: { ...json, [HOP_HEADER]: 'abcdef012345' }, body: chat('openai:gpt-4.1') }))
    expect(ok.status).toBe(200)
    expect(hops[0]).toMatch(/^abcdef012345, [0-9a-f]{12}$/)
    const own = hops[0]!.split(', ')[1]!
    const loop = await a.fetch(new Request('http://127.0.0.1/v1/messages', { method: 'POST', headers: { ...json, [HOP_HEADER]: `abcdef012345, ${own}` }, body: messages('openai:gpt-4.1') }))
    expect(loop.status).toBe(508)
    expect(((await loop.json()) as any).error.type).toBe('api_error')
    expect(hops.length).toBe(1)
  })
})

describe('redirects are not followed', () => {
  let target: Server
  let redirector: Server
  let hits = 0
  beforeAll(async () => {
    target = createServer((_q, s) => {
      hits++
      s.end('{}')
    })
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r))
    const to = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`
    redirector = createServer((_q, s) => {
      s.writeHead(307, { location: to })
      s.end()
    })
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r))
  })
  afterAll(() => {
    target.close()
    redirector.close()
  })

  it.each([
    ['fetch', fetchTransport],
    ['undici', undiciTransport()],
  ])('the %s transport answers the 3xx as it is', async (_name, transport) => {
    const res = await transport({ url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/v1/chat/completions`, method: 'POST', headers: new Headers(json), body: '{}' })
    expect(res.status).toBe(307)
    expect(hits).toBe(0)
  })
})

describe('the Node transport in multi-user mode checks addresses as it connects', () => {
  let server: Server
  let hits = 0
  beforeAll(async () => {
    server = createServer((_q, s) => {
      hits++
      s.end('{}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  })
  afterAll(() => server.close())

  it('a name that resolves to loopback at connect time is refused before a byte is sent (DNS rebinding)', async () => {
    const { classifyLiteral } = await import('../../src/access/addresses')
    const transport = undiciTransport({ refuse: (a) => classifyLiteral(a).refused })
    const port = (server.address() as AddressInfo).port
    const err = await transport({ url: `http://localhost:${port}/v1/chat/completions`, method: 'POST', headers: new Headers(json), body: '{}' }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    )
    expect(err?.code).toBe('REFUSED_BY_ACCESS_MODE')
    expect(err?.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address, which ACCESS_MODE=multi-user refuses$/)
    expect(hits).toBe(0)
    // The server is there: a transport without the check reaches it.
    const plain = await undiciTransport()({ url: `http://127.0.0.1:${port}/`, method: 'POST', headers: new Headers(json), body: '{}' })
    expect(plain.status).toBe(200)
    expect(hits).toBe(1)
  })
})
