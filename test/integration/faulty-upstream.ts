import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { scriptedAnswer, type Wire } from './fake-upstream'

/**
 * An upstream that breaks in every way a real one has been seen to, on
 * loopback, for all four protocols (the paths of test/integration/fake-upstream.ts,
 * whose scripted answers it breaks). The model names the fault, optionally
 * followed by `.tag` to tell requests apart: `openai:stall.chat-pt`.
 */
export const FAULTS = [
  'ok', // control: the answer, whole
  'reset-before-headers', // the connection drops before any answer
  'reset-after-headers', // a 200 and its headers, then the connection drops
  'reset-mid-line', // some events, half a line, then the connection drops
  'malformed-sse', // a line that is no SSE field and a data field that is no JSON, then the rest
  'truncated-sse', // some events and half an event, then a clean end
  'missing-terminal', // every event but the protocol's last (finish chunk and [DONE], message_stop, response.completed, finishReason)
  'stall', // some events (or half a body), then nothing, connection open
  'invalid-utf8', // an event (or body) with bytes that are not UTF-8 in a string
  'html-5xx', // a proxy's 503 HTML page
  'html-200', // the same page with a 200
  'empty-200', // a 200 with no body
  'invalid-json-200', // a 200 whose body (or one event's data) is cut-off JSON
  'hold', // some events, then holds the connection open until the other side closes it
] as const
export type Fault = (typeof FAULTS)[number]

export interface FaultyUpstream {
  url: string
  /** Settles when the connection that carried the request for `model` has closed. */
  closed(model: string): Promise<void>
  close(): Promise<void>
}

const HTML = '<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n'

/** The frames that end a stream in each protocol (what `missing-terminal` leaves out). */
function isTerminal(protocol: Wire, frame: string): boolean {
  if (protocol === 'openai') return frame.includes('[DONE]') || frame.includes('"finish_reason":"')
  if (protocol === 'anthropic') return frame.includes('message_delta') || frame.includes('message_stop')
  if (protocol === 'responses') return frame.includes('response.completed')
  return frame.includes('finishReason')
}

/** A frame whose first string value gets two bytes that are never UTF-8. */
function withBadBytes(frame: string): Buffer {
  const at = frame.indexOf('":"') + 3
  return Buffer.concat([Buffer.from(frame.slice(0, at)), Buffer.from([0xff, 0xfe]), Buffer.from(frame.slice(at))])
}

function protocolOf(path: string): { protocol: Wire; model?: string; stream?: boolean } | undefined {
  if (path.endsWith('/chat/completions')) return { protocol: 'openai' }
  if (path.endsWith('/responses')) return { protocol: 'responses' }
  if (path.endsWith('/v1/messages')) return { protocol: 'anthropic' }
  const gem = /\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)$/.exec(path)
  if (gem) return { protocol: 'gemini', model: decodeURIComponent(gem[1]!), stream: gem[2] === 'streamGenerateContent' }
  return undefined
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Writes, then drops the connection once the bytes have left (no half-written headers). */
function writeThenReset(res: ServerResponse, bytes: string | Buffer): void {
  res.write(bytes, () => res.socket?.destroy())
}

function serve(fault: Fault, protocol: Wire, stream: boolean, json: unknown, frames: string[], req: IncomingMessage, res: ServerResponse): void {
  const sse = () => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const jsonHead = (length?: number) =>
    res.writeHead(200, { 'content-type': 'application/json', ...(length !== undefined ? { 'content-length': String(length) } : {}) })
  const body = JSON.stringify(json)
  const start = frames.slice(0, 2).join('')
  const rest = frames.slice(2)
  const next = rest[0]!
  /** The answer cut off just before a string: JSON that cannot parse, and does not even end like JSON. */
  const cutJson = body.slice(0, body.lastIndexOf('"'))
  switch (fault) {
    case 'ok':
      if (!stream) return void (jsonHead(), res.end(body))
      sse()
      return void res.end(frames.join(''))
    case 'reset-before-headers':
      return void req.socket.destroy()
    case 'reset-after-headers':
      if (stream) sse()
      else jsonHead(body.length)
      res.flushHeaders()
      return void req.socket.write('', () => req.socket.destroy())
    case 'reset-mid-line':
      if (!stream) return void (jsonHead(body.length), writeThenReset(res, body.slice(0, body.length >> 1)))
      sse()
      return writeThenReset(res, start + next.slice(0, next.length >> 1))
    case 'malformed-sse':
    case 'invalid-json-200':
      if (!stream) return void (jsonHead(), res.end(fault === 'malformed-sse' ? 'this is not json' : cutJson))
      sse()
      res.write(start)
      res.write(fault === 'malformed-sse' ? 'this is not an SSE line\ndata: not json at all\n\n' : `data: ${cutJson}\n\n`)
      return void res.end(rest.join(''))
    case 'truncated-sse':
      if (!stream) return void (jsonHead(), res.end(body.slice(0, body.length >> 1)))
      sse()
      return void res.end(start + next.slice(0, next.length >> 1))
    case 'missing-terminal':
      if (!stream) return void (jsonHead(), res.end(body))
      sse()
      return void res.end(frames.filter((f) => !isTerminal(protocol, f)).join(''))
    case 'stall':
      if (!stream) return void (jsonHead(body.length), res.write(body.slice(0, body.length >> 1)))
      sse()
      return void res.write(start)
    case 'hold':
      sse()
      return void res.write(start)
    case 'invalid-utf8':
      if (!stream) return void (jsonHead(), res.end(withBadBytes(body)))
      sse()
      res.write(start)
      res.write(withBadBytes(next))
      return void res.end(rest.slice(1).join(''))
    case 'html-5xx':
    case 'html-200':
      res.writeHead(fault === 'html-200' ? 200 : 503, { 'content-type': 'text/html' })
      return void res.end(HTML)
    case 'empty-200':
      if (stream) sse()
      else jsonHead()
      return void res.end()
  }
}

export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  const sockets = new Map<string, Socket>()
  const server = createServer(async (req, res) => {
    const raw = await readBody(req)
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const route = protocolOf(path)
    if (!route || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ error: { message: `faulty upstream: no route ${req.method} ${path}` } }))
    }
    const body = raw ? JSON.parse(raw) : {}
    const model: string = route.model ?? body.model
    sockets.set(model, req.socket)
    const fault = model.split('.')[0] as Fault
    const stream = route.stream ?? Boolean(body.stream)
    const { json, frames } = scriptedAnswer(route.protocol, body, model)
    serve(fault, route.protocol, stream, json, frames, req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    closed: (model) => {
      const socket = sockets.get(model)
      if (!socket) return Promise.reject(new Error(`faulty upstream: no request for ${model}`))
      if (socket.destroyed) return Promise.resolve()
      return new Promise((resolve) => socket.once('close', () => resolve()))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
