import type { Transport, UpstreamRequest } from '../../src/upstream/transport'
// Imported rather than read from disk, so the same helpers run inside workerd (test/workers).
import claude1 from '../fixtures/clients/claude/01-v1-messages.json'
import claude2 from '../fixtures/clients/claude/02-v1-messages.json'
import codex1 from '../fixtures/clients/codex/01-v1-responses.json'
import codex2 from '../fixtures/clients/codex/02-v1-responses.json'
import gemini1 from '../fixtures/clients/gemini/01-v1beta-models-gemini-2.5-flash-streamGenerateContent.json'
import gemini2 from '../fixtures/clients/gemini/02-v1beta-models-gemini-2.5-flash-streamGenerateContent.json'
import opencode1 from '../fixtures/clients/opencode-chat-completions/01-v1-chat-completions.json'
import opencode2 from '../fixtures/clients/opencode-chat-completions/02-v1-chat-completions.json'
import opencode3 from '../fixtures/clients/opencode-chat-completions/03-v1-chat-completions.json'

/** A captured client request (test/fixtures/clients) and what the scripted upstream answered it. */
export interface CapturedRequest {
  path: string
  body: Record<string, unknown>
  /** The upstream's SSE answer, as recorded. */
  sse: string
}

interface CaptureFile {
  path: string
  body: unknown
  fake_response: { body: string }
}

const CAPTURES: Record<string, CaptureFile[]> = {
  claude: [claude1, claude2],
  codex: [codex1, codex2],
  gemini: [gemini1, gemini2],
  'opencode-chat-completions': [opencode1, opencode2, opencode3],
} as Record<string, CaptureFile[]>

export function captured(folder: string): CapturedRequest[] {
  const files = Object.hasOwn(CAPTURES, folder) ? CAPTURES[folder]! : []
  return files.map((d) => ({ path: d.path, body: d.body as Record<string, unknown>, sse: d.fake_response.body }))
}

export const SSE = {
  anthropic: captured('claude')[0]!.sse,
  responses: captured('codex')[0]!.sse,
  chat: captured('opencode-chat-completions')[0]!.sse,
  gemini: captured('gemini')[0]!.sse,
}

export const JSON_REPLY = {
  chat: {
    id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  },
  anthropic: {
    id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'Hello' }],
    stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 },
  },
  gemini: {
    candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 }, modelVersion: 'm',
  },
  responses: {
    id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'm',
    output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] }],
    usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
  },
}

export interface FakeTransport {
  transport: Transport
  /** Every URL the gateway called. */
  urls: string[]
}

/**
 * An upstream in-process for every protocol, answering every well-formed call
 * validly (JSON or SSE, per what was asked; the SSE answers are the ones
 * recorded with the captured client requests) and anything else with a 404:
 * no sockets, so thousands of requests take seconds. `override` may answer a
 * call differently.
 */
export function fakeTransport(override?: (req: UpstreamRequest) => Response | undefined): FakeTransport {
  const urls: string[] = []
  const transport: Transport = async (req: UpstreamRequest) => {
    urls.push(req.url)
    const special = override?.(req)
    if (special) return special
    const { pathname } = new URL(req.url)
    let body: any
    try {
      body = req.body ? JSON.parse(req.body) : undefined
    } catch {
      body = undefined
    }
    const stream = body?.stream === true || pathname.endsWith(':streamGenerateContent')
    const json = (value: unknown, status = 200) => Response.json(value, { status })
    const sse = (text: string) => new Response(text, { headers: { 'content-type': 'text/event-stream' } })
    if (req.method === 'GET') {
      if (pathname.endsWith('/v1beta/models')) return json({ models: [{ name: 'models/gemini-x', supportedGenerationMethods: ['generateContent'] }] })
      if (pathname.endsWith('/models')) return json({ data: [{ id: 'listed-model', object: 'model' }] })
      return json({ error: { message: 'no route' } }, 404)
    }
    if (pathname.endsWith(':countTokens')) return json({ totalTokens: 7 })
    if (pathname.endsWith('/v1/messages/count_tokens')) return json({ input_tokens: 7 })
    if (pathname.endsWith('/responses/input_tokens')) return json({ object: 'response.input_tokens', input_tokens: 7 })
    if (pathname.endsWith('/chat/completions')) return stream ? sse(SSE.chat) : json(JSON_REPLY.chat)
    if (pathname.endsWith('/v1/messages')) return stream ? sse(SSE.anthropic) : json(JSON_REPLY.anthropic)
    if (pathname.endsWith('/responses')) return stream ? sse(SSE.responses) : json(JSON_REPLY.responses)
    if (pathname.endsWith(':streamGenerateContent')) return sse(SSE.gemini)
    if (pathname.endsWith(':generateContent')) return json(JSON_REPLY.gemini)
    return json({ error: { message: `no route ${pathname}` } }, 404)
  }
  return { transport, urls }
}

export const SECRETS = {
  client: 'test-client-key-5ecret',
  admin: 'test-admin-key-5ecret',
  openai: 'sk-test-openai-5ecret',
  anthropic: 'sk-ant-test-5ecret',
  gemini: 'AIza-test-gemini-5ecret',
}

/** Settings for an app whose four main back ends live behind `http://upstream.invalid/<protocol>/`. */
export const FAKE_ENV: Record<string, string> = {
  PROXY_API_KEYS: SECRETS.client,
  ADMIN_API_KEY: SECRETS.admin,
  OPENAI_API_KEY: SECRETS.openai,
  OPENAI_BASE_URL: 'http://upstream.invalid/openai/v1',
  OPENAI_RESPONSES_API_KEY: SECRETS.openai,
  OPENAI_RESPONSES_BASE_URL: 'http://upstream.invalid/responses/v1',
  ANTHROPIC_API_KEY: SECRETS.anthropic,
  ANTHROPIC_BASE_URL: 'http://upstream.invalid/anthropic',
  GEMINI_API_KEY: SECRETS.gemini,
  GEMINI_BASE_URL: 'http://upstream.invalid/gemini',
  LOG_LEVEL: 'silent',
  LLM_PROXY_LOCAL_DISCOVERY: '0',
}

/** A POST with the client key, as `app.fetch` takes it. */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://gw.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.client}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}
