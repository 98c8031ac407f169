/**
 * Wire capture on the Node adapter (src/capture/, adapters/capture-files.ts): a Claude Code-style
 * streaming request through translation leaves all four legs in a capture file, byte for byte;
 * no secret ever reaches a capture; a client's `capture:` and a session's `!/set(capture=on)` turn
 * it on for themselves alone.
 */
import Anthropic from '@anthropic-ai/sdk'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGateway } from '../../adapters/node'
import { decodeCapture } from '../../src/capture/codec'
import type { CaptureRecord } from '../../src/capture/format'
import { REDACTED, secretForms } from '../../src/security/redactor'
import { readClientRequest } from '../helpers/fixtures'
import { startEchoUpstream, type EchoUpstream } from './echo-upstream'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'

let upstream: FakeUpstream
let echo: EchoUpstream
const dirs: string[] = []
beforeAll(async () => {
  upstream = await startFakeUpstream()
  echo = await startEchoUpstream()
})
afterAll(async () => {
  await upstream.close()
  await echo.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function captureDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-capture-'))
  dirs.push(dir)
  return dir
}

/** Every record in the folder's capture files, and the files' raw bytes. */
function readCaptures(dir: string): { records: CaptureRecord[]; raw: Buffer[] } {
  const records: CaptureRecord[] = []
  const raw: Buffer[] = []
  for (const name of readdirSync(dir).sort()) {
    const bytes = readFileSync(join(dir, name))
    raw.push(bytes)
    records.push(...decodeCapture(bytes).records)
  }
  return { records, raw }
}

/** The records of one exchange, waited for until its summary is written. */
async function exchangeRecords(dir: string, id: string): Promise<CaptureRecord[]> {
  return vi.waitFor(
    () => {
      const mine = readCaptures(dir).records.filter((r) => r.exchange === id)
      if (!mine.some((r) => r.kind === 'summary')) throw new Error(`no capture of ${id} yet`)
      return mine
    },
    { timeout: 10_000, interval: 20 },
  )
}

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)))
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('utf8') : '')

describe('capture: a Claude Code stream translated to an OpenAI back end', () => {
  it('has all four legs in order; the upstream chunks are the upstream’s bytes and the client chunks what the SDK read', async () => {
    const dir = captureDir()
    const base = upstream.baseFor('capture-legs')
    const gw = await startGateway(
      {
        CAPTURE: 'on',
        CAPTURE_DIR: dir,
        PROXY_API_KEYS: 'client-key-capture-0a1b2c',
        OPENAI_API_KEY: 'sk-up-openai-capture-3d4e5f',
        OPENAI_BASE_URL: `${base}/v1`,
        DEFAULT_BACKEND: 'openai:gpt-test',
        LOG_LEVEL: 'silent',
        LLM_PROXY_LOCAL_DISCOVERY: '0',
      },
      '127.0.0.1',
      0,
    )
    try {
      // What the SDK read off the wire, chunk by chunk.
      const received: Uint8Array[] = []
      const recording: typeof fetch = async (input, init) => {
        const res = await fetch(input, init)
        const copy = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            received.push(chunk)
            c.enqueue(chunk)
          },
        })
        return new Response(res.body!.pipeThrough(copy), { status: res.status, headers: res.headers })
      }
      const claude = readClientRequest('claude', '01-v1-messages.json')
      const headers: Record<string, string> = {}
      for (const name of ['user-agent', 'x-claude-code-session-id', 'anthropic-beta', 'x-app']) headers[name] = claude.headers[name]
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key-capture-0a1b2c', fetch: recording, maxRetries: 0, defaultHeaders: headers })
      const { data: stream, response } = await anthropic.messages.create({ ...claude.body, stream: true }).withResponse()
      const types: string[] = []
      for await (const event of stream as unknown as AsyncIterable<any>) types.push(event.type)
      expect(types[0]).toBe('message_start')
      expect(types.at(-1)).toBe('message_stop')
      const id = response.headers.get('x-request-id')!
      expect(id).toMatch(/^req_/)

      const records = await exchangeRecords(dir, id)
      // In the order they happened: seq 0, 1, 2…, time never going back, and the legs starting in order.
      expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i))
      for (let i = 1; i < records.length; i++) expect(records[i]!.ts).toBeGreaterThanOrEqual(records[i - 1]!.ts)
      expect([...new Set(records.map((r) => r.leg))]).toEqual(['client-request', 'upstream-request', 'upstream-response', 'client-response', 'exchange'])
      const of = (leg: string, kind?: string) => records.filter((r) => r.leg === leg && (kind === undefined || r.kind === kind))

      // 1. The client's request: method, path, headers (its key replaced), body as sent.
      const [reqHead, reqBody] = of('client-request')
      expect(reqHead!.meta).toMatchObject({ method: 'POST', path: '/v1/messages' })
      const clientHeaders = reqHead!.meta.headers as Record<string, string>
      expect(clientHeaders.authorization ?? clientHeaders['x-api-key']).toBe(REDACTED)
      expect(clientHeaders['x-claude-code-session-id']).toBe(claude.headers['x-claude-code-session-id'])
      expect(JSON.parse(text(reqBody!.data))).toEqual({ ...claude.body, stream: true })

      // 2. The upstream request: the OpenAI translation, with route, back end, model and the key masked.
      const [upHead, upBody] = of('upstream-request')
      expect(upHead!.meta).toMatchObject({ attempt: 1, method: 'POST', url: `${base}/v1/chat/completions`, route: 'openai:gpt-test', backend: 'openai', model: 'gpt-test', key: '…3d4e5f'.replace('3d4e5f', '4e5f') })
      expect((upHead!.meta.headers as Record<string, string>).authorization).toBe(REDACTED)
      const sent = JSON.parse(text(upBody!.data))
      const [seen] = await (await fetch(`${upstream.url}/__log/capture-legs`)).json() as any[]
      expect(sent).toEqual(seen.body)

      // 3. The upstream's answer: status, headers, and chunks that are its bytes exactly.
      const [ansHead] = of('upstream-response', 'head')
      expect(ansHead!.meta).toMatchObject({ attempt: 1, status: 200 })
      const again = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: text(upBody!.data) })
      const upstreamBytes = Buffer.from(await again.arrayBuffer())
      const upChunks = of('upstream-response', 'chunk')
      expect(upChunks.length).toBeGreaterThanOrEqual(1)
      expect(concat(upChunks.map((r) => r.data!)).equals(upstreamBytes)).toBe(true)
      expect(of('upstream-response').at(-1)!.kind).toBe('end')

      // 4. What the client got: status, headers, and the chunks the SDK read.
      const [outHead] = of('client-response', 'head')
      expect(outHead!.meta).toMatchObject({ status: 200 })
      expect((outHead!.meta.headers as Record<string, string>)['content-type']).toContain('text/event-stream')
      expect((outHead!.meta.headers as Record<string, string>)['x-request-id']).toBe(id)
      const outChunks = of('client-response', 'chunk')
      expect(concat(outChunks.map((r) => r.data!)).equals(concat(received))).toBe(true)
      expect(text(concat(outChunks.map((r) => r.data!)))).toContain('event: message_stop')
      expect(of('client-response').at(-1)!.kind).toBe('end')

      // The summary, last.
      const summary = records.at(-1)!
      expect(summary.kind).toBe('summary')
      expect(summary.meta).toMatchObject({
        requestId: id,
        session: response.headers.get('x-b2bua-session-id'),
        client: 'key-1',
        frontEnd: 'anthropic',
        backend: 'openai',
        model: 'gpt-test',
        status: 200,
        stream: true,
        attempts: ['openai:gpt-test'],
        usage: { inputTokens: 20, outputTokens: 9, cachedInputTokens: 5 },
      })
      expect(typeof summary.meta.ttfbMs).toBe('number')
      expect(typeof summary.meta.totalMs).toBe('number')
    } finally {
      await gw.close()
    }
  })
})

describe('capture: attempts and error answers', () => {
  it('records one upstream request and answer per attempt, and the error answer the client got', async () => {
    const dir = captureDir()
    const base = upstream.baseFor('capture-attempts')
    const gw = await startGateway(
      {
        CAPTURE: 'on',
        CAPTURE_DIR: dir,
        OPENAI_API_KEY: 'sk-up-first-key-aaaa1111,sk-up-second-key-bbbb2222',
        OPENAI_BASE_URL: `${base}/v1`,
        RETRY_MAX_WAIT_S: '0',
        LOG_LEVEL: 'silent',
        LLM_PROXY_LOCAL_DISCOVERY: '0',
      },
      '127.0.0.1',
      0,
    )
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai:error-429', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(res.status).toBe(429)
      const answered = await res.text()
      const records = await exchangeRecords(dir, res.headers.get('x-request-id')!)
      const requests = records.filter((r) => r.leg === 'upstream-request' && r.kind === 'head')
      expect(requests.map((r) => [r.meta.attempt, r.meta.route])).toEqual([
        [1, 'openai:error-429'],
        [2, 'openai:error-429'],
      ])
      expect(new Set(requests.map((r) => r.meta.key))).toEqual(new Set(['…1111', '…2222']))
      const answers = records.filter((r) => r.leg === 'upstream-response').map((r) => [r.meta.attempt, r.kind, r.meta.status])
      expect(answers).toEqual([
        [1, 'head', 429],
        [1, 'body', undefined],
        [1, 'end', undefined],
        [2, 'head', 429],
        [2, 'body', undefined],
        [2, 'end', undefined],
      ])
      expect(records.find((r) => r.leg === 'client-response' && r.kind === 'head')!.meta.status).toBe(429)
      expect(text(concat(records.filter((r) => r.leg === 'client-response' && r.kind === 'chunk').map((r) => r.data!)))).toBe(answered)
      expect(records.at(-1)!.meta).toMatchObject({ status: 429, attempts: ['openai:error-429', 'openai:error-429'] })
    } finally {
      await gw.close()
    }
  })
})

describe('capture: no secret ever goes in', () => {
  /** Every secret of the gateway below, and keys a client puts in its own request. */
  const KEYS = {
    openai: 'oai-Capture-7f3a9c2e1b0d55',
    gemini: 'gem/Capture+Key=7q2w9e',
    client: 'client-Capture-secret-42abcd',
    admin: 'admin-Capture-secret-77efgh',
  }
  const PIECES = Object.values(KEYS).flatMap((k) => secretForms(k).flatMap((form) => Array.from({ length: form.length - 9 }, (_, i) => form.slice(i, i + 10))))

  it('headers, ?key=, keys inside request bodies and keys an upstream echoes in stream chunks are replaced before anything is written', async () => {
    const dir = captureDir()
    const gw = await startGateway(
      {
        CAPTURE: 'on',
        CAPTURE_DIR: dir,
        PROXY_API_KEYS: KEYS.client,
        ADMIN_API_KEY: KEYS.admin,
        OPENAI_API_KEY: KEYS.openai,
        OPENAI_BASE_URL: `${echo.url}/v1`,
        GEMINI_API_KEY: KEYS.gemini,
        GEMINI_BASE_URL: echo.url,
        LOG_LEVEL: 'silent',
        LLM_PROXY_LOCAL_DISCOVERY: '0',
        // The client's own text reaches the capture as it was sent, but for the keys.
        REDACT_API_KEYS_IN_PROMPTS: 'off',
      },
      '127.0.0.1',
      0,
    )
    try {
      const ids: string[] = []
      const said = `here are keys: ${KEYS.openai} ${KEYS.admin} ${JSON.stringify(KEYS.gemini)} ${KEYS.client}`
      const post = async (path: string, body: unknown, headers: Record<string, string>) => {
        const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: `s=${KEYS.admin}`, ...headers }, body: JSON.stringify(body) })
        await res.arrayBuffer()
        ids.push(res.headers.get('x-request-id')!)
        return res
      }
      // The echo upstream writes the key it got into its stream, cut in the middle of it (`split`).
      for (const model of ['openai:split-1', 'openai:ok-2', 'openai:sse-error-3', 'openai:json-error-4'])
        await post('/v1/chat/completions', { model, stream: !model.includes('json'), messages: [{ role: 'user', content: said }] }, { authorization: `Bearer ${KEYS.client}`, 'x-custom': KEYS.admin })
      // Gemini with the client key in `?key=`, its back end called with its own key (x-goog-api-key).
      await post(`/v1beta/models/gemini:split-5:streamGenerateContent?alt=sse&key=${encodeURIComponent(KEYS.client)}`, { contents: [{ role: 'user', parts: [{ text: said }] }] }, {})
      await post('/v1/messages', { model: 'gemini:ok-6', max_tokens: 10, messages: [{ role: 'user', content: said }] }, { 'x-api-key': KEYS.client })

      for (const id of ids) await exchangeRecords(dir, id)
      const { records, raw } = readCaptures(dir)
      const bytes = Buffer.concat(raw).toString('latin1')
      const found = PIECES.filter((p) => bytes.includes(p) || bytes.includes(Buffer.from(p, 'utf8').toString('latin1')))
      expect(found).toEqual([])
      // …and it is the capture that removed them (they were there to remove).
      expect(bytes).toContain(REDACTED)
      const upstreamText = text(concat(records.filter((r) => r.leg === 'upstream-response' && r.data).map((r) => r.data!)))
      expect(upstreamText).toContain(REDACTED)
      const urls = records.filter((r) => r.leg === 'client-request' && r.kind === 'head').map((r) => r.meta.path as string)
      expect(urls.some((u) => u.includes(`key=${REDACTED}`))).toBe(true)
    } finally {
      await gw.close()
    }
  })
})

describe('capture: per client and per session', () => {
  it('a client’s `capture: true` captures its requests only; `!/set(capture=on)` captures one session’s from then on', async () => {
    const dir = captureDir()
    const base = upstream.baseFor('capture-who')
    const gw = await startGateway(
      { CAPTURE_DIR: dir, OPENAI_API_KEY: 'sk-up-openai-who-000111', OPENAI_BASE_URL: `${base}/v1`, LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' },
      '127.0.0.1',
      0,
      {
        clients: [
          { name: 'watched', key: 'client-watched-key-1234', capture: true },
          { name: 'plain', key: 'client-plain-key-5678' },
        ],
      },
    )
    try {
      const chat = async (key: string, session: string, content: string) => {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-session-id': session },
          body: JSON.stringify({ model: 'openai:gpt-test', messages: [{ role: 'user', content }] }),
        })
        expect(res.status).toBe(200)
        await res.json()
        return res.headers.get('x-request-id')!
      }
      const notCaptured = [await chat('client-plain-key-5678', 'session-a', 'hi'), await chat('client-plain-key-5678', 'session-b', 'hi')]
      const command = await chat('client-plain-key-5678', 'session-a', '!/set(capture=on)')
      const captured = [await chat('client-watched-key-1234', 'session-w', 'hi'), await chat('client-plain-key-5678', 'session-a', 'hi again')]
      notCaptured.push(await chat('client-plain-key-5678', 'session-b', 'hi again'))

      const watched = await exchangeRecords(dir, captured[0]!)
      expect(watched.at(-1)!.meta).toMatchObject({ client: 'watched', status: 200 })
      const sessionA = await exchangeRecords(dir, captured[1]!)
      expect(sessionA.at(-1)!.meta).toMatchObject({ client: 'plain', status: 200, backend: 'openai' })
      // The command's own exchange: the gateway answered it (no upstream leg).
      const commandRecords = await exchangeRecords(dir, command)
      expect(commandRecords.some((r) => r.leg.startsWith('upstream'))).toBe(false)
      expect(text(commandRecords.find((r) => r.leg === 'client-response' && r.kind === 'body' || r.kind === 'chunk')?.data)).toContain('capture = true')
      expect(commandRecords.at(-1)!.meta).toMatchObject({ backend: 'gateway', status: 200 })

      const all = new Set(readCaptures(dir).records.map((r) => r.exchange))
      for (const id of notCaptured) expect(all.has(id)).toBe(false)
      expect(all.size).toBe(3)
    } finally {
      await gw.close()
    }
  })
})
