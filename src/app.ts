import { Hono } from 'hono'
import { loadSettings, SettingsError, type Settings } from './config/settings'
import { countTokens } from './gateway/count-tokens'
import { generate } from './gateway/generate'
import { anthropicModelList, listModels, openaiModelList } from './gateway/list-models'
import type { Runtime } from './gateway/runtime'
import { GatewayError, toGatewayError } from './hub/errors'
import { requireClientKey } from './http/client-auth'
import { createLogger } from './log'
import { PROTOCOLS } from './protocols'
import type { Protocol } from './protocols/types'
import type { Transport } from './upstream/call-upstream'

export interface AppOptions {
  /**
   * Settings source for Node and Deno (process environment plus `.env`). Leave
   * it out on Workers: each request's bindings are read then (and cached).
   */
  env?: Record<string, unknown>
  /** How to reach upstreams; the global fetch unless an adapter has a faster one. */
  transport?: Transport
}

type Env = { Bindings: Record<string, unknown>; Variables: { rt: Runtime } }

/** Which protocol's error shape a path's clients understand. */
function protocolForPath(path: string): Protocol {
  return path.startsWith('/anthropic/') || path.startsWith('/v1/messages') ? PROTOCOLS.anthropic : PROTOCOLS['openai-chat']
}

function errorResponse(err: unknown, path: string): Response {
  const gatewayError = toGatewayError(err)
  const { status, body } = protocolForPath(path).encodeError(gatewayError)
  const headers: Record<string, string> = {}
  if (gatewayError.retryAfter) headers['retry-after'] = gatewayError.retryAfter
  return Response.json(body, { status, headers })
}

/** The gateway as a Hono app on Web-standard Request/Response: the same on every runtime. */
export function createApp(options: AppOptions = {}): Hono<Env> {
  const transport: Transport = options.transport ?? ((r) => fetch(r))
  const runtimes = new WeakMap<object, Runtime>()
  const fixed = options.env ? makeRuntime(loadSettings(options.env), transport) : undefined

  const app = new Hono<Env>()

  app.get('/health', (c) => c.json({ status: 'ok' }))

  app.use('*', async (c, next) => {
    let rt = fixed
    if (!rt) {
      const env = c.env ?? {}
      rt = runtimes.get(env)
      if (!rt) {
        rt = makeRuntime(loadSettings(env), transport)
        runtimes.set(env, rt)
      }
    }
    requireClientKey(c.req.raw, new URL(c.req.url), rt.settings.clientKeys)
    c.set('rt', rt)
    await next()
  })

  app.post('/v1/chat/completions', (c) => generate(c.req.raw, PROTOCOLS['openai-chat'], c.var.rt))
  for (const base of ['/v1', '/anthropic/v1']) {
    app.post(`${base}/messages`, (c) => generate(c.req.raw, PROTOCOLS.anthropic, c.var.rt))
    app.post(`${base}/messages/count_tokens`, (c) => countTokens(c.req.raw, c.var.rt))
  }
  app.get('/v1/models', (c) => c.json(openaiModelList(listModels(c.var.rt.settings))))
  app.get('/anthropic/v1/models', (c) => c.json(anthropicModelList(listModels(c.var.rt.settings))))

  app.notFound((c) =>
    errorResponse(new GatewayError('not_found', `No route for ${c.req.method} ${c.req.path}.`), c.req.path),
  )
  app.onError((err, c) => {
    if (err instanceof SettingsError)
      return errorResponse(new GatewayError('api_error', `Gateway misconfigured: ${err.message}`), c.req.path)
    if (!(err instanceof GatewayError)) console.error(`Unhandled error on ${c.req.method} ${c.req.path}:`, err)
    return errorResponse(err, c.req.path)
  })
  return app
}

function makeRuntime(settings: Settings, transport: Transport): Runtime {
  return { settings, transport, log: createLogger(settings.logLevel) }
}
