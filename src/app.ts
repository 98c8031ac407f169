import { Hono } from 'hono'
import { loadSettings, SettingsError, type Settings } from './config/settings'
import type { Runtime } from './gateway/runtime'
import { GatewayError, toGatewayError } from './hub/errors'
import { requireClientKey } from './http/client-auth'
import { createLogger } from './log'
import { PROTOCOLS } from './protocols'
import type { Protocol } from './protocols/types'
import { anthropicRoutes } from './routes/anthropic'
import { geminiRoutes } from './routes/gemini'
import { openaiRoutes } from './routes/openai'
import type { GatewayEnv } from './routes/types'
import { MemoryStore } from './state/memory-store'
import type { StateStore } from './state/state-store'
import type { Transport } from './upstream/call-upstream'

export interface AppOptions {
  /**
   * Settings source for Node and Deno (process environment plus `.env`). Leave
   * it out on Workers: each request's bindings are read then (and cached).
   */
  env?: Record<string, unknown>
  /** How to reach upstreams; the global fetch unless an adapter has a faster one. */
  transport?: Transport
  /** Where gateway state lives (KV on Workers, a file or memory elsewhere); chosen per environment. */
  store?: (env: Record<string, unknown>) => StateStore
}

/** Which protocol's error shape a path's clients understand. */
function protocolForPath(path: string): Protocol {
  if (path.startsWith('/anthropic/') || path.startsWith('/v1/messages')) return PROTOCOLS.anthropic
  if (path.startsWith('/v1beta/')) return PROTOCOLS.gemini
  return PROTOCOLS['openai-chat']
}

function errorResponse(err: unknown, path: string): Response {
  const gatewayError = toGatewayError(err)
  const { status, body } = protocolForPath(path).encodeError(gatewayError)
  const headers: Record<string, string> = {}
  if (gatewayError.retryAfter) headers['retry-after'] = gatewayError.retryAfter
  return Response.json(body, { status, headers })
}

/** The gateway as a Hono app on Web-standard Request/Response: the same on every runtime. */
export function createApp(options: AppOptions = {}): Hono<GatewayEnv> {
  const transport: Transport = options.transport ?? ((r) => fetch(r))
  const storeFor = options.store ?? (() => new MemoryStore())
  const makeRuntime = (env: Record<string, unknown>): Runtime => {
    const settings: Settings = loadSettings(env)
    return { settings, transport, store: storeFor(env), log: createLogger(settings.logLevel) }
  }
  const runtimes = new WeakMap<object, Runtime>()
  const fixed = options.env ? makeRuntime(options.env) : undefined

  const app = new Hono<GatewayEnv>()
  app.get('/health', (c) => c.json({ status: 'ok' }))

  app.use('*', async (c, next) => {
    let rt = fixed
    if (!rt) {
      const env = c.env ?? {}
      rt = runtimes.get(env)
      if (!rt) {
        rt = makeRuntime(env)
        runtimes.set(env, rt)
      }
    }
    requireClientKey(c.req.raw, new URL(c.req.url), rt.settings.clientKeys)
    c.set('rt', rt)
    await next()
  })

  openaiRoutes(app)
  anthropicRoutes(app)
  geminiRoutes(app)

  app.notFound((c) => errorResponse(new GatewayError('not_found', `No route for ${c.req.method} ${c.req.path}.`), c.req.path))
  app.onError((err, c) => {
    if (err instanceof SettingsError)
      return errorResponse(new GatewayError('api_error', `Gateway misconfigured: ${err.message}`), c.req.path)
    if (!(err instanceof GatewayError)) console.error(`Unhandled error on ${c.req.method} ${c.req.path}:`, err)
    return errorResponse(err, c.req.path)
  })
  return app
}
