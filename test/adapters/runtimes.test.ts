import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodeCapture } from '../../src/capture/codec'
import { startFakeUpstream, type FakeUpstream } from '../integration/fake-upstream'
import { startScriptedUpstream, type ScriptedUpstream } from '../integration/scripted-upstream'
import { parseProm, valueOf } from '../observe/prom-text'

const ROOT = resolve(__dirname, '../..')
let upstream: FakeUpstream
let scripted: ScriptedUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
  scripted = await startScriptedUpstream()
})
afterAll(async () => {
  await upstream.close()
  await scripted.close()
})

/** Starts a command that prints `listening on http://…`; resolves with that URL. */
function launch(script: string, env: Record<string, string>, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  // The package.json script itself, run as npm would (by sh), in its own process group so that stopping it stops everything it started.
  const command = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts[script] as string
  const PATH = `${resolve(ROOT, 'node_modules/.bin')}:${process.env.PATH}`
  return new Promise((ok, fail) => {
    const child = spawn('sh', ['-c', `${command} ${args.join(' ')}`], { cwd: ROOT, env: { ...process.env, ...env, PATH }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL')
      fail(new Error(`no "listening" line within 60 s:\n${out}`))
    }, 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out) ?? /Ready on (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        ok({ url: m[1]!, child })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`exited with ${code}:\n${out}`))
    })
  })
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // already gone
    }
  }
  group('SIGTERM')
  const t = setTimeout(() => group('SIGKILL'), 5000)
  await exited
  clearTimeout(t)
}

async function smoke(url: string, testId: string) {
  expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok', mode: 'single-user' })
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
    body: JSON.stringify({ model: 'openai:gpt-test', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(res.status).toBe(200)
  expect((await res.json()).content[0].text).toBe('Hello from openai!')
  const log = await (await fetch(`${upstream.url}/__log/${testId}`)).json()
  expect(log[0].path).toBe('/v1/chat/completions')

  // The README's warning example: a temperature Anthropic cannot take is clamped, and the warning
  // (written with an en dash) arrives as a header every runtime can send.
  const clamped = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({ model: 'anthropic:claude-test', temperature: 1.5, messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(clamped.status).toBe(200)
  expect(clamped.headers.get('x-gateway-warnings')).toBe('temperature 1.5 clamped to 1 (Anthropic accepts 0-1)')
  expect((await clamped.json()).choices[0].message.content).toBe('Hello from anthropic!')
  const sent = (await (await fetch(`${upstream.url}/__log/${testId}`)).json()).at(-1)
  expect(sent.path).toBe('/v1/messages')
  expect(sent.body.temperature).toBe(1)
}

/**
 * The admin page, served the same by every runtime: the login form, the cookie (HttpOnly, SameSite=Strict,
 * not Secure on loopback), the traffic page with the smoke's requests and, where capture is on, a captured
 * row's four legs in the page. (Chromium drives it in test/admin/: here, the same pages over plain HTTP.)
 */
async function adminSmoke(url: string, captured: boolean) {
  const form = await fetch(`${url}/admin`)
  expect(form.status).toBe(200)
  expect(await form.text()).toContain('action="/admin/login"')
  const login = await fetch(`${url}/admin/login`, { method: 'POST', headers: { origin: url }, body: new URLSearchParams({ key: ADMIN_KEY }), redirect: 'manual' })
  expect(login.status).toBe(303)
  const set = login.headers.get('set-cookie')!
  expect(set).toMatch(/HttpOnly/i)
  expect(set).toMatch(/SameSite=Strict/i)
  expect(set).not.toMatch(/Secure/)
  expect(set).not.toContain(ADMIN_KEY)
  const cookie = set.split(';')[0]!
  const traffic = await fetch(`${url}/admin/traffic`, { headers: { cookie } })
  expect(traffic.status).toBe(200)
  const html = await traffic.text()
  expect(html).toContain('gpt-test')
  expect(html).not.toContain('sk-up')
  const link = /<a href="(\/admin\/capture\/[^"]+)">capture<\/a>/.exec(html)
  expect(link !== null).toBe(captured)
  if (!link) return
  const page = await (await fetch(`${url}${link[1]!.replace(/&amp;/g, '&')}`, { headers: { cookie } })).text()
  for (const leg of ['client-request', 'upstream-request', 'upstream-response', 'client-response']) expect(page).toContain(`data-leg="${leg}"`)
  expect(page).not.toContain('sk-up')
}

/**
 * A client that abandons a stream mid-way (an Anthropic stream passed through, its first text, then
 * only SSE comments): Node and Deno cancel the answer's body, workerd aborts the request's signal
 * (enable_request_signal) once it next writes to the gone client. Either way the exchange is counted
 * once as 499 with the input tokens message_start reported, in the metrics and the ledger, the
 * open-streams gauge is back to 0, and the upstream's connection is closed.
 */
async function abandon(url: string, scope: string) {
  // A model of this run's own: wrangler dev keeps its Durable Objects (the ledger) in .wrangler/ from run to run.
  const model = `claude-abandoned-${Date.now().toString(36)}`
  // After its first text the upstream sends only SSE comments (passed through to the client), never its end:
  // workerd notices a client that left only when it next writes to it.
  scripted.script([{ stream: true, action: { do: 'stall', afterEvents: 4, commentMs: 50 } }], scope)
  const abort = new AbortController()
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
    body: JSON.stringify({ model: `scripted:${model}`, max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    signal: abort.signal,
  })
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  let got = ''
  while (!got.includes('Hell')) got += new TextDecoder().decode((await reader.read()).value)
  abort.abort()
  await vi.waitFor(() => expect(scripted.requests(scope).map((r) => r.closedEarly)).toEqual([true]), { timeout: 10_000 })
  await vi.waitFor(async () => {
    const p = parseProm(await (await fetch(`${url}/metrics`)).text())
    const route = { backend: 'scripted', model }
    expect(valueOf(p, 'llm_gateway_requests_total', { ...route, status: '499' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_requests_total', route)).toBe(1)
    expect(valueOf(p, 'llm_gateway_input_tokens_total', route)).toBe(20)
    expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
    expect(valueOf(p, 'llm_gateway_ledger_model_requests', route)).toBe(1)
    expect(valueOf(p, 'llm_gateway_ledger_model_input_tokens', route)).toBe(20)
  }, { timeout: 10_000 })
}

const ADMIN_KEY = 'admin-key-runtimes'
const settings = (testId: string) => ({
  PROXY_API_KEYS: 'k',
  ADMIN_API_KEY: ADMIN_KEY,
  OPENAI_API_KEY: 'sk-up',
  OPENAI_BASE_URL: `${upstream.url}/t/${testId}/v1`,
  ANTHROPIC_API_KEY: 'sk-ant-up',
  ANTHROPIC_BASE_URL: `${upstream.url}/t/${testId}`,
  HOST: '127.0.0.1',
  PORT: '0',
})

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

/** With CAPTURE=on, the smoke's two exchanges end up in CAPTURE_DIR, each with the four legs and a summary. */
async function expectCaptured(dir: string, runtime: string) {
  const exchanges = await vi.waitFor(
    () => {
      const files = readdirSync(dir).map((f) => decodeCapture(readFileSync(join(dir, f))))
      const summaries = files.flatMap((f) => f.records.filter((r) => r.kind === 'summary'))
      if (summaries.length < 2) throw new Error('not written yet')
      expect(files[0]!.header.runtime).toBe(runtime)
      return files.flatMap((f) => f.records)
    },
    { timeout: 10_000, interval: 50 },
  )
  const ids = [...new Set(exchanges.map((r) => r.exchange))]
  expect(ids).toHaveLength(2)
  for (const id of ids)
    expect([...new Set(exchanges.filter((r) => r.exchange === id).map((r) => r.leg))]).toEqual(['client-request', 'upstream-request', 'upstream-response', 'client-response', 'exchange'])
}

/** An Anthropic back end `scripted` on the scripted upstream's scope, and /metrics open (for abandon). */
const abandonSettings = (scope: string) => ({
  LLM_PROXY_ENDPOINT_SCRIPTED_URL: scripted.baseFor(scope),
  LLM_PROXY_ENDPOINT_SCRIPTED_PROVIDER: 'anthropic',
  LLM_PROXY_ENDPOINT_SCRIPTED_KEY: 'sk-scripted-up',
  METRICS_PUBLIC: 'on',
  LLM_PROXY_LOCAL_DISCOVERY: '0',
})

function captureDir(): string {
  return mkdtempSync(join(tmpdir(), 'gw-runtime-capture-'))
}

describe('runtimes serve the same app', () => {
  it('wrangler dev (npm start) serves the Worker and reaches a loopback upstream', async () => {
    const vars = Object.entries({ ...settings('wrangler-smoke'), ...abandonSettings('wrangler-abandon') })
      .filter(([k]) => k !== 'HOST' && k !== 'PORT')
      .map(([k, v]) => `--var ${k}:${v}`)
    const { url, child } = await launch('start', {}, ['--port', String(await freePort()), ...vars])
    try {
      await smoke(url, 'wrangler-smoke')
      await adminSmoke(url, false)
      await abandon(url, 'wrangler-abandon')
    } finally {
      await stop(child)
    }
  }, 90_000)

  it('the Deno adapter (npm run start:deno) serves and reaches a loopback upstream', async () => {
    const dir = captureDir()
    const { url, child } = await launch('start:deno', { ...settings('deno-smoke'), ...abandonSettings('deno-abandon'), CAPTURE: 'on', CAPTURE_DIR: dir })
    try {
      await smoke(url, 'deno-smoke')
      await expectCaptured(dir, 'deno')
      await adminSmoke(url, true)
      await abandon(url, 'deno-abandon')
    } finally {
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)

  it('the Node adapter (npm run start:node) serves and reaches a loopback upstream', async () => {
    const dir = captureDir()
    const { url, child } = await launch('start:node', { ...settings('node-smoke'), ...abandonSettings('node-abandon'), CAPTURE: 'on', CAPTURE_DIR: dir })
    try {
      await smoke(url, 'node-smoke')
      await expectCaptured(dir, 'node')
      await adminSmoke(url, true)
      await abandon(url, 'node-abandon')
    } finally {
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
