import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeHeader, encodeRecords } from '../../src/capture/codec'
import type { CaptureLeg, CaptureKind, CaptureRecord } from '../../src/capture/format'

/**
 * Realistic capture files, built with the codec as the capture writer writes them:
 * - STREAMED: Claude Code-style Anthropic streaming request routed to OpenAI; attempt 1 is refused (429), attempt 2
 *   answers with OpenAI chunks (one event split across two reads), translated into Anthropic events for the client.
 * - PLAIN: an OpenAI client, not streamed, served by Anthropic (one JSON body each way).
 * - BROKEN: an OpenAI stream that breaks off after two chunks; the client gets an error event.
 */
export const T0 = Date.UTC(2026, 11, 5, 17, 0, 0)
export const STREAMED = 'req_mi5x2k0001abc1234'
export const PLAIN = 'req_mi5w9a0002def5678'
export const BROKEN = 'req_mi5y7c0003ghi9012'

const enc = new TextEncoder()

function builder(exchange: string, start: number) {
  const records: CaptureRecord[] = []
  let t = start
  const add = (leg: CaptureLeg, kind: CaptureKind, meta: Record<string, unknown>, data?: string | Uint8Array, after = 1) => {
    t += after
    records.push({ exchange, seq: records.length, ts: t, leg, kind, meta, ...(data === undefined ? {} : { data: typeof data === 'string' ? enc.encode(data) : data }) })
  }
  return { records, add }
}

const openaiChunk = (delta: object, finish: string | null = null, usage?: object) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1764954000, model: 'gpt-4o-2024-08-06', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`

/** The OpenAI chunks attempt 2 of STREAMED answered, as they were read (the third event split in two). */
export const UPSTREAM_CHUNKS: string[] = (() => {
  const third = openaiChunk({ content: ' from the replay' })
  return [
    openaiChunk({ role: 'assistant', content: '' }),
    openaiChunk({ content: 'Hello' }),
    third.slice(0, 30),
    third.slice(30),
    openaiChunk({}, 'stop'),
    `${openaiChunk({}, null, { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 }).replace(/"choices":\[[^\]]*\],/, '"choices":[],')}data: [DONE]\n\n`,
  ]
})()

const anthropicEvent = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`

export const CLIENT_CHUNKS: string[] = [
  anthropicEvent('message_start', { message: { id: 'msg_01', type: 'message', role: 'assistant', model: 'gpt-4o', content: [], stop_reason: null, usage: { input_tokens: 20, output_tokens: 0 } } }),
  anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' from the replay' } }),
  anthropicEvent('content_block_stop', { index: 0 }) +
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }) +
    anthropicEvent('message_stop', {}),
]

export function streamedExchange(start = T0 + 60_000): CaptureRecord[] {
  const { records, add } = builder(STREAMED, start)
  const clientBody = { model: 'openai:gpt-4o', max_tokens: 1024, stream: true, system: 'You are Claude Code.', messages: [{ role: 'user', content: 'Say hello' }] }
  add('client-request', 'head', { method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json', 'x-api-key': '[redacted]', 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.0.1' } }, undefined, 0)
  add('client-request', 'body', {}, JSON.stringify(clientBody))
  const upstreamBody = JSON.stringify({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'You are Claude Code.' }, { role: 'user', content: 'Say hello' }], max_tokens: 1024 })
  const upstreamHead = (attempt: number, key: string) => ({ attempt, method: 'POST', url: 'https://api.openai.com/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: '[redacted]' }, route: 'default', backend: 'openai', model: 'gpt-4o', key })
  add('upstream-request', 'head', upstreamHead(1, '…abcd'), undefined, 2)
  add('upstream-request', 'body', { attempt: 1 }, upstreamBody)
  add('upstream-response', 'head', { attempt: 1, status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1', 'x-ratelimit-remaining-requests': '0' } }, undefined, 40)
  add('upstream-response', 'body', { attempt: 1 }, JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o', type: 'requests', code: 'rate_limit_exceeded' } }))
  add('upstream-response', 'end', { attempt: 1 })
  add('upstream-request', 'head', upstreamHead(2, '…wxyz'), undefined, 5)
  add('upstream-request', 'body', { attempt: 2 }, upstreamBody)
  add('upstream-response', 'head', { attempt: 2, status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_upstream_77', 'openai-processing-ms': '180', 'transfer-encoding': 'chunked', connection: 'keep-alive' } }, undefined, 120)
  add('client-response', 'head', { status: 200, headers: { 'content-type': 'text/event-stream', 'x-request-id': STREAMED } })
  for (const [i, chunk] of UPSTREAM_CHUNKS.entries()) {
    add('upstream-response', 'chunk', { attempt: 2 }, chunk, 25)
    const client = i === 0 ? CLIENT_CHUNKS[0]! + CLIENT_CHUNKS[1]! : i === 1 ? CLIENT_CHUNKS[2]! : i === 3 ? CLIENT_CHUNKS[3]! : i === 5 ? CLIENT_CHUNKS[4]! : undefined
    if (client) add('client-response', 'chunk', {}, client)
  }
  add('upstream-response', 'end', { attempt: 2 })
  add('client-response', 'end', {})
  add('exchange', 'summary', {
    session: 'sess-claude-1',
    client: 'key-1',
    frontEnd: 'anthropic',
    backend: 'openai',
    model: 'gpt-4o',
    status: 200,
    usage: { inputTokens: 20, outputTokens: 9 },
    attempts: ['openai:gpt-4o', 'openai:gpt-4o'],
    totalMs: 360,
    ttfbMs: 170,
    requestId: STREAMED,
  })
  return records
}

export function plainExchange(start = T0): CaptureRecord[] {
  const { records, add } = builder(PLAIN, start)
  add('client-request', 'head', { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: '[redacted]' } }, undefined, 0)
  add('client-request', 'body', {}, JSON.stringify({ model: 'anthropic:claude-sonnet-4-5', messages: [{ role: 'user', content: 'What is the capital of France?' }] }))
  add('upstream-request', 'head', { attempt: 1, method: 'POST', url: 'https://api.anthropic.com/v1/messages', headers: { 'content-type': 'application/json', 'x-api-key': '[redacted]' }, route: 'default', backend: 'anthropic', model: 'claude-sonnet-4-5', key: '…k3y9' })
  add('upstream-request', 'body', { attempt: 1 }, JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'What is the capital of France?' }] }))
  add('upstream-response', 'head', { attempt: 1, status: 200, headers: { 'content-type': 'application/json' } }, undefined, 300)
  add('upstream-response', 'body', { attempt: 1 }, JSON.stringify({ id: 'msg_02', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Paris.' }], stop_reason: 'end_turn', usage: { input_tokens: 14, output_tokens: 3 } }))
  add('upstream-response', 'end', { attempt: 1 })
  add('client-response', 'head', { status: 200, headers: { 'content-type': 'application/json' } })
  add('client-response', 'body', {}, JSON.stringify({ id: 'chatcmpl-02', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 14, completion_tokens: 3, total_tokens: 17 } }))
  add('client-response', 'end', {})
  add('exchange', 'summary', { session: 'sess-cli-2', client: 'key-2', frontEnd: 'openai', backend: 'anthropic', model: 'claude-sonnet-4-5', status: 200, usage: { inputTokens: 14, outputTokens: 3 }, attempts: ['anthropic:claude-sonnet-4-5'], totalMs: 310, requestId: PLAIN })
  return records
}

/** Written by an older or cut-short writer: no summary, no attempt numbers, a stream that breaks off. */
export function brokenExchange(start = T0 + 120_000): CaptureRecord[] {
  const { records, add } = builder(BROKEN, start)
  add('client-request', 'head', { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' } }, undefined, 0)
  add('client-request', 'body', {}, JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Count to ten' }] }))
  add('upstream-request', 'head', { method: 'POST', url: 'https://api.openai.com/v1/chat/completions', backend: 'openai', model: 'gpt-4o' })
  add('upstream-response', 'head', { status: 200, headers: { 'content-type': 'text/event-stream' } }, undefined, 50)
  add('client-response', 'head', { status: 200, headers: { 'content-type': 'text/event-stream' } })
  add('upstream-response', 'chunk', {}, openaiChunk({ role: 'assistant', content: 'One, two' }), 25)
  add('client-response', 'chunk', {}, openaiChunk({ role: 'assistant', content: 'One, two' }))
  add('upstream-response', 'chunk', {}, openaiChunk({ content: ', three' }), 25)
  add('client-response', 'chunk', {}, openaiChunk({ content: ', three' }))
  add('upstream-response', 'error', { message: 'The upstream connection closed before the answer was complete.' }, undefined, 10)
  add('client-response', 'chunk', {}, `data: ${JSON.stringify({ error: { message: 'The upstream connection closed before the answer was complete.', type: 'upstream_error' } })}\n\n`)
  add('client-response', 'end', {})
  return records
}

/** The bytes of one capture file holding these exchanges. */
export function captureFile(...exchanges: CaptureRecord[][]): Uint8Array {
  const header = encodeHeader('node', T0)
  const body = encodeRecords(exchanges.flat())
  const out = new Uint8Array(header.length + body.length)
  out.set(header)
  out.set(body, header.length)
  return out
}

/**
 * A capture directory as the writer leaves it (a sub-folder, two files, and a file that is not a capture);
 * answers its path and the path of a single R2-style object holding STREAMED alone.
 */
export function captureDir(): { dir: string; object: string } {
  const root = mkdtempSync(join(tmpdir(), 'capture-cli-'))
  const dir = join(root, 'captures')
  mkdirSync(join(dir, '2026-12-05'), { recursive: true })
  writeFileSync(join(dir, '2026-12-05', 'capture-1.cbor'), captureFile(plainExchange(), streamedExchange()))
  writeFileSync(join(dir, '2026-12-05', 'capture-2.cbor'), captureFile(brokenExchange()))
  writeFileSync(join(dir, 'README.txt'), 'not a capture\n')
  const object = join(root, 'sess-claude-1-000.cbor')
  writeFileSync(object, captureFile(streamedExchange()))
  return { dir, object }
}
