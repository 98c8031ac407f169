import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

/**
 * A fast fake OpenAI Chat Completions + Anthropic Messages upstream for the
 * benchmark. Every answer is precomputed at start; a request costs reading its
 * body, one `"stream":true` byte search, and writing the prepared bytes.
 *
 *   POST /v1/chat/completions   OpenAI JSON, or SSE (20 content chunks + finish + usage + [DONE])
 *   POST /v1/messages           Anthropic JSON, or SSE (message_start … 20 text deltas … message_stop)
 *
 * Slow mode (`--slow-interval-ms 100 --slow-chunks 100`): streams send their
 * head at once, then one content chunk per interval, then the tail.
 *
 * Run: node --import tsx bench/fake-upstream.ts [--port 0] → prints `listening on http://…`.
 */

/** The 20 content pieces every normal answer is made of (5–20 characters each). */
export const TEXT_CHUNKS = [
  "Sure! Here's", ' a quick', ' overview of', ' how HTTP', ' keep-alive', ' works:', ' the client', ' reuses one',
  ' TCP connection', ' for several', ' requests,', ' which saves', ' the cost of', ' a new handshake', ' each time.',
  ' Servers close', ' idle sockets', ' after a', ' timeout to', ' free resources.',
]
/** Content piece i of a slow stream: numbered, so order and completeness can be checked. */
export const slowChunk = (i: number) => ` chunk-${String(i).padStart(3, '0')}`
export const slowText = (n: number) => Array.from({ length: n }, (_, i) => slowChunk(i)).join('')

const CREATED = 1752144000
const OPENAI_ID = 'chatcmpl-BtKq3Vh8cXn2ZyR5fJ0aLmP9sQwE1'
const OPENAI_MODEL = 'gpt-4o-2024-08-06'
const FINGERPRINT = 'fp_07871e2ad8'
const ANTHROPIC_ID = 'msg_01XFDUDYJgAACzvnptvVoYEL'
const ANTHROPIC_MODEL = 'claude-sonnet-4-5-20250929'

const openaiUsage = {
  prompt_tokens: 38, completion_tokens: 61, total_tokens: 99,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
}
const anthropicUsage = {
  input_tokens: 31, cache_creation_input_tokens: 0, cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  output_tokens: 61, service_tier: 'standard',
}

/** OpenAI pads stream chunks with a random `obfuscation` string; a fixed one of the usual length. */
const obf = (i: number) => 'xK9fQ2mZpL7w'.slice(0, 4 + (i % 9))

function openaiJson(text: string): string {
  return JSON.stringify({
    id: OPENAI_ID, object: 'chat.completion', created: CREATED, model: OPENAI_MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: openaiUsage, service_tier: 'default', system_fingerprint: FINGERPRINT,
  })
}

function openaiSse(pieces: string[]): { head: string[]; body: string[]; tail: string[] } {
  const base = { id: OPENAI_ID, object: 'chat.completion.chunk', created: CREATED, model: OPENAI_MODEL, service_tier: 'default', system_fingerprint: FINGERPRINT }
  const frame = (choices: unknown[], i: number, extra: object = {}) =>
    `data: ${JSON.stringify({ ...base, choices, ...extra, obfuscation: obf(i) })}\n\n`
  const choice = (delta: object, finish: string | null = null) => [{ index: 0, delta, logprobs: null, finish_reason: finish }]
  return {
    head: [frame(choice({ role: 'assistant', content: '', refusal: null }), 0)],
    body: pieces.map((p, i) => frame(choice({ content: p }), i + 1)),
    tail: [frame(choice({}, 'stop'), 1), frame([], 2, { usage: openaiUsage }), 'data: [DONE]\n\n'],
  }
}

function anthropicJson(text: string): string {
  return JSON.stringify({
    id: ANTHROPIC_ID, type: 'message', role: 'assistant', model: ANTHROPIC_MODEL,
    content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: anthropicUsage,
  })
}

function anthropicSse(pieces: string[]): { head: string[]; body: string[]; tail: string[] } {
  const ev = (data: { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`
  return {
    head: [
      ev({
        type: 'message_start',
        message: {
          id: ANTHROPIC_ID, type: 'message', role: 'assistant', model: ANTHROPIC_MODEL, content: [],
          stop_reason: null, stop_sequence: null, usage: { ...anthropicUsage, output_tokens: 1 },
        },
      } as { type: string }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string }),
      ev({ type: 'ping' }),
    ],
    body: pieces.map((text) => ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } as { type: string })),
    tail: [
      ev({ type: 'content_block_stop', index: 0 } as { type: string }),
      ev({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: 31, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 61 },
      } as { type: string }),
      ev({ type: 'message_stop' }),
    ],
  }
}

type Headers = [string, string][]
const openaiHeaders = (contentType: string): Headers => [
  ['content-type', contentType],
  ['openai-organization', 'bench-org'],
  ['openai-processing-ms', '412'],
  ['openai-version', '2020-10-01'],
  ['x-ratelimit-limit-requests', '10000'],
  ['x-ratelimit-remaining-requests', '9999'],
  ['x-ratelimit-reset-requests', '6ms'],
  ['x-ratelimit-limit-tokens', '30000000'],
  ['x-ratelimit-remaining-tokens', '29999970'],
  ['x-ratelimit-reset-tokens', '0s'],
  ['x-request-id', 'req_6f1c2b8e0d9a4c7fb3e5a1d2c4b6e8f0'],
]
const anthropicHeaders = (contentType: string): Headers => [
  ['content-type', contentType],
  ['request-id', 'req_011CQ7h5yTq3bVxUeZ9kWmNp'],
  ['anthropic-organization-id', '5b1f7c3e-2d4a-4e8b-9f6a-0c1d2e3f4a5b'],
  ['anthropic-ratelimit-requests-limit', '4000'],
  ['anthropic-ratelimit-requests-remaining', '3999'],
  ['anthropic-ratelimit-requests-reset', '2025-07-10T12:00:01Z'],
  ['anthropic-ratelimit-tokens-limit', '2000000'],
  ['anthropic-ratelimit-tokens-remaining', '1999000'],
  ['anthropic-ratelimit-tokens-reset', '2025-07-10T12:00:01Z'],
]

interface Route {
  json: Buffer
  jsonHeaders: Headers
  sseHeaders: Headers
  sse: { head: Buffer[]; body: Buffer[]; tail: Buffer[] }
}

const buffers = (f: { head: string[]; body: string[]; tail: string[] }) => ({
  head: f.head.map((s) => Buffer.from(s)),
  body: f.body.map((s) => Buffer.from(s)),
  tail: f.tail.map((s) => Buffer.from(s)),
})

function routes(pieces: string[]): Record<string, Route> {
  const text = pieces.join('')
  const oj = Buffer.from(openaiJson(text))
  const aj = Buffer.from(anthropicJson(text))
  return {
    '/v1/chat/completions': {
      json: oj,
      jsonHeaders: [...openaiHeaders('application/json'), ['content-length', String(oj.length)]],
      sseHeaders: [...openaiHeaders('text/event-stream; charset=utf-8'), ['cache-control', 'no-cache']],
      sse: buffers(openaiSse(pieces)),
    },
    '/v1/messages': {
      json: aj,
      jsonHeaders: [...anthropicHeaders('application/json'), ['content-length', String(aj.length)]],
      sseHeaders: [...anthropicHeaders('text/event-stream; charset=utf-8'), ['cache-control', 'no-cache']],
      sse: buffers(anthropicSse(pieces)),
    },
  }
}

export interface FakeUpstreamOptions {
  /** Slow streams: one content chunk every `slowIntervalMs`, `slowChunks` of them. */
  slowIntervalMs?: number
  slowChunks?: number
}

const STREAM_TRUE = Buffer.from('"stream":true')

export function createFakeUpstream(o: FakeUpstreamOptions = {}) {
  const slow = Boolean(o.slowIntervalMs)
  const table = routes(slow ? Array.from({ length: o.slowChunks ?? 100 }, (_, i) => slowChunk(i)) : TEXT_CHUNKS)

  function answer(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const q = req.url!.indexOf('?')
    const route = table[q < 0 ? req.url! : req.url!.slice(0, q)]
    if (!route || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"fake upstream: no such route","type":"invalid_request_error"}}')
      return
    }
    if (!body.includes(STREAM_TRUE)) {
      res.writeHead(200, route.jsonHeaders)
      res.end(route.json)
      return
    }
    res.writeHead(200, route.sseHeaders)
    const { head, body: pieces, tail } = route.sse
    for (const b of head) res.write(b)
    if (!slow) {
      for (const b of pieces) res.write(b)
      for (let i = 0; i < tail.length - 1; i++) res.write(tail[i])
      res.end(tail[tail.length - 1])
      return
    }
    let i = 0
    const timer = setInterval(() => {
      if (i < pieces.length) res.write(pieces[i++])
      if (i === pieces.length) {
        clearInterval(timer)
        for (let j = 0; j < tail.length - 1; j++) res.write(tail[j])
        res.end(tail[tail.length - 1])
      }
    }, o.slowIntervalMs)
    res.once('close', () => clearInterval(timer))
  }

  const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => answer(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
  })
  server.headersTimeout = 60_000
  server.requestTimeout = 0
  return server
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = arg('host') ?? '127.0.0.1'
  const server = createFakeUpstream({
    slowIntervalMs: Number(arg('slow-interval-ms') ?? 0) || undefined,
    slowChunks: Number(arg('slow-chunks') ?? 100),
  })
  server.listen({ port: Number(arg('port') ?? 0), host, backlog: 4096 }, () => {
    console.log(`fake upstream listening on http://${host}:${(server.address() as AddressInfo).port}`)
  })
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      server.closeAllConnections()
      server.close(() => process.exit(0))
      setTimeout(() => process.exit(0), 1000).unref()
    })
}
