import { Hono } from 'hono'
import { parseConfigFile, type ConfigFile } from './config/config-file'
import { SettingsError } from './config/settings-error'
import { healthReport } from './gateway/health'
import { noBackendWarning } from './gateway/no-backend'
import { createRuntime, type Runtime } from './gateway/runtime'
import { GatewayError, toGatewayError } from './hub/errors'
import { identifyClient, UNIDENTIFIED } from './http/identify-client'
import { speaksAnthropic } from './http/client-family'
import { explainMiss } from './http/route-hints'
import { logLine, logValue } from './log'
import { requestIds } from './http/request-id'
import { PROTOCOLS } from './protocols'
import type { Protocol } from './protocols/types'
import { anthropicRoutes } from './routes/anthropic'
import { diagnosticsRoutes, isDiagnosticsPath } from './routes/diagnostics'
import { geminiRoutes } from './routes/gemini'
import { openaiRoutes } from './routes/openai'
import { REGISTRY_PATH, registryRoutes } from './routes/registry'
import { USAGE_PATH, usageRoutes } from './routes/usage'
import { Redactor } from './security/redactor'
import type { GatewayEnv } from './routes/types'
import { MemoryStore } from './state/memory-store'
import type { StateStore } from './state/state-store'
import { memoryState } from './state/memory-state'
import type { GatewayState } from './state/ports'
import { fetchTransport, type Transport } from './upstream/transport'
import type { CredentialFiles } from './subscriptions/types'

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
  /** Keys, circuits, limits, usage and sessions (Durable Objects on Workers, memory or files elsewhere); chosen per environment. */
  state?: (env: Record<string, unknown>) => GatewayState
  /** The vendor CLIs' credentials files, for the subscription back ends (Node and Deno; Workers have none). */
  files?: CredentialFiles
}

/** Which protocol's error shape a path's clients understand (on `/v1/models`, its headers tell). */
function protocolForPath(raw: string, headers: Headers): Protocol {
  const path = raw.includes('//') ? raw.replace(/\/{2,}/g, '/') : raw
  if (path.startsWith('/anthropic/') || path.startsWith('/v1/messages')) return PROTOCOLS.anthropic
  if (path.startsWith('/v1/models') && speaksAnthropic(headers)) return PROTOCOLS.anthropic
  if (path.startsWith('/v1beta/')) return PROTOCOLS.gemini
  return PROTOCOLS['openai-chat']
}

/** An error in the client's protocol, the gateway's secrets removed (upstream messages may echo a key). */
function errorResponse(err: unknown, path: string, requestHeaders: Headers, redactor: Redactor = Redactor.none): Response {
  const gatewayError = toGatewayError(err)
  const { status, body } = protocolForPath(path, requestHeaders).encodeError(gatewayError)
  const headers: Record<string, string> = {}
  if (gatewayError.retryAfter) headers['retry-after'] = gatewayError.retryAfter
  // Retrying cannot fix the gateway's own key: the OpenAI and Anthropic SDKs read this header.
  if (gatewayError.kind === 'upstream_auth') headers['x-should-retry'] = 'false'
  return redactor.json(body, status, headers)
}

/** The Worker's ExecutionContext; Node and Deno have none (Hono throws when asked). */
function executionContext(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): { waitUntil(p: Promise<unknown>): void } | undefined {
  try {
    return c.executionCtx
  } catch {
    return undefined
  }
}

/** Sets a header on the answer; a response with immutable headers (one fetched as it is) is copied first. */
function withHeader(c: { res: Response }, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    const res = new Response(c.res.body, c.res)
    res.headers.set(name, value)
    c.res = res
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/

/** The gateway as a Hono app on Web-standard Request/Response: the same on every runtime. */
export function createApp(options: AppOptions = {}): Hono<GatewayEnv> {
  const transport: Transport = options.transport ?? fetchTransport
  const storeFor = options.store ?? (() => new MemoryStore())
  const stateFor = options.state ?? (() => memoryState())
  // Node and Deno: one runtime, built now (bad settings fail at start) and discovering at once.
  const fixed = options.env
    ? createRuntime({ env: options.env, config: options.config, transport, store: storeFor(options.env), state: stateFor(options.env), canDiscover: true, files: options.files })
    : undefined
  // Workers: one runtime per bindings object, built on first use; only `wrangler dev` (a loopback host) discovers.
  // Bad settings are remembered too: every request answers with the same message.
  const perEnv = new WeakMap<object, Runtime | SettingsError>()
  const workerRuntime = (env: Record<string, unknown>, url: URL): Runtime => {
    let rt = perEnv.get(env)
    if (rt instanceof SettingsError) throw rt
    if (!rt) {
      try {
        const config = typeof env.PROXY_CONFIG === 'string' ? parseConfigFile(env.PROXY_CONFIG, 'PROXY_CONFIG') : undefined
        rt = createRuntime({ env, config, transport, store: storeFor(env), state: stateFor(env), canDiscover: LOOPBACK.test(url.hostname) })
      } catch (err) {
        if (err instanceof SettingsError) perEnv.set(env, err)
        throw err
      }
      perEnv.set(env, rt)
    }
    return rt
  }

  const app = new Hono<GatewayEnv>()
  // No key needed. Broken settings are a 503 with the message (Node and Deno refuse to start instead).
  app.get('/health', async (c) => {
    let rt: Runtime
    try {
      rt = fixed ?? workerRuntime(c.env ?? {}, new URL(c.req.url))
    } catch (err) {
      if (err instanceof SettingsError) return c.json({ status: 'error', error: err.message }, 503)
      throw err
    }
    await rt.ready
    return c.json(healthReport(rt))
  })

  app.use('*', async (c, next) => {
    const url = new URL(c.req.url)
    const rt = fixed ?? workerRuntime(c.env ?? {}, url)
    await rt.ready
    // Other Worker isolates may have changed the registry: re-read it now and then.
    if (!fixed) await rt.registry.load(30_000)
    // Who is asking (a name and its limits); the registry and diagnostics check the admin key themselves, /v1/usage takes either.
    const admin = url.pathname.startsWith(REGISTRY_PATH) || isDiagnosticsPath(url.pathname)
    c.set('client', admin ? UNIDENTIFIED : identifyClient(c.req.raw, url, rt.settings, url.pathname === USAGE_PATH))
    c.set('rt', rt)
    const ids = requestIds(c.req.raw.headers)
    c.set('ids', ids)
    // Node and Deno have no ExecutionContext (asking Hono for one throws, which costs a stack trace per request).
    const ctx = fixed ? undefined : executionContext(c)
    const logged = (work: Promise<unknown>) => work.catch((err: Error) => rt.log.error(`background work failed: ${logValue(err?.message ?? String(err))}`))
    c.set('defer', ctx ? (work) => ctx.waitUntil(logged(work)) : (work) => void logged(work))
    await next()
    withHeader(c, 'x-request-id', ids.requestId)
  })

  // An empty model list says why in a header (the body stays what the SDKs parse).
  for (const path of ['/v1/models', '/anthropic/v1/models', '/v1beta/models'])
    app.get(path, async (c, next) => {
      await next()
      const none = noBackendWarning(c.var.rt)
      if (none) c.res.headers.set('x-gateway-warnings', none)
    })
  openaiRoutes(app)
  anthropicRoutes(app)
  geminiRoutes(app)
  registryRoutes(app)
  diagnosticsRoutes(app)
  usageRoutes(app)

  // The runtime's redactor, once the runtime exists (a Worker with bad settings has none).
  const redactorOf = (c: { var: { rt?: Runtime } }) => c.var.rt?.redactor ?? Redactor.none
  app.notFound((c) => {
    const miss = explainMiss(c.req.method, c.req.path, app.routes)
    const res = errorResponse(miss.error, miss.familyPath, c.req.raw.headers, redactorOf(c))
    if (miss.allow) res.headers.set('allow', miss.allow)
    return res
  })
  app.onError((err, c) => {
    if (err instanceof SettingsError)
      return errorResponse(new GatewayError('api_error', `Gateway misconfigured: ${err.message}`), c.req.path, c.req.raw.headers)
    const redactor = redactorOf(c)
    if (!(err instanceof GatewayError)) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
      console.error(logLine(redactor.log(`Unhandled error on ${c.req.method} ${logValue(c.req.path)}: ${detail}`)))
    }
    return errorResponse(err, c.req.path, c.req.raw.headers, redactor)
  })
  return app
}
