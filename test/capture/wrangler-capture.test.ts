/**
 * Wire capture on `npm start` (wrangler dev: the Worker in workerd, captures in its local R2), read the way a
 * user would: a Claude Code-style streaming request (the Anthropic SDK) translated to the OpenAI back end
 * (the scripted upstream), its capture found from the admin page (traffic row → capture page, which names
 * the R2 object and links a download of the exchange; Wrangler's Local Explorer lists the object too), the
 * object copied out with `wrangler r2 object get --local`, then `npm run capture -- show` prints the four legs and `replay` serves the upstream's bytes
 * exactly. No key is in either file.
 */
import Anthropic from '@anthropic-ai/sdk'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodeCapture } from '../../src/capture/codec'
import { secretForms } from '../../src/security/redactor'
import { freePort, launch, stop } from '../admin/launch'
import { readClientRequest } from '../helpers/fixtures'
import { startScriptedUpstream, type ScriptedUpstream } from '../integration/scripted-upstream'

const ROOT = resolve(__dirname, '../..')
const BUCKET = 'llm-gateway-captures'
const ADMIN = 'admin-key-wrangler-capture-7a61'
const CLIENT = 'client-key-wrangler-capture-52c9'
const OPENAI_KEY = 'sk-openai-wrangler-capture-0e3d'
const KEYS = [ADMIN, CLIENT, OPENAI_KEY]
const scope = `wc${Date.now().toString(36)}`

let up: ScriptedUpstream
let work: string
const children: ChildProcess[] = []
beforeAll(async () => {
  up = await startScriptedUpstream()
  work = mkdtempSync(join(tmpdir(), 'gw-wrangler-capture-'))
})
afterAll(async () => {
  for (const child of children) await stop(child)
  await up?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** A command in the project as a user types it (its own process group, stopped in afterAll if still running). */
function command(line: string[], onStdout?: (text: string) => void): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const PATH = `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`
  const env = { ...process.env, PATH, CAPTURE_DIR: '', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
  const child = spawn(line[0]!, line.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => {
    stdout += d
    onStdout?.(stdout)
  })
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((ok, fail) => {
    child.on('error', fail)
    child.on('close', (code) => ok({ code, stdout, stderr }))
  })
  return { child, done }
}

/** Whether any form of any key (as written, JSON-escaped, URL-encoded) is in the bytes. */
const keysIn = (bytes: Uint8Array) => {
  const text = Buffer.from(bytes).toString('latin1')
  return KEYS.flatMap((k) => secretForms(k)).filter((f) => text.includes(f))
}

describe('capture on npm start (wrangler dev, local R2)', () => {
  it('a Claude Code stream translated to OpenAI: found from the admin page, copied out of R2, shown and replayed byte for byte', { timeout: 120_000 }, async () => {
    // The upstream's events one by one (separate chunks, so the replay has chunks and waits to reproduce).
    up.script([{ action: { do: 'slow', delayMs: 5 } }], scope)
    const persist = join(work, 'state')
    const vars = {
      CAPTURE: 'on',
      CAPTURE_FLUSH_MS: '200',
      ADMIN_API_KEY: ADMIN,
      PROXY_API_KEYS: CLIENT,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: up.baseFor(scope, '/v1'),
      // Claude Code's model names left alone, all sent to the OpenAI back end (README "Point a client at it").
      DEFAULT_BACKEND: 'openai:gpt-4.1',
      LOG_LEVEL: 'silent',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    }
    const { url, child } = await launch('start', ['--port', String(await freePort()), '--persist-to', persist, ...Object.entries(vars).map(([k, v]) => `--var ${k}:${v}`)])
    children.push(child)

    // Claude Code's request: its headers and body (test/fixtures/clients/claude), streamed, through the SDK.
    const claude = readClientRequest('claude', '01-v1-messages.json')
    const defaultHeaders: Record<string, string> = {}
    for (const name of ['user-agent', 'x-claude-code-session-id', 'anthropic-beta', 'x-app']) defaultHeaders[name] = claude.headers[name]
    const anthropic = new Anthropic({ baseURL: url, apiKey: CLIENT, maxRetries: 0, defaultHeaders })
    const { data: stream, response } = await anthropic.messages.create({ ...claude.body, stream: true }).withResponse()
    const types: string[] = []
    for await (const event of stream as unknown as AsyncIterable<{ type: string }>) types.push(event.type)
    expect(types[0]).toBe('message_start')
    expect(types.at(-1)).toBe('message_stop')
    const id = response.headers.get('x-request-id')!
    expect(id).toMatch(/^req_/)
    const [upstreamCall] = up.requests(scope)
    expect(upstreamCall).toMatchObject({ path: '/v1/chat/completions', model: 'gpt-4.1', stream: true, key: OPENAI_KEY, action: 'slow' })
    const upstreamSent = upstreamCall!.sent!
    expect(upstreamSent).toContain('data: [DONE]')

    // The admin page: log in, the traffic row's capture link, the capture page once its batch is in R2.
    const login = await fetch(`${url}/admin/login`, { method: 'POST', headers: { origin: url }, body: new URLSearchParams({ key: ADMIN }), redirect: 'manual' })
    expect(login.status).toBe(303)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const admin = (path: string) => fetch(`${url}${path}`, { headers: { cookie } })
    const traffic = await (await admin('/admin/traffic')).text()
    const row = new RegExp(`<tr[^>]*data-id="${id}"[^>]*>.*?</tr>`, 's').exec(traffic)?.[0]
    expect(row).toBeDefined()
    const link = /href="(\/admin\/capture\/[^"]+)"/.exec(row!)![1]!.replace(/&amp;/g, '&')
    const page = await vi.waitFor(
      async () => {
        const html = await (await admin(link)).text()
        if (!html.includes('data-source=')) throw new Error('the capture is not in R2 yet')
        return html
      },
      { timeout: 20_000, interval: 100 },
    )
    expect(page.match(/data-leg="[^"]+"/g)).toEqual(['data-leg="client-request"', 'data-leg="upstream-request"', 'data-leg="upstream-response"', 'data-leg="client-response"'])
    const key = /data-source="([^"]+)"/.exec(page)![1]!
    expect(key).toMatch(new RegExp(`^captures/\\d{4}-\\d{2}-\\d{2}/${response.headers.get('x-b2bua-session-id')}/\\d{13}-[0-9a-z]+\\.cbor$`))
    expect(page).toContain(`wrangler r2 object get BUCKET/${key}`)
    // Wrangler's Local Explorer (on the dev server while it runs) lists the same object.
    const listed = (await (await fetch(`${url}/cdn-cgi/explorer/api/r2/buckets/${BUCKET}/objects`)).json()) as { result: Array<{ key: string }> }
    expect(listed.result.map((o) => o.key)).toContain(key)

    // The download link: this exchange alone, as a capture file.
    const download = /href="(\/admin\/capture\/[^"]+\.cbor[^"]*)"/.exec(page)![1]!.replace(/&amp;/g, '&')
    const got = await admin(download)
    expect(got.status).toBe(200)
    const exchangeFile = new Uint8Array(await got.arrayBuffer())
    writeFileSync(join(work, 'exchange.cbor'), exchangeFile)

    // The R2 object itself, copied out of the local bucket the dev server used.
    const objectPath = join(work, 'object.cbor')
    const get = await command(['npx', 'wrangler', 'r2', 'object', 'get', `${BUCKET}/${key}`, '--local', '--persist-to', persist, '--file', objectPath]).done
    expect(get.code, get.stderr).toBe(0)
    const object = new Uint8Array(readFileSync(objectPath))
    const fromObject = decodeCapture(object)
    expect(fromObject.header).toMatchObject({ format: 'llm-gateway-capture', runtime: 'workers' })
    const mine = fromObject.records.filter((r) => r.exchange === id)
    // The download holds the same records (nothing of other exchanges).
    expect(decodeCapture(exchangeFile).records).toEqual(mine)
    expect(keysIn(object)).toEqual([])
    expect(keysIn(exchangeFile)).toEqual([])

    // `npm run capture -- show`: the four legs, from either file.
    for (const file of [objectPath, join(work, 'exchange.cbor')]) {
      const show = await command(['npm', 'run', '--silent', 'capture', '--', 'show', id, '--dir', file]).done
      expect(show.code, show.stderr).toBe(0)
      const sections = show.stdout.match(/^== [^+\n]+/gm)!.map((s) => s.trim())
      expect(sections).toEqual(['== client-request', '== upstream-request, attempt 1', '== upstream-response, attempt 1', '== client-response', '== summary'])
      expect(show.stdout).toContain('POST /v1/messages')
      expect(show.stdout).toContain(`${up.baseFor(scope, '/v1')}/chat/completions`)
      expect(show.stdout).toContain('[message_stop]')
    }

    // `replay <id> --port N`: a fetch to it gets the upstream's bytes exactly.
    const port = await freePort()
    let answer: Promise<{ status: number; bytes: Buffer; type: string | null }> | undefined
    const replay = command(['npm', 'run', '--silent', 'capture', '--', 'replay', id, '--port', String(port), '--once', '--dir', objectPath], (out) => {
      if (answer || !out.includes(`http://127.0.0.1:${port}`)) return
      answer = fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(async (r) => ({
        status: r.status,
        type: r.headers.get('content-type'),
        bytes: Buffer.from(await r.arrayBuffer()),
      }))
    })
    const replayed = await replay.done
    expect(replayed.code, replayed.stderr).toBe(0)
    const served = await answer!
    expect(served.status).toBe(200)
    expect(served.type).toBe('text/event-stream')
    expect(served.bytes.equals(Buffer.from(upstreamSent))).toBe(true)
  })
})
