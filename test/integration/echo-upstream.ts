import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A hostile upstream on loopback for the secrets tests: it echoes the credential
 * it received (Authorization bearer, x-api-key, x-goog-api-key or ?key=) back in
 * everything it answers, in the protocol the path asks for (OpenAI Chat, OpenAI
 * Responses, Anthropic, Gemini). What it does is chosen by the model name:
 *
 * - `ok…`: a normal answer (JSON, or SSE when streaming) whose text carries the
 *   key, with the key in `x-request-id`, a ratelimit header and `openai-organization`;
 * - `json-error…`: HTTP 401 with the key in the error message (raw and URL-encoded)
 *   and in `retry-after` and `x-request-id`;
 * - `long-error…`: HTTP 400 whose message is padded so the key straddles the point
 *   where the gateway cuts upstream messages short;
 * - `sse-error…`: a stream that starts, then reports an error carrying the key;
 * - `split…`: a stream whose text carries the key, the bytes written in two
 *   pieces cut in the middle of the key;
 * - `split-deltas…`: a stream whose key is split across two text deltas.
 *
 * Model lists list a model named after the key; token counts echo it.
 * `GET /__last` answers with the body of the last POST it received.
 */
export interface EchoUpstream {
  url: string
  close(): Promise<void>
}

type Wire = 'openai' | 'anthropic' | 'gemini' | 'responses'

let responseCounter = 0
let lastBody = ''

function credential(req: IncomingMessage, url: URL): string {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length)
  const header = req.headers['x-api-key'] ?? req.headers['x-goog-api-key'] ?? req.headers['api-key']
  if (typeof header === 'string') return header
  return url.searchParams.get('key') ?? 'no-credential'
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

const tick = () => new Promise((r) => setTimeout(r, 10))

function errorBody(wire: Wire, status: number, message: string): unknown {
  if (wire === 'anthropic') return { type: 'error', error: { type: status === 401 ? 'authentication_error' : 'invalid_request_error', message } }
  if (wire === 'gemini') return { error: { code: status, message, status: status === 401 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT' } }
  return { error: { message, type: 'invalid_request_error', code: status === 401 ? 'invalid_api_key' : null } }
}

function jsonAnswer(wire: Wire, model: string, text: string, id: string): unknown {
  if (wire === 'anthropic')
    return {
      id: 'msg_echo', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }],
      stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 4 },
    }
  if (wire === 'gemini')
    return {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      modelVersion: model,
    }
  if (wire === 'responses') return responsesObject(id, model, 'completed', text)
  return {
    id: 'chatcmpl-echo', object: 'chat.completion', created: 1, model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  }
}

function responsesObject(id: string, model: string, status: string, text?: string) {
  return {
    id, object: 'response', created_at: 1, status, error: null, incomplete_details: null, model,
    output: text === undefined ? [] : [{ type: 'message', id: 'msg_echo', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
    usage: text === undefined ? null : { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
  }
}

/** A stream as frames: the opening ones, one per text delta, an error frame, the closing ones. */
function frames(wire: Wire, model: string, id: string) {
  const data = (d: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(d)}\n\n`
  if (wire === 'openai') {
    const chunk = (delta: object, finish: string | null = null) =>
      data({ id: 'chatcmpl-echo', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })
    return {
      start: [chunk({ role: 'assistant', content: '' })],
      text: (t: string) => chunk({ content: t }),
      error: (m: string) => data({ error: { message: m, type: 'server_error' } }),
      end: () => [chunk({}, 'stop'), 'data: [DONE]\n\n'],
    }
  }
  if (wire === 'anthropic') {
    const ev = (d: { type: string }) => data(d, d.type)
    return {
      start: [
        ev({ type: 'message_start', message: { id: 'msg_echo', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } } as { type: string }),
        ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string }),
      ],
      text: (t: string) => ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } } as { type: string }),
      error: (m: string) => ev({ type: 'error', error: { type: 'api_error', message: m } } as { type: string }),
      end: () => [
        ev({ type: 'content_block_stop', index: 0 } as { type: string }),
        ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } } as { type: string }),
        ev({ type: 'message_stop' }),
      ],
    }
  }
  if (wire === 'gemini') {
    const chunk = (parts: object[], extra: object = {}) =>
      data({ candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }], modelVersion: model })
    return {
      start: [] as string[],
      text: (t: string) => chunk([{ text: t }]),
      error: (m: string) => data({ error: { code: 500, message: m, status: 'INTERNAL' } }),
      end: () => [
        data({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 }, modelVersion: model }),
      ],
    }
  }
  let seq = 0
  let all = ''
  const ev = (d: Record<string, unknown> & { type: string }) => data({ ...d, sequence_number: seq++ }, d.type)
  const item = { type: 'message', id: 'msg_echo', status: 'in_progress', role: 'assistant', content: [] }
  return {
    start: [
      ev({ type: 'response.created', response: responsesObject(id, model, 'in_progress') }),
      ev({ type: 'response.output_item.added', output_index: 0, item }),
      ev({ type: 'response.content_part.added', item_id: 'msg_echo', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
    ],
    text: (t: string) => {
      all += t
      return ev({ type: 'response.output_text.delta', item_id: 'msg_echo', output_index: 0, content_index: 0, delta: t })
    },
    error: (m: string) => ev({ type: 'error', code: 'server_error', message: m }),
    end: () => [
      ev({ type: 'response.output_text.done', item_id: 'msg_echo', output_index: 0, content_index: 0, text: all }),
      ev({ type: 'response.output_item.done', output_index: 0, item: { ...item, status: 'completed', content: [{ type: 'output_text', text: all, annotations: [] }] } }),
      ev({ type: 'response.completed', response: responsesObject(id, model, 'completed', all) }),
    ],
  }
}

/** Where the gateway cuts an upstream's error message short, per protocol (see src/protocols/<name>/errors.ts). */
const CUT: Record<Wire, number> = { openai: 1000, responses: 1000, gemini: 1000, anthropic: 500 }

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x')
  const path = url.pathname
  const key = credential(req, url)
  const raw = await readBody(req)
  if (req.method === 'GET' && path === '/__last') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(lastBody)
    return
  }
  if (req.method === 'POST') lastBody = raw
  let body: any
  try {
    body = raw ? JSON.parse(raw) : {}
  } catch {
    body = {}
  }
  const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(value))
  }
  const echoHeaders = { 'x-request-id': `req-${key}`, 'x-ratelimit-limit-requests': key, 'openai-organization': key, 'anthropic-organization-id': key }

  if (req.method === 'GET') {
    if (path.endsWith('/v1beta/models')) return json(200, { models: [{ name: `models/m-${key}`, supportedGenerationMethods: ['generateContent'] }] })
    if (path.endsWith('/models')) return json(200, { data: [{ id: `m-${key}`, object: 'model' }] })
    return json(404, { error: { message: 'no such route' } })
  }

  const gem = /\/v1beta\/models\/(.+):(generateContent|streamGenerateContent|countTokens)$/.exec(path)
  const wire: Wire | undefined = gem
    ? 'gemini'
    : path.endsWith('/chat/completions')
      ? 'openai'
      : path.includes('/v1/messages')
        ? 'anthropic'
        : path.includes('/responses')
          ? 'responses'
          : undefined
  if (!wire) return json(404, { error: { message: `no route ${path}` } })
  const model: string = gem ? decodeURIComponent(gem[1]!) : String(body.model ?? '')

  if (path.endsWith('/count_tokens') || path.endsWith('/input_tokens') || gem?.[2] === 'countTokens') {
    if (model.startsWith('json-error')) return json(401, errorBody(wire, 401, `Invalid key ${key}`), { 'retry-after': key })
    const counted = wire === 'gemini' ? { totalTokens: 3, note: key } : { input_tokens: 3, note: key }
    return json(200, counted, echoHeaders)
  }

  if (model.startsWith('json-error')) {
    const message = `Incorrect API key provided: ${key}. You called ?auth=${encodeURIComponent(key)}`
    return json(401, errorBody(wire, 401, message), { 'retry-after': key, 'x-request-id': `req-${key}` })
  }
  if (model.startsWith('long-error')) {
    const message = `${'x'.repeat(CUT[wire] - Math.floor(key.length / 2))}${key} and more`
    return json(400, errorBody(wire, 400, message))
  }

  const stream = gem ? gem[2] === 'streamGenerateContent' : Boolean(body.stream)
  const id = `resp_echo${responseCounter++}`
  const text = `Your key is ${key}, isn't it?`
  if (!stream) return json(200, jsonAnswer(wire, model, text, id), echoHeaders)

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...echoHeaders })
  const f = frames(wire, model, id)
  for (const s of f.start) res.write(s)
  if (model.startsWith('sse-error')) {
    res.write(f.text('Hello.'))
    await tick()
    res.write(f.error(`Upstream failure for key ${key}`))
    res.end()
    return
  }
  if (model.startsWith('split-deltas')) {
    const cut = Math.floor(key.length / 2)
    res.write(f.text(`Key: ${key.slice(0, cut)}`))
    await tick()
    res.write(f.text(`${key.slice(cut)} (split)`))
  } else if (model.startsWith('split')) {
    const frame = f.text(text)
    const written = JSON.stringify(key).slice(1, -1) // the key as the frame's JSON has it
    const at = frame.indexOf(written) + Math.floor(written.length / 2)
    res.write(frame.slice(0, at))
    await tick()
    res.write(frame.slice(at))
  } else res.write(f.text(text))
  for (const s of f.end()) res.write(s)
  res.end()
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const server: Server = createServer((req, res) => {
    answer(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
