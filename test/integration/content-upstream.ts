import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ContentPart, HubRequest } from '../../src/hub/request'
import type { FinishReason, HubResponse } from '../../src/hub/response'
import type { HubStreamEvent } from '../../src/hub/stream'
import { PROTOCOLS } from '../../src/protocols'
import type { ProtocolId } from '../../src/protocols/types'

/**
 * A fake upstream whose answers a test writes as content (text, tool calls):
 * loopback HTTP speaking OpenAI Chat (`…/chat/completions`), OpenAI Responses
 * (`…/responses`), Anthropic (`…/v1/messages`) and Gemini
 * (`…/models/{m}:generateContent`, `:streamGenerateContent`), JSON or SSE as
 * asked. Each answer is encoded in the protocol the path names, by the
 * gateway's own encoders (checked against the official SDKs elsewhere); a
 * streamed text is cut into deltas of `chunk` characters, tool-call arguments
 * too, so interceptors see what they would see from a real model.
 *
 * `next(...)` queues answers (taken in order; then `ok`). Every request is
 * recorded (`requests()`): path, headers, body.
 */
export interface ContentAnswer {
  content: ContentPart[]
  finishReason?: FinishReason
  /** Characters per streamed delta (default 8). */
  chunk?: number
}

export interface ContentUpstream {
  url: string
  next(...answers: Array<ContentAnswer | ContentPart[] | string>): void
  requests(): Array<{ path: string; headers: Record<string, string>; body: any }>
  reset(): void
  close(): Promise<void>
}

const text = (t: string): ContentPart[] => [{ type: 'text', text: t }]

/** A tool call part, arguments as JSON text. */
export const toolCall = (name: string, args: unknown, id = `call_${name}_${Math.random().toString(36).slice(2, 8)}`): ContentPart => ({
  type: 'tool_call',
  id,
  name,
  arguments: JSON.stringify(args),
})

function protocolOf(path: string): { p: ProtocolId; stream?: boolean; model?: string } | undefined {
  if (path.includes('/chat/completions')) return { p: 'openai-chat' }
  if (path.includes('/responses')) return { p: 'openai-responses' }
  if (path.includes('/v1/messages')) return { p: 'anthropic' }
  const g = /\/models\/([^/:?]+):(generateContent|streamGenerateContent)/.exec(path)
  if (g) return { p: 'gemini', stream: g[2] === 'streamGenerateContent', model: decodeURIComponent(g[1]!) }
  return undefined
}

function events(res: HubResponse, chunk: number): HubStreamEvent[] {
  const out: HubStreamEvent[] = [{ type: 'start', id: res.id, model: res.model }]
  let index = 0
  for (const part of res.content) {
    if (part.type === 'text') for (let i = 0; i < part.text.length; i += chunk) out.push({ type: 'text_delta', text: part.text.slice(i, i + chunk) })
    else if (part.type === 'tool_call') {
      const n = index++
      out.push({ type: 'tool_call_start', index: n, id: part.id, name: part.name })
      for (let i = 0; i < part.arguments.length; i += chunk) out.push({ type: 'tool_call_delta', index: n, argumentsDelta: part.arguments.slice(i, i + chunk) })
      out.push({ type: 'tool_call_end', index: n })
    }
  }
  out.push({ type: 'finish', reason: res.finishReason, usage: res.usage })
  return out
}

export async function startContentUpstream(): Promise<ContentUpstream> {
  let queue: ContentAnswer[] = []
  let log: Array<{ path: string; headers: Record<string, string>; body: any }> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      let body: any
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
      } catch {
        body = {}
      }
      log.push({ path, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body })
      const wire = protocolOf(path)
      if (!wire) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}')
        return
      }
      const answer = queue.shift() ?? { content: text('ok') }
      const hasCalls = answer.content.some((c) => c.type === 'tool_call')
      const hub: HubResponse = {
        id: 'up_1',
        model: wire.model ?? body.model ?? 'm',
        content: answer.content,
        finishReason: answer.finishReason ?? (hasCalls ? 'tool_calls' : 'stop'),
        usage: { inputTokens: 12, outputTokens: 7 },
      }
      // The encoders want the client's request: a minimal one that says whether usage is streamed.
      const request: HubRequest = { model: hub.model, system: [], messages: [], stream: true, streamUsage: true }
      const stream = wire.stream ?? body.stream === true
      const protocol = PROTOCOLS[wire.p]
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(protocol.encodeResponse(hub, { ...request, stream: false })))
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const enc = protocol.streamEncoder(request)
      const sink = { enqueue: (t: string) => void res.write(t) }
      enc.start?.(sink)
      for (const e of events(hub, answer.chunk ?? 8)) enc.transform(e, sink)
      enc.flush?.(sink)
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    next: (...answers) => void queue.push(...answers.map((a) => (typeof a === 'string' ? { content: text(a) } : Array.isArray(a) ? { content: a } : a))),
    requests: () => log,
    reset: () => {
      queue = []
      log = []
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
