import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A scripted model behind real HTTP on loopback, speaking OpenAI Chat
 * Completions (`…/chat/completions`), OpenAI Responses (`…/responses`), Anthropic
 * Messages (`…/v1/messages`) and Gemini (`…/v1beta/models/{model}:generateContent` or `tunedModels/…`,
 * `:streamGenerateContent`, `:countTokens`).
 *
 * Paths start with `/t/<test-id>`, so one server can serve many tests at once:
 * each test gets its own base URL, and `GET /__log/<test-id>` returns what that
 * test's upstream received (method, path, headers, body).
 *
 * The script, decided by the request alone:
 * - the last message carries a tool result → text `Tool said: <result>`;
 * - tools are offered and the last user text mentions "weather" → a call to the
 *   first tool with {"city":"Paris"} (two calls, Paris and Rome, when it says "two cities");
 * - a tool named `exec` is offered (Codex's shell) and the last user text asks to run
 *   a command in backquotes → a call of `exec` with {"input": <the command>} (one per
 *   backquoted command); likewise a tool named `Bash` (Claude Code's) with {"command": …};
 * - otherwise → `Hello from <protocol>!` in several chunks.
 * Usage is fixed: 20 prompt tokens (5 of them cached), 9 output tokens.
 * A model named `fail-midstream` sends two chunks and then drops the connection;
 * `error-429` answers 429 with the protocol's error body; `error-401` refuses the key as the provider would.
 */
export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: any
}

export interface FakeUpstream {
  url: string
  /** A base URL private to one test. */
  baseFor(testId: string, suffix?: string): string
  requests(testId: string): RecordedRequest[]
  close(): Promise<void>
}

type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'tools'; calls: Array<{ name: string; args: Record<string, unknown> }> }

function lastMessage(body: any): any {
  return Array.isArray(body?.messages) ? body.messages[body.messages.length - 1] : undefined
}

function textOf(content: any): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join('')
  return ''
}

type Wire = 'openai' | 'anthropic' | 'gemini' | 'responses'

/**
 * A shell call for each backquoted command the user asked to run: Codex's `exec` (offered as a function with one
 * `input` argument) or Claude Code's `Bash` (`{command, description}`).
 */
function shellCall(said: string, toolNames: string[]): Reply | undefined {
  if (!/run[^`]*`/i.test(said)) return undefined
  const commands = [...said.slice(said.search(/run/i)).matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim())
  if (toolNames.includes('exec')) return { kind: 'tools', calls: commands.map((c) => ({ name: 'exec', args: { input: c } })) }
  if (toolNames.includes('Bash')) return { kind: 'tools', calls: commands.map((c) => ({ name: 'Bash', args: { command: c, description: 'Run it' } })) }
  return undefined
}

function decideGemini(body: any): Reply {
  const last = Array.isArray(body?.contents) ? body.contents[body.contents.length - 1] : undefined
  const parts: any[] = last?.parts ?? []
  const response = parts.find((p) => p?.functionResponse)?.functionResponse
  if (response) {
    const r = response.response
    return { kind: 'text', text: `Tool said: ${typeof r?.output === 'string' ? r.output : JSON.stringify(r)}` }
  }
  const decls: any[] = (body?.tools ?? []).flatMap((t: any) => t.functionDeclarations ?? [])
  const shell = shellCall(parts.map((p) => p?.text ?? '').join(''), decls.map((d) => d.name))
  if (shell) return shell
  const said = parts.map((p) => p?.text ?? '').join('').toLowerCase()
  if (decls.length && said.includes('weather')) {
    const calls = [{ name: decls[0].name, args: { city: 'Paris' } }]
    if (said.includes('two cities')) calls.push({ name: decls[0].name, args: { city: 'Rome' } })
    return { kind: 'tools', calls }
  }
  return { kind: 'text', text: 'Hello from gemini!' }
}

function decideResponses(body: any): Reply {
  const input: any[] = typeof body?.input === 'string' ? [{ role: 'user', content: body.input }] : (body?.input ?? [])
  const last = input[input.length - 1]
  if (last?.type === 'function_call_output' || last?.type === 'custom_tool_call_output')
    return { kind: 'text', text: `Tool said: ${typeof last.output === 'string' ? last.output : textOf(last.output)}` }
  const tools: any[] = (body?.tools ?? []).filter((t: any) => t.type === 'function')
  const said = textOf(last?.content).toLowerCase()
  if (tools.length && said.includes('weather')) {
    const calls = [{ name: tools[0].name, args: { city: 'Paris' } }]
    if (said.includes('two cities')) calls.push({ name: tools[0].name, args: { city: 'Rome' } })
    return { kind: 'tools', calls }
  }
  return { kind: 'text', text: 'Hello from responses!' }
}

function decide(protocol: Wire, body: any): Reply {
  if (protocol === 'gemini') return decideGemini(body)
  if (protocol === 'responses') return decideResponses(body)
  const last = lastMessage(body)
  if (protocol === 'openai' && last?.role === 'tool') return { kind: 'text', text: `Tool said: ${textOf(last.content)}` }
  if (protocol === 'anthropic' && Array.isArray(last?.content)) {
    const result = last.content.find((b: any) => b?.type === 'tool_result')
    if (result) return { kind: 'text', text: `Tool said: ${textOf(result.content)}` }
  }
  const tools: any[] = body?.tools ?? []
  const shell = shellCall(textOf(last?.content), tools.map((t) => (protocol === 'openai' ? t.function?.name : t.name)))
  if (shell) return shell
  const said = textOf(last?.content).toLowerCase()
  if (tools.length && said.includes('weather')) {
    const name = protocol === 'openai' ? tools[0].function?.name : tools[0].name
    const calls = [{ name, args: { city: 'Paris' } }]
    if (said.includes('two cities')) calls.push({ name, args: { city: 'Rome' } })
    return { kind: 'tools', calls }
  }
  return { kind: 'text', text: `Hello from ${protocol}!` }
}

/** The usage every answer reports (prompt tokens include the cached ones, as OpenAI counts). */
export const USAGE = { prompt: 20, cached: 5, output: 9 }

/** What every models route of the fake lists (Ollama's /api/tags lists OLLAMA_MODELS). */
export const FAKE_MODELS = ['fake-model-1', 'fake-model-2']
export const OLLAMA_MODELS = ['llama3:8b', 'qwen3:4b']

function chunksOf(text: string): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += 4) out.push(text.slice(i, i + 4))
  return out
}

function openaiJson(body: any, reply: Reply) {
  const message: any = { role: 'assistant', content: null, refusal: null }
  if (reply.kind === 'text') message.content = reply.text
  else
    message.tool_calls = reply.calls.map((c, i) => ({
      id: `call_fake${i}`,
      type: 'function',
      function: { name: c.name, arguments: JSON.stringify(c.args) },
    }))
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1700000000,
    model: body.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.kind === 'text' ? 'stop' : 'tool_calls' }],
    usage: {
      prompt_tokens: USAGE.prompt,
      completion_tokens: USAGE.output,
      total_tokens: USAGE.prompt + USAGE.output,
      prompt_tokens_details: { cached_tokens: USAGE.cached },
    },
  }
}

function openaiSse(body: any, reply: Reply): string[] {
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1700000000, model: body.model }
  const chunk = (delta: any, finish: string | null = null) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })
  const out = [chunk({ role: 'assistant', content: '' })]
  if (reply.kind === 'text') for (const piece of chunksOf(reply.text)) out.push(chunk({ content: piece }))
  else
    reply.calls.forEach((c, i) => {
      const args = JSON.stringify(c.args)
      out.push(chunk({ tool_calls: [{ index: i, id: `call_fake${i}`, type: 'function', function: { name: c.name, arguments: '' } }] }))
      out.push(chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(0, 5) } }] }))
      out.push(chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(5) } }] }))
    })
  out.push(chunk({}, reply.kind === 'text' ? 'stop' : 'tool_calls'))
  if (body.stream_options?.include_usage)
    out.push(
      JSON.stringify({
        ...base,
        choices: [],
        usage: {
          prompt_tokens: USAGE.prompt,
          completion_tokens: USAGE.output,
          total_tokens: USAGE.prompt + USAGE.output,
          prompt_tokens_details: { cached_tokens: USAGE.cached },
        },
      }),
    )
  return out.map((d) => `data: ${d}\n\n`).concat('data: [DONE]\n\n')
}

const anthropicUsage = () => ({
  input_tokens: USAGE.prompt - USAGE.cached,
  cache_read_input_tokens: USAGE.cached,
  cache_creation_input_tokens: 0,
  output_tokens: USAGE.output,
})

function anthropicJson(body: any, reply: Reply) {
  const content =
    reply.kind === 'text'
      ? [{ type: 'text', text: reply.text }]
      : reply.calls.map((c, i) => ({ type: 'tool_use', id: `toolu_fake${i}`, name: c.name, input: c.args }))
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: anthropicUsage(),
  }
}

function anthropicSse(body: any, reply: Reply): string[] {
  const ev = (data: any) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`
  const out = [
    ev({
      type: 'message_start',
      message: {
        id: 'msg_fake', type: 'message', role: 'assistant', model: body.model, content: [],
        stop_reason: null, stop_sequence: null, usage: { ...anthropicUsage(), output_tokens: 1 },
      },
    }),
    ev({ type: 'ping' }),
  ]
  if (reply.kind === 'text') {
    out.push(ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))
    for (const piece of chunksOf(reply.text))
      out.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }))
    out.push(ev({ type: 'content_block_stop', index: 0 }))
  } else
    reply.calls.forEach((c, i) => {
      const args = JSON.stringify(c.args)
      out.push(ev({ type: 'content_block_start', index: i, content_block: { type: 'tool_use', id: `toolu_fake${i}`, name: c.name, input: {} } }))
      out.push(ev({ type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: args.slice(0, 5) } }))
      out.push(ev({ type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: args.slice(5) } }))
      out.push(ev({ type: 'content_block_stop', index: i }))
    })
  out.push(
    ev({
      type: 'message_delta',
      delta: { stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: { output_tokens: USAGE.output },
    }),
  )
  out.push(ev({ type: 'message_stop' }))
  return out
}

/** Gemini signs each function call; the signature must come back on the next turn. */
export const GEMINI_SIGNATURE = (i: number) => `c2lnbmF0dXJl+/${i}==`

function geminiParts(reply: Reply) {
  if (reply.kind === 'text') return [{ text: reply.text }]
  return reply.calls.map((c, i) => ({ functionCall: { name: c.name, args: c.args }, thoughtSignature: GEMINI_SIGNATURE(i) }))
}

const geminiUsage = () => ({
  promptTokenCount: USAGE.prompt,
  cachedContentTokenCount: USAGE.cached,
  candidatesTokenCount: USAGE.output,
  totalTokenCount: USAGE.prompt + USAGE.output,
})

function geminiJson(model: string, reply: Reply) {
  return {
    candidates: [{ content: { role: 'model', parts: geminiParts(reply) }, finishReason: 'STOP', index: 0 }],
    usageMetadata: geminiUsage(),
    modelVersion: model,
    responseId: 'gem-fake',
  }
}

function geminiSse(model: string, reply: Reply): string[] {
  const chunk = (parts: any[], extra: object = {}) =>
    `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }], modelVersion: model, responseId: 'gem-fake' })}\n\n`
  const out: string[] = []
  if (reply.kind === 'text') for (const piece of chunksOf(reply.text)) out.push(chunk([{ text: piece }]))
  else out.push(chunk(geminiParts(reply)))
  out.push(
    `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiUsage(), modelVersion: model, responseId: 'gem-fake' })}\n\n`,
  )
  return out
}

const responsesUsage = () => ({
  input_tokens: USAGE.prompt,
  input_tokens_details: { cached_tokens: USAGE.cached },
  output_tokens: USAGE.output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: USAGE.prompt + USAGE.output,
})

function responsesOutput(reply: Reply): any[] {
  if (reply.kind === 'text')
    return [{ type: 'message', id: 'msg_fake', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: reply.text, annotations: [] }] }]
  return reply.calls.map((c, i) => ({ type: 'function_call', id: `fc_fake${i}`, call_id: `call_fake${i}`, name: c.name, arguments: JSON.stringify(c.args), status: 'completed' }))
}

function responsesJson(body: any, reply: Reply, status = 'completed') {
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1700000000,
    status,
    error: null,
    incomplete_details: null,
    model: body.model,
    output: status === 'completed' ? responsesOutput(reply) : [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: body.tools ?? [],
    usage: status === 'completed' ? responsesUsage() : null,
  }
}

function responsesSse(body: any, reply: Reply): string[] {
  let seq = 0
  const ev = (data: any) => `event: ${data.type}\ndata: ${JSON.stringify({ ...data, sequence_number: seq++ })}\n\n`
  const out = [
    ev({ type: 'response.created', response: responsesJson(body, reply, 'in_progress') }),
    ev({ type: 'response.in_progress', response: responsesJson(body, reply, 'in_progress') }),
  ]
  responsesOutput(reply).forEach((item, output_index) => {
    if (item.type === 'message') {
      out.push(ev({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } }))
      out.push(ev({ type: 'response.content_part.added', item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }))
      for (const delta of chunksOf(item.content[0].text))
        out.push(ev({ type: 'response.output_text.delta', item_id: item.id, output_index, content_index: 0, delta }))
      out.push(ev({ type: 'response.output_text.done', item_id: item.id, output_index, content_index: 0, text: item.content[0].text }))
      out.push(ev({ type: 'response.content_part.done', item_id: item.id, output_index, content_index: 0, part: item.content[0] }))
    } else {
      out.push(ev({ type: 'response.output_item.added', output_index, item: { ...item, arguments: '', status: 'in_progress' } }))
      out.push(ev({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index, delta: item.arguments.slice(0, 5) }))
      out.push(ev({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index, delta: item.arguments.slice(5) }))
      out.push(ev({ type: 'response.function_call_arguments.done', item_id: item.id, output_index, arguments: item.arguments }))
    }
    out.push(ev({ type: 'response.output_item.done', output_index, item }))
  })
  out.push(ev({ type: 'response.completed', response: responsesJson(body, reply) }))
  return out
}

export type { Wire }

/** The scripted answer to `body` in one protocol, as a finished body and as SSE frames (test/integration/faulty-upstream.ts breaks them). */
export function scriptedAnswer(protocol: Wire, body: any, model: string): { json: unknown; frames: string[] } {
  const reply = decide(protocol, body)
  if (protocol === 'openai') return { json: openaiJson(body, reply), frames: openaiSse(body, reply) }
  if (protocol === 'anthropic') return { json: anthropicJson(body, reply), frames: anthropicSse(body, reply) }
  if (protocol === 'gemini') return { json: geminiJson(model, reply), frames: geminiSse(model, reply) }
  return { json: responsesJson(body, reply), frames: responsesSse(body, reply) }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Starts the fake on a loopback address (another 127.x.y.z plays a remote host). */
export async function startFakeUpstream(host = '127.0.0.1', port = 0): Promise<FakeUpstream> {
  const log = new Map<string, RecordedRequest[]>()
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const logMatch = /^\/__log\/([^/]+)$/.exec(url.pathname)
    if (logMatch) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(log.get(logMatch[1]!) ?? []))
      return
    }
    const m = /^\/t\/([^/]+)(\/.*)$/.exec(url.pathname)
    const raw = await readBody(req)
    let body: any
    try {
      body = raw ? JSON.parse(raw) : undefined
    } catch {
      body = raw
    }
    if (m) {
      const entry: RecordedRequest = {
        method: req.method ?? '',
        path: m[2]! + url.search,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body,
      }
      const list = log.get(m[1]!) ?? []
      list.push(entry)
      log.set(m[1]!, list)
    }
    const path = m?.[2] ?? url.pathname
    const gem = /\/v1beta\/(?:models|tunedModels)\/(.+):(generateContent|streamGenerateContent|countTokens)$/.exec(path)
    const protocol: Wire | undefined = path.endsWith('/chat/completions')
      ? 'openai'
      : path.endsWith('/v1/messages')
        ? 'anthropic'
        : path.endsWith('/responses')
          ? 'responses'
          : gem && gem[2] !== 'countTokens'
            ? 'gemini'
            : undefined
    // Model lists, as each protocol (and Ollama) serves them.
    if (req.method === 'GET') {
      const models = path.endsWith('/v1beta/models')
        ? { models: FAKE_MODELS.map((id) => ({ name: `models/${id}`, supportedGenerationMethods: ['generateContent'] })) }
        : path.endsWith('/models')
          ? { data: FAKE_MODELS.map((id) => ({ id, object: 'model', type: 'model', owned_by: 'fake' })) }
          : path.endsWith('/api/tags')
            ? { models: OLLAMA_MODELS.map((name) => ({ name, model: name })) }
            : undefined
      if (models) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(models))
        return
      }
    }
    if (gem?.[2] === 'countTokens') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ totalTokens: 42 }))
      return
    }
    if (path.endsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ input_tokens: 42 }))
      return
    }
    if (!protocol || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: `fake upstream: no route ${req.method} ${path}` } }))
      return
    }
    const model: string = protocol === 'gemini' ? decodeURIComponent(gem![1]!) : body?.model
    const stream = protocol === 'gemini' ? gem![2] === 'streamGenerateContent' : Boolean(body?.stream)
    if (model === 'error-429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' })
      res.end(
        JSON.stringify(
          protocol === 'anthropic'
            ? { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached for fake model' } }
            : protocol === 'gemini'
              ? { error: { code: 429, message: 'Rate limit reached for fake model', status: 'RESOURCE_EXHAUSTED' } }
              : { error: { message: 'Rate limit reached for fake model', type: 'requests', code: 'rate_limit_exceeded' } },
        ),
      )
      return
    }
    if (model === 'error-401') {
      // Each provider's answer to a wrong key (Google's is a 400 with API_KEY_INVALID).
      res.writeHead(protocol === 'gemini' ? 400 : 401, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify(
          protocol === 'anthropic'
            ? { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }
            : protocol === 'gemini'
              ? { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] } }
              : { error: { message: 'Incorrect API key provided: sk-up-op***', type: 'invalid_request_error', code: 'invalid_api_key', param: null } },
        ),
      )
      return
    }
    const reply = decide(protocol, body)
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining-requests': '99' })
      const json =
        protocol === 'openai' ? openaiJson(body, reply)
        : protocol === 'anthropic' ? anthropicJson(body, reply)
        : protocol === 'gemini' ? geminiJson(model, reply)
        : responsesJson(body, reply)
      res.end(JSON.stringify(json))
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const frames =
      protocol === 'openai' ? openaiSse(body, reply)
      : protocol === 'anthropic' ? anthropicSse(body, reply)
      : protocol === 'gemini' ? geminiSse(model, reply)
      : responsesSse(body, reply)
    if (model === 'fail-midstream') {
      res.write(frames[0])
      res.write(frames[1])
      setTimeout(() => res.socket?.destroy(), 20)
      return
    }
    for (const f of frames) res.write(f)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  const addr = server.address() as AddressInfo
  const url = `http://${host}:${addr.port}`
  return {
    url,
    baseFor: (testId, suffix = '') => `${url}/t/${testId}${suffix}`,
    requests: (testId) => log.get(testId) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
