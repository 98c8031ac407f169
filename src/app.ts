import { Hono } from 'hono'
import { parseConfigFile, type ConfigFile } from './config/config-file'
import { SettingsError } from './config/settings-error'
import { createRuntime, type Runtime } from './gateway/runtime'
import { GatewayError, toGatewayError } from './hub/errors'
import { requireClientKey } from './http/client-auth'
import { PROTOCOLS } from './protocols'
import type { Protocol } from './protocols/types'
import { anthropicRoutes } from './routes/anthropic'
import { geminiRoutes } from './routes/gemini'
import { openaiRoutes } from './routes/openai'
import { REGISTRY_PATH, registryRoutes } from './routes/registry'
import { Redactor } from './security/redactor'
import type { GatewayEnv } from './routes/types'
import { MemoryStore } from './state/memory-store'
import type { StateStore } from './state/state-store'
import { fetchTransport, type Transport } from './upstream/transport'

export interface AppOptions {
  /**
   * Settings source for Node and Deno (process environment plus `.env`). Leave
   * it out on Workers: each request's bindings are read then (and cached).
   */
  env?: Record<string, unknown>
  /** The parsed config file (Node and Deno `--config`); Workers read the PROXY_CONFIG binding. */
  config?: ConfigFile
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

/** An error in the client's protocol, the gateway's secrets removed (upstream messages may echo a key). */
function errorResponse(err: unknown, path: string, redactor: Redactor = Redactor.none): Response {
  const gatewayError = toGatewayError(err)
  const { status, body } = protocolForPath(path).encodeError(gatewayError)
  const headers: Record<string, string> = {}
  if (gatewayError.retryAfter) headers['retry-after'] = gatewayError.retryAfter
  return redactor.json(body, status, headers)
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/

/** The gateway as a Hono app on Web-standard Request/Response: the same on every runtime. */
export function createApp(options: AppOptions = {}): Hono<GatewayEnv> {
  const transport: Transport = options.transport ?? fetchTransport
  const storeFor = options.store ?? (() => new MemoryStore())
  // Node and Deno: one runtime, built now (bad settings fail at start) and discovering at once.
  const fixed = options.env
    ? createRuntime({ env: options.env, config: options.config, transport, store: storeFor(options.env), canDiscover: true })
    : undefined
  // Workers: one runtime per bindings object, built on first use; only `wrangler dev` (a loopback host) discovers.
  const perEnv = new WeakMap<object, Runtime>()
  const workerRuntime = (env: Record<string, unknown>, url: URL): Runtime => {
    let rt = perEnv.get(env)
    if (!rt) {
      const config = typeof env.PROXY_CONFIG === 'string' ? parseConfigFile(env.PROXY_CONFIG, 'PROXY_CONFIG') : undefined
      rt = createRuntime({ env, config, transport, store: storeFor(env), canDiscover: LOOPBACK.test(url.hostname) })
      perEnv.set(env, rt)
    }
    return rt
  }

  const app = new Hono<GatewayEnv>()
  app.get('/health', (c) => c.json({ status: 'ok' }))

  app.use('*', async (c, next) => {
    const url = new URL(c.req.url)
    const rt = fixed ?? workerRuntime(c.env ?? {}, url)
    await rt.ready
    // Other Worker isolates may have changed the registry: re-read it now and then.
    if (!fixed) await rt.registry.load(30_000)
    if (!url.pathname.startsWith(REGISTRY_PATH)) requireClientKey(c.req.raw, url, rt.settings.clientKeys)
    c.set('rt', rt)
    await next()
  })

  openaiRoutes(app)
  anthropicRoutes(app)
  geminiRoutes(app)
  registryRoutes(app)

  // The runtime's redactor, once the runtime exists (a Worker with bad settings has none).
  const redactorOf = (c: { var: { rt?: Runtime } }) => c.var.rt?.redactor ?? Redactor.none
  app.notFound((c) =>
    errorResponse(new GatewayError('not_found', `No route for ${c.req.method} ${c.req.path}.`), c.req.path, redactorOf(c)),
  )
  app.onError((err, c) => {
    if (err instanceof SettingsError)
      return errorResponse(new GatewayError('api_error', `Gateway misconfigured: ${err.message}`), c.req.path)
    const redactor = redactorOf(c)
    if (!(err instanceof GatewayError)) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
      console.error(redactor.log(`Unhandled error on ${c.req.method} ${c.req.path}: ${detail}`))
    }
    return errorResponse(err, c.req.path, redactor)
  })
  return app
}
