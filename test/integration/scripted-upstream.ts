import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FAKE_MODELS, scriptedAnswer, USAGE, type Wire } from './fake-upstream'

/**
 * A fake upstream that tests script per key and per request: loopback HTTP
 * speaking OpenAI Chat Completions (`…/chat/completions`), OpenAI Responses
 * (`…/responses`), Anthropic Messages (`…/v1/messages`) and Gemini
 * (`…/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`), JSON
 * and SSE. A normal answer is test/integration/fake-upstream.ts's (usage: `USAGE`,
 * 20 prompt tokens of which 5 cached, 9 output).
 *
 * A script is a list of rules, tried in order on each request; the first that
 * matches (and has uses left) decides the answer, and no match is a normal
 * answer. A rule matches on the key the request carried (Bearer, x-api-key,
 * x-goog-api-key or `?key=`), the model, the path (a substring), and/or whether
 * it streams; `times` bounds how often it applies (forever when left out).
 *
 * Scopes keep concurrent tests apart: requests under `/s/<scope>/…` (see
 * `baseFor`) are matched against that scope's script and recorded under it;
 * requests without the prefix belong to the scope `''`.
 *
 * Driven from Node (`script`, `requests`, `reset`) or over HTTP, for tests
 * inside workerd: `POST /__script?scope=x` with the rules as a JSON array (or
 * `{"rules": […]}`), `GET /__requests?scope=x`, `POST /__reset?scope=x`.
 */

export type ScriptAction =
  /** The normal answer. */
  | { do: 'ok' }
  /**
   * An error status with that protocol's error body (429, 401, 402, 403, 500, 503, …). `retryAfter`:
   * seconds (a number), an HTTP date (a Date, or a string sent as it is); none when left out.
   */
  | { do: 'status'; status: number; retryAfter?: number | string | Date; message?: string }
  /** A 400 refusing the prompt as too long, in the protocol's own words. */
  | { do: 'context-length' }
  /**
   * The connection drops: before any header when `afterEvents` is left out; else a 200, that many
   * events (a non-streaming answer: half its body), then the drop.
   */
  | { do: 'reset'; afterEvents?: number }
  /**
   * Nothing more is sent, the connection held open: nothing at all, or (`headers: true`) a 200 and its
   * headers, or (`afterEvents`) a 200 and that many events of the normal answer (a streamed one only),
   * then, with `commentMs`, an SSE comment line every that many ms (an upstream still streaming, which
   * never ends by itself: a server that notices a gone client only when it writes does then).
   */
  | { do: 'stall'; headers?: boolean; afterEvents?: number; commentMs?: number }
  /** The normal answer, `delayMs` before each event (a non-streaming answer: before its headers). */
  | { do: 'slow'; delayMs: number }
  /** A 200 and its headers, then a clean end with no event (a non-streaming answer: no body). */
  | { do: 'empty' }

export interface ScriptRule {
  key?: string
  model?: string
  /** A substring of the path (the scope prefix removed; query included). */
  path?: string
  stream?: boolean
  /** How many requests it applies to; forever when left out. */
  times?: number
  action: ScriptAction
}

export interface ScriptedRequest {
  /** ms since epoch. */
  at: number
  method: string
  /** Without the scope prefix, with the query. */
  path: string
  key?: string
  model?: string
  stream: boolean
  /** What was done: `ok`, `status 429`, `context-length`, `reset`, `reset after 2`, `stall`, `stall after headers`, `stall after 2`, `slow`, `empty`. */
  action: string
  /** The body of a whole answer (`ok`, `slow`) as it was sent, for byte-for-byte comparisons. */
  sent?: string
  /** The connection closed before the answer was whole: the gateway let it go (or a `reset` dropped it). */
  closedEarly: boolean
}

export interface ScriptedUpstream {
  url: string
  /** The base URL of a scope: requests under it use that scope's script and records. */
  baseFor(scope: string, suffix?: string): string
  /** Replaces the scope's script (uses counted afresh). */
  script(rules: ScriptRule[], scope?: string): void
  /** Every request the scope got, in order. */
  requests(scope?: string): ScriptedRequest[]
  /** Forgets the scope's script and requests. */
  reset(scope?: string): void
  /** Stops the server and ends every open connection (stalled ones included). */
  close(): Promise<void>
}

/** What a normal answer reports, in OpenAI's terms (input includes cached). */
export const SCRIPTED_USAGE = { input: USAGE.prompt, cached: USAGE.cached, output: USAGE.output }

interface Scope {
  rules: Array<ScriptRule & { left: number }>
  log: ScriptedRequest[]
}

interface Route {
  protocol: Wire
  model?: string
  stream: boolean
}

function routeOf(method: string, path: string, body: any): Route | undefined {
  if (method !== 'POST') return undefined
  const pathname = path.split('?')[0]!
  if (pathname.endsWith('/chat/completions')) return { protocol: 'openai', model: body?.model, stream: body?.stream === true }
  if (pathname.endsWith('/responses')) return { protocol: 'responses', model: body?.model, stream: body?.stream === true }
  if (pathname.endsWith('/v1/messages')) return { protocol: 'anthropic', model: body?.model, stream: body?.stream === true }
  const gem = /\/models\/([^/]+):(generateContent|streamGenerateContent)$/.exec(pathname)
  if (gem) return { protocol: 'gemini', model: decodeURIComponent(gem[1]!), stream: gem[2] === 'streamGenerateContent' }
  return undefined
}

/** The key the request carried, wherever its SDK puts it. */
function keyOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
  if (auth) return auth[1]!.trim()
  const header = req.headers['x-api-key'] ?? req.headers['x-goog-api-key']
  if (typeof header === 'string') return header
  return url.searchParams.get('key') ?? undefined
}

const GEMINI_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 402: 'FAILED_PRECONDITION', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
}
const ANTHROPIC_TYPE: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 402: 'billing_error', 403: 'permission_error', 404: 'not_found_error',
  429: 'rate_limit_error', 500: 'api_error', 503: 'overloaded_error', 529: 'overloaded_error',
}
const OPENAI_ERROR: Record<number, { type: string; code: string | null; message: string }> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  402: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota, please check your plan and billing details.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
}

/** The error body each provider sends with `status`. */
export function errorBody(protocol: Wire, status: number, message?: string): unknown {
  if (protocol === 'anthropic')
    return { type: 'error', error: { type: ANTHROPIC_TYPE[status] ?? 'api_error', message: message ?? `Scripted ${status}` } }
  if (protocol === 'gemini')
    return { error: { code: status, message: message ?? `Scripted ${status}`, status: GEMINI_STATUS[status] ?? 'UNKNOWN' } }
  const o = OPENAI_ERROR[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message: `Scripted ${status}` }
  return { error: { message: message ?? o.message, type: o.type, param: null, code: o.code } }
}

/** A prompt too long for the model, as each provider words it (status 400 everywhere). */
export function contextLengthBody(protocol: Wire, model = 'the model'): unknown {
  if (protocol === 'anthropic')
    return { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' } }
  if (protocol === 'gemini')
    return { error: { code: 400, message: 'The input token count (1208310) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }
  if (protocol === 'responses')
    return {
      error: {
        message: `Your input exceeds the context window of this model (${model}). Please adjust your input and try again.`,
        type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded',
      },
    }
  return {
    error: {
      message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 208310 tokens. Please reduce the length of the messages.",
      type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded',
    },
  }
}

function retryAfterValue(v: number | string | Date | undefined): string | undefined {
  if (v === undefined) return undefined
  if (v instanceof Date) return v.toUTCString()
  return String(v)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function describeAction(a: ScriptAction): string {
  switch (a.do) {
    case 'status':
      return `status ${a.status}`
    case 'reset':
      return a.afterEvents === undefined ? 'reset' : `reset after ${a.afterEvents}`
    case 'stall':
      return a.afterEvents !== undefined ? `stall after ${a.afterEvents}` : a.headers ? 'stall after headers' : 'stall'
    default:
      return a.do
  }
}

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

export async function startScriptedUpstream(host = '127.0.0.1'): Promise<ScriptedUpstream> {
  const scopes = new Map<string, Scope>()
  const scopeOf = (name: string): Scope => {
    let s = scopes.get(name)
    if (!s) scopes.set(name, (s = { rules: [], log: [] }))
    return s
  }
  const timers = new Set<NodeJS.Timeout>()
  let closing = false
  /** Runs `fn` after `ms` unless the server is closing by then. */
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (!closing) fn()
    }, ms)
    timers.add(t)
  }

  const script = (rules: ScriptRule[], scope = '') => {
    scopeOf(scope).rules = rules.map((r) => ({ ...r, left: r.times ?? Infinity }))
  }
  const reset = (scope = '') => void scopes.delete(scope)

  /** The first rule that matches and has uses left, its use counted. */
  const pick = (scope: Scope, r: { key?: string; model?: string; path: string; stream: boolean }): ScriptAction => {
    for (const rule of scope.rules) {
      if (rule.left <= 0) continue
      if (rule.key !== undefined && rule.key !== r.key) continue
      if (rule.model !== undefined && rule.model !== r.model) continue
      if (rule.path !== undefined && !r.path.includes(rule.path)) continue
      if (rule.stream !== undefined && rule.stream !== r.stream) continue
      rule.left--
      return rule.action
    }
    return { do: 'ok' }
  }

  const control = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const scope = url.searchParams.get('scope') ?? ''
    if (url.pathname === '/__requests' && req.method === 'GET') return sendJson(res, 200, scopes.get(scope)?.log ?? []), true
    if (url.pathname === '/__reset' && req.method === 'POST') return reset(scope), sendJson(res, 200, { reset: scope }), true
    if (url.pathname === '/__script' && req.method === 'POST') {
      let parsed: any
      try {
        parsed = JSON.parse(await readBody(req))
      } catch {
        return sendJson(res, 400, { error: 'the script must be JSON' }), true
      }
      const rules = Array.isArray(parsed) ? parsed : parsed?.rules
      if (!Array.isArray(rules) || rules.some((r) => typeof r?.action?.do !== 'string'))
        return sendJson(res, 400, { error: 'a script is an array of rules, each with an action {"do": …}' }), true
      script(rules, scope)
      return sendJson(res, 200, { scope, rules: rules.length }), true
    }
    return false
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname.startsWith('/__')) {
      if (await control(req, res, url)) return
      return sendJson(res, 404, { error: `scripted upstream: no control route ${req.method} ${url.pathname}` })
    }
    const scoped = /^\/s\/([^/]+)(\/.*)$/.exec(url.pathname)
    const scopeName = scoped ? decodeURIComponent(scoped[1]!) : ''
    const path = (scoped ? scoped[2]! : url.pathname) + url.search
    const raw = await readBody(req)
    let body: any
    try {
      body = raw ? JSON.parse(raw) : undefined
    } catch {
      body = undefined
    }
    const method = req.method ?? ''
    const route = routeOf(method, path, body)
    if (!route) {
      // Model lists, for a gateway that asks for them.
      if (method === 'GET' && /\/models$/.test(url.pathname)) {
        const gemini = url.pathname.endsWith('/v1beta/models')
        return sendJson(res, 200, gemini
          ? { models: FAKE_MODELS.map((id) => ({ name: `models/${id}`, supportedGenerationMethods: ['generateContent'] })) }
          : { object: 'list', data: FAKE_MODELS.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'scripted' })) })
      }
      return sendJson(res, 404, { error: { message: `scripted upstream: no route ${method} ${path}` } })
    }
    const scope = scopeOf(scopeName)
    const key = keyOf(req, url)
    const action = pick(scope, { key, model: route.model, path, stream: route.stream })
    const entry: ScriptedRequest = { at: Date.now(), method, path, key, model: route.model, stream: route.stream, action: describeAction(action), closedEarly: false }
    scope.log.push(entry)
    res.once('close', () => void (entry.closedEarly = !res.writableFinished))
    serve(action, route, body, req, res, entry)
  })

  const serve = (action: ScriptAction, route: Route, body: any, req: IncomingMessage, res: ServerResponse, entry: ScriptedRequest): void => {
    const { protocol, stream } = route
    const model = route.model ?? 'unknown'
    const sse = () => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const answer = () => scriptedAnswer(protocol, body ?? {}, model)
    const whole = () => {
      const a = answer()
      entry.sent = stream ? a.frames.join('') : JSON.stringify(a.json)
      return a
    }
    switch (action.do) {
      case 'ok': {
        const { json, frames } = whole()
        if (!stream) return sendJson(res, 200, json)
        sse()
        return void res.end(frames.join(''))
      }
      case 'status': {
        const retryAfter = retryAfterValue(action.retryAfter)
        return sendJson(res, action.status, errorBody(protocol, action.status, action.message), retryAfter ? { 'retry-after': retryAfter } : {})
      }
      case 'context-length':
        return sendJson(res, 400, contextLengthBody(protocol, model))
      case 'reset': {
        if (action.afterEvents === undefined) return void req.socket.destroy()
        const { json, frames } = answer()
        if (!stream) {
          const text = JSON.stringify(json)
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
          return void res.write(text.slice(0, text.length >> 1), () => res.socket?.destroy())
        }
        sse()
        const sent = frames.slice(0, action.afterEvents).join('')
        // Headers (and the events) leave first, then the connection drops.
        if (sent) return void res.write(sent, () => res.socket?.destroy())
        res.flushHeaders()
        return void req.socket.write('', () => req.socket.destroy())
      }
      case 'stall':
        if (action.afterEvents !== undefined && stream) {
          sse()
          res.write(answer().frames.slice(0, action.afterEvents).join(''))
          const every = action.commentMs
          if (every !== undefined) {
            const comment = () => later(every, () => void (!res.destroyed && (res.write(': still thinking\n\n'), comment())))
            comment()
          }
          return
        }
        if (!action.headers) return
        if (stream) sse()
        else res.writeHead(200, { 'content-type': 'application/json' })
        return void res.flushHeaders()
      case 'empty':
        if (stream) sse()
        else res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end()
      case 'slow': {
        const { json, frames } = whole()
        if (!stream) return later(action.delayMs, () => sendJson(res, 200, json))
        sse()
        res.flushHeaders()
        const next = (i: number) =>
          later(action.delayMs, () => {
            if (res.destroyed) return
            if (i === frames.length - 1) return void res.end(frames[i])
            res.write(frames[i])
            next(i + 1)
          })
        return next(0)
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const url = `http://${host}:${(server.address() as AddressInfo).port}`
  return {
    url,
    baseFor: (scope, suffix = '') => `${url}/s/${encodeURIComponent(scope)}${suffix}`,
    script,
    requests: (scope = '') => [...(scopes.get(scope)?.log ?? [])],
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true
        for (const t of timers) clearTimeout(t)
        timers.clear()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
