/**
 * A client that abandons a streamed answer mid-stream (a coding agent's Esc), through the Node adapter
 * and a real HTTP client: the exchange is still finished exactly once, with status 499 (the client
 * closed it) and the usage the upstream had reported by then, in the metrics, the usage ledger, the
 * traffic feed, the JSON log line and the capture; the open-streams gauge goes back to 0; and the
 * upstream sees its connection closed (the gateway stopped reading, and paying).
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { decodeCapture } from '../../src/capture/codec'
import type { CaptureRecord } from '../../src/capture/format'
import { parseProm, valueOf } from '../observe/prom-text'
import { startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream'

const CLIENT_KEY = 'client-key-abandon-7a1c'
const ADMIN = 'admin-key-abandon-5e2d'
const SCOPE = 'abandon'

let up: ScriptedUpstream
let gw: NodeGateway
let dir: string
const logLines: string[] = []

beforeAll(async () => {
  up = await startScriptedUpstream()
  // Every streamed answer: its first events, then nothing (the connection held open until someone lets go).
  up.script([
    { model: 'gpt-abandon-early', action: { do: 'stall' } }, // no answer at all
    { path: '/v1/messages', stream: true, action: { do: 'stall', afterEvents: 4 } }, // message_start, ping, block start, "Hell"
    { stream: true, action: { do: 'stall', afterEvents: 2 } }, // OpenAI: the role chunk, "Hell"
  ], SCOPE)
  dir = mkdtempSync(join(tmpdir(), 'gw-abandon-'))
  // The JSON log lines (the Node logger writes to the console).
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logLines.push(a.join(' ')))
  gw = await startGateway(
    {
      PROXY_API_KEYS: CLIENT_KEY,
      ADMIN_API_KEY: ADMIN,
      OPENAI_API_KEY: 'sk-up-openai-abandon-0001',
      OPENAI_BASE_URL: up.baseFor(SCOPE, '/v1'),
      ANTHROPIC_API_KEY: 'sk-ant-up-abandon-0002',
      ANTHROPIC_BASE_URL: up.baseFor(SCOPE),
      CAPTURE: 'on',
      CAPTURE_DIR: dir,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    },
    '127.0.0.1',
    0,
  )
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
  vi.restoreAllMocks()
  rmSync(dir, { recursive: true, force: true })
})

const admin = { authorization: `Bearer ${ADMIN}` }
const scrape = async () => parseProm(await (await fetch(`${gw.url}/metrics`, { headers: admin })).text())

/** The exchange's records in the capture files, once its summary is written. */
const captured = (id: string) =>
  vi.waitFor(() => {
    const records: CaptureRecord[] = []
    for (const name of readdirSync(dir)) records.push(...decodeCapture(readFileSync(join(dir, name))).records.filter((r) => r.exchange === id))
    if (!records.some((r) => r.leg === 'exchange')) throw new Error(`no capture of ${id} yet`)
    return records
  })

/** Reads the stream until `text` has come, then aborts the request (the connection closes). */
async function readThenAbort(res: Response, abort: AbortController, text: string): Promise<string> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let got = ''
  while (!got.includes(text)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`the stream ended before "${text}": ${got}`)
    got += decoder.decode(value, { stream: true })
  }
  abort.abort()
  return got
}

interface Expected {
  frontEnd: string
  backend: string
  model: string
  /** The usage the upstream had reported when the client left; undefined: none yet. */
  usage?: { inputTokens: number; outputTokens: number; cachedInputTokens: number }
}

/** What every view of the exchange says once the client has left: each one, once, as 499. */
async function expectAbandoned(id: string, e: Expected) {
  const input = e.usage?.inputTokens ?? 0
  const output = e.usage?.outputTokens ?? 0
  // The upstream's connection was closed by the gateway before its answer was whole.
  await vi.waitFor(() => expect(up.requests(SCOPE).filter((r) => r.model === e.model).map((r) => r.closedEarly)).toEqual([true]))

  // The metrics, and the usage ledger's totals (its write is deferred: waited for).
  const route = { backend: e.backend, model: e.model }
  await vi.waitFor(async () => {
    const p = await scrape()
    expect(valueOf(p, 'llm_gateway_requests_total', { ...route, front_end: e.frontEnd, status: '499', client: 'key-1' })).toBe(1)
    expect(valueOf(p, 'llm_gateway_requests_total', route)).toBe(1)
    expect(valueOf(p, 'llm_gateway_request_duration_seconds_count', { front_end: e.frontEnd, backend: e.backend }, 'llm_gateway_request_duration_seconds')).toBeGreaterThanOrEqual(1)
    expect(valueOf(p, 'llm_gateway_open_streams')).toBe(0)
    expect(valueOf(p, 'llm_gateway_input_tokens_total', route)).toBe(input)
    expect(valueOf(p, 'llm_gateway_output_tokens_total', route)).toBe(output)
    expect(valueOf(p, 'llm_gateway_ledger_model_requests', route)).toBe(1)
    expect(valueOf(p, 'llm_gateway_ledger_model_errors', route)).toBe(1)
    expect(valueOf(p, 'llm_gateway_ledger_model_input_tokens', route)).toBe(input)
    expect(valueOf(p, 'llm_gateway_ledger_model_output_tokens', route)).toBe(output)
  })

  // The JSON log line: one per exchange, status 499, the tokens known.
  const lines = logLines.map((l) => JSON.parse(l)).filter((l) => l.event === 'exchange' && l.request_id === id)
  expect(lines).toEqual([expect.objectContaining({ status: 499, stream: true, front_end: e.frontEnd, backend: e.backend, model: e.model, input_tokens: input, output_tokens: output })])

  // The capture: the client's leg cancelled, the upstream let go, and the closing record with 499 and the usage.
  const records = await captured(id)
  expect(records.find((r) => r.leg === 'client-response' && r.kind === 'error')!.meta).toMatchObject({ cancelled: true })
  expect(records.find((r) => r.leg === 'upstream-response' && r.kind === 'end')!.meta).toMatchObject({ cancelled: true })
  const summary = records.filter((r) => r.leg === 'exchange')
  expect(summary).toHaveLength(1)
  expect(summary[0]!.meta).toMatchObject({ status: 499, backend: e.backend, model: e.model })
  if (e.usage) expect(summary[0]!.meta.usage).toMatchObject({ inputTokens: input, outputTokens: output, cachedInputTokens: e.usage.cachedInputTokens })
  else expect(summary[0]!.meta.usage).toBeUndefined()

  // The traffic feed (the admin page's traffic view): the row, with 499 and the tokens.
  const login = await fetch(`${gw.url}/admin/login`, { method: 'POST', headers: { origin: gw.url }, body: new URLSearchParams({ key: ADMIN }), redirect: 'manual' })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const html = await (await fetch(`${gw.url}/admin/traffic`, { headers: { cookie } })).text()
  const row = html.match(new RegExp(`<tr data-id="${id}">(.*?)</tr>`, 's'))
  expect(row, 'the traffic row').not.toBeNull()
  expect(row![1]).toContain('<td class="warn">499</td>')
  expect(row![1]).toMatch(new RegExp(`<td class="num">${input} / ${output}</td>`))
}

describe('a client that abandons a stream mid-way', () => {
  it('passed through (Anthropic to Anthropic): 499 with the input tokens message_start reported', async () => {
    const abort = new AbortController()
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_KEY },
      body: JSON.stringify({ model: 'anthropic:claude-abandon-pass', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: abort.signal,
    })
    expect(res.status).toBe(200)
    expect(await readThenAbort(res, abort, 'Hell')).toContain('event: message_start')
    await expectAbandoned(res.headers.get('x-request-id')!, {
      frontEnd: 'anthropic',
      backend: 'anthropic',
      model: 'claude-abandon-pass',
      // The scripted message_start: 15 input tokens and 5 cache reads (20 in all), 1 output token so far.
      usage: { inputTokens: 20, outputTokens: 1, cachedInputTokens: 5 },
    })
  })

  it('translated (OpenAI SDK to Anthropic), the SDK aborting its stream: 499 with the usage so far', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 })
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'anthropic:claude-abandon-translated', stream: true, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()
    let text = ''
    // (The SDK ends its iteration quietly once its own controller aborts.)
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (text.includes('Hell')) stream.controller.abort()
    }
    expect(text).toBe('Hell')
    expect(stream.controller.signal.aborted).toBe(true)
    await expectAbandoned(response.headers.get('x-request-id')!, {
      frontEnd: 'openai-chat',
      backend: 'anthropic',
      model: 'claude-abandon-translated',
      usage: { inputTokens: 20, outputTokens: 1, cachedInputTokens: 5 },
    })
  })

  it('passed through (OpenAI to OpenAI), usage only at the end: 499 with no tokens', async () => {
    const abort = new AbortController()
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ model: 'openai:gpt-abandon', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
      signal: abort.signal,
    })
    expect(res.status).toBe(200)
    await readThenAbort(res, abort, 'Hell')
    await expectAbandoned(res.headers.get('x-request-id')!, { frontEnd: 'openai-chat', backend: 'openai', model: 'gpt-abandon' })
  })

  it('Anthropic SDK aborting its stream (translated to OpenAI): counted once, streams_total says client_gone', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 })
    const stream = anthropic.messages.stream({ model: 'openai:gpt-abandon-translated', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    stream.on('text', (t) => {
      text += t
      if (text.includes('Hell')) stream.abort()
    })
    await expect(stream.finalMessage()).rejects.toThrow()
    const id = (await stream.withResponse()).response.headers.get('x-request-id')!
    await expectAbandoned(id, { frontEnd: 'anthropic', backend: 'openai', model: 'gpt-abandon-translated' })
    // Every abandoned stream of this file, each once.
    const p = await scrape()
    expect(valueOf(p, 'llm_gateway_streams_total', { end: 'client_gone' })).toBe(4)
    expect(valueOf(p, 'llm_gateway_requests_total', { status: '499' })).toBe(4)
    expect(valueOf(p, 'llm_gateway_requests_total')).toBe(4)
  })

  it('before the upstream answered at all: also 499, once, and the upstream call is stopped', async () => {
    const abort = new AbortController()
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ model: 'openai:gpt-abandon-early', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: abort.signal,
    })
    pending.catch(() => {})
    await vi.waitFor(() => expect(up.requests(SCOPE).some((r) => r.model === 'gpt-abandon-early')).toBe(true))
    abort.abort()
    await expect(pending).rejects.toThrow()
    await vi.waitFor(() => expect(up.requests(SCOPE).find((r) => r.model === 'gpt-abandon-early')!.closedEarly).toBe(true))
    const route = { backend: 'openai', model: 'gpt-abandon-early' }
    await vi.waitFor(async () => {
      const p = await scrape()
      expect(valueOf(p, 'llm_gateway_requests_total', { ...route, status: '499' })).toBe(1)
      expect(valueOf(p, 'llm_gateway_requests_total', route)).toBe(1)
      expect(valueOf(p, 'llm_gateway_ledger_model_requests', route)).toBe(1)
    })
    const lines = logLines.map((l) => JSON.parse(l)).filter((l) => l.event === 'exchange' && l.model === 'gpt-abandon-early')
    expect(lines).toEqual([expect.objectContaining({ status: 499, stream: true, input_tokens: 0, output_tokens: 0 })])
  })
})
