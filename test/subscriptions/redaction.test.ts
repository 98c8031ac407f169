/**
 * The CLI logins' tokens never leave the gateway: upstreams that echo the Authorization header they
 * were sent (in an error body, a JSON answer, a split stream, a stream's error event, response
 * headers) reach the client, the log and the wire capture with the token replaced, the token a
 * refresh handed out included, and the next refresh's new token too.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { HOP_HEADER } from '../../src/access/loop-guard'
import { decodeCapture } from '../../src/capture/codec'
import { REDACTED } from '../../src/security/redactor'
import { startEchoUpstream, type EchoUpstream } from '../integration/echo-upstream'
import { FakeVendors } from './fake-vendors'
import { startFakeGoogle, type FakeGoogle } from './gemini-cli/fake-google'

const vendors = new FakeVendors()
let echo: EchoUpstream
const dirs: string[] = []
beforeAll(async () => {
  await vendors.start()
  echo = await startEchoUpstream()
})
afterAll(async () => {
  await new Promise((r) => vendors.server.close(r))
  await echo.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'login-redaction-'))
  dirs.push(dir)
  return dir
}

/** Every console line while `fn` runs (the gateway logs through console). */
async function logLines(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = []
  const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void lines.push(a.join(' '))))
  try {
    await fn()
  } finally {
    for (const s of spies) s.mockRestore()
  }
  return lines
}

/** Every capture record's text (meta and data) in the folder, once `count` exchanges have their summaries. */
async function captureText(dir: string, count: number): Promise<string> {
  return vi.waitFor(
    () => {
      const records = readdirSync(dir).flatMap((name) => decodeCapture(readFileSync(join(dir, name))).records)
      if (records.filter((r) => r.kind === 'summary').length < count) throw new Error('captures not written yet')
      return records.map((r) => JSON.stringify(r.meta) + (r.data ? Buffer.from(r.data).toString('utf8') : '')).join('\n')
    },
    { timeout: 10_000, interval: 20 },
  )
}

/** The client's whole answer: status, headers and body as text. */
async function whole(res: Response): Promise<string> {
  return `${res.status}\n${JSON.stringify([...res.headers])}\n${await res.text()}`
}

describe('qwen-oauth (the refresh-token logins) against an upstream that echoes its bearer token', () => {
  let gw: NodeGateway
  let captures: string
  const chat = (model: string, stream = false) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: `qwen-oauth:${model}`, stream, messages: [{ role: 'user', content: 'hi' }] }),
    })

  beforeAll(async () => {
    const dir = tempDir()
    captures = join(dir, 'captures')
    writeFileSync(
      join(dir, 'oauth_creds.json'),
      JSON.stringify({ access_token: 'old-qwen-access-0', refresh_token: 'old-qwen-refresh-0', token_type: 'Bearer', expiry_date: Date.now() - 1000 }),
      { mode: 0o600 },
    )
    vendors.rotate = true
    gw = await startGateway(
      {
        LOG_LEVEL: 'debug',
        LLM_PROXY_LOCAL_DISCOVERY: 'off',
        CAPTURE: 'on',
        CAPTURE_DIR: captures,
        CAPTURE_FLUSH_MS: '10',
        QWEN_OAUTH_CREDENTIALS_FILE: join(dir, 'oauth_creds.json'),
        QWEN_OAUTH_TOKEN_URL: `${vendors.url}/token/qwen`,
        QWEN_OAUTH_BASE_URL: `${echo.url}/v1`,
      },
      '127.0.0.1',
      0,
    )
  })
  afterAll(async () => {
    vendors.rotate = false
    await gw?.close()
  })

  it('the refreshed token, then the next refresh’s: in no answer, log line or capture', async () => {
    const answers: string[] = []
    const lines = await logLines(async () => {
      // The file's token has expired: refreshed to the first new token, which the echo puts in a JSON answer,
      // a stream cut in the middle of it, headers and a stream's error event.
      answers.push(await whole(await chat('ok-1')))
      answers.push(await whole(await chat('split-1', true)))
      answers.push(await whole(await chat('sse-error-1', true)))
      // A 401 carrying the token: the login refreshes before the next call, to a second new token.
      answers.push(await whole(await chat('json-error-1')))
      answers.push(await whole(await chat('ok-2')))
      answers.push(await whole(await chat('split-deltas-2', true)))
    })
    const tokens = vendors.seen.filter((s) => s.path === '/token/qwen').length
    expect(tokens).toBe(2)
    const first = 'new-qwen-access-1'
    const second = 'new-qwen-access-2'
    const where = { answers: answers.join('\n'), log: lines.join('\n'), captures: await captureText(captures, answers.length) }
    for (const [name, text] of Object.entries(where)) {
      for (const token of [first, second, 'old-qwen-access-0', 'old-qwen-refresh-0', 'new-qwen-refresh-1', 'new-qwen-refresh-2']) expect(text, `${name}: ${token}`).not.toContain(token)
      // Pieces of a split token are not left behind either.
      expect(text, name).not.toMatch(/new-qwen-acc(?!ess-\d)/)
    }
    // The echo did carry them: they were replaced, not missing.
    expect(where.answers).toContain(`Your key is ${REDACTED}`)
    expect(where.answers).toContain(`Incorrect API key provided: ${REDACTED}`)
    expect(where.captures).toContain(REDACTED)
    expect(where.log).toContain('attempt 1: qwen-oauth:json-error-1')
  })
})

describe('gemini-cli-oauth-personal (the Gemini CLI logins) against an upstream that echoes its bearer token', () => {
  let g: FakeGoogle
  let gw: NodeGateway
  beforeAll(async () => {
    g = await startFakeGoogle({ project: 'echo-project', echo: true, newToken: 'ya29.fresh-gemini-access-token' })
    const dir = tempDir()
    const file = join(dir, 'oauth_creds.json')
    writeFileSync(file, JSON.stringify({ access_token: 'expired-token', refresh_token: '1//gemini-refresh-token', token_type: 'Bearer', expiry_date: Date.now() - 1000 }), { mode: 0o600 })
    gw = await startGateway(
      {
        LOG_LEVEL: 'silent',
        LLM_PROXY_LOCAL_DISCOVERY: 'off',
        GEMINI_CLI_OAUTH_PERSONAL_CREDENTIALS_FILE: file,
        GEMINI_CLI_OAUTH_PERSONAL_TOKEN_URL: `${g.url}/token`,
        GEMINI_CLI_OAUTH_PERSONAL_BASE_URL: g.url,
      },
      '127.0.0.1',
      0,
    )
  })
  afterAll(async () => {
    await gw?.close()
    await g?.close()
  })

  it('the refreshed token is replaced in JSON and streamed answers', async () => {
    for (const stream of [false, true]) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini-cli-oauth-personal:gemini-2.5-pro', stream, messages: [{ role: 'user', content: 'hi' }] }),
      })
      const text = await res.text()
      expect(res.status).toBe(200)
      expect(text).not.toContain('ya29.fresh-gemini-access-token')
      expect(text).toContain(`you sent Bearer ${REDACTED}`)
    }
    expect(g.tokens).toHaveLength(1)
  })

  it('its token and set-up requests go through the runtime’s transport: they carry the loop guard’s header', () => {
    const token = g.tokens[0]!
    const setup = g.seen.find((s) => s.path === '/v1internal:loadCodeAssist')!
    const call = g.seen.find((s) => s.path === '/v1internal:generateContent')!
    expect(token.headers[HOP_HEADER]).toMatch(/^[0-9a-f]{12}$/)
    expect(setup.headers[HOP_HEADER]).toBe(token.headers[HOP_HEADER])
    expect(call.headers[HOP_HEADER]).toBe(token.headers[HOP_HEADER])
  })
})
