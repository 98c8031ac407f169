import { Hono } from 'hono'
import { ADMIN_LOGIN_PATH, adminPageRoutes, isAdminPagePath } from './admin/routes'
import { parseConfigFile, type ConfigFile } from './config/config-file'
import { SettingsError } from './config/settings-error'
import { healthReport } from './gateway/health'
import { noBackendWarning } from './gateway/no-backend'
import { createRuntime, type Runtime } from './gateway/runtime'
import { GatewayError, toGatewayError } from './hub/errors'
import { identifyClient, UNIDENTIFIED } from './http/identify-client'
import { speaksAnthropic } from './http/client-family'
import { explainMiss } from './http/route-hints'
import { jsonLogLine, logLine, logValue, type Logger } from './log'
import { requestIdFirst, withHeader } from './http/request-id'
import { captureOf } from './capture/start-capture'
import type { CaptureStore } from './capture/sink'
import type { Settings } from './config/settings'
import { PROTOCOLS } from './protocols'
import type { Protocol } from './protocols/types'
import { anthropicRoutes } from './routes/anthropic'
import { diagnosticsRoutes, isDiagnosticsPath } from './routes/diagnostics'
import { geminiRoutes } from './routes/gemini'
import { openaiRoutes } from './routes/openai'
import { REGISTRY_PATH, registryRoutes } from './routes/registry'
import { USAGE_PATH, usageRoutes } from './routes/usage'
import { METRICS_PATH, metricsRoutes } from './routes/metrics'
import { Redactor } from './security/redactor'
import type { GatewayEnv } from './routes/types'
import { MemoryStore } from './state/memory-store'
import type { StateStore } from './state/state-store'
import { memoryState } from './state/memory-state'
import type { GatewayState } from './state/ports'
import { fetchTransport, type Transport } from './upstream/transport'
import { clientAddress } from './access/auth-gate'
import { screenRequest } from './access/screen'
import type { ResolveHost } from './access/upstream-guard'
import { clientKey } from './http/client-auth'
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
  /** Where wire captures go (files on Node and Deno, R2 on Workers); chosen per environment, none: capture is unavailable. */
  capture?: (env: Record<string, unknown>, settings: Settings, log: Logger) => CaptureStore | undefined
  /** Node and Deno: the socket's peer address, from what the adapter passes as the request's env (src/access/auth-gate.ts). */
  remoteAddress?: (env: unknown) => string | undefined
  /** Node and Deno: resolves host names for multi-user mode's address check (src/access/upstream-guard.ts). */
  resolveHost?: ResolveHost
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

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/

/** The gateway as a Hono app on Web-standard Request/Response: the same on every runtime. */
export function createApp(options: AppOptions = {}): Hono<GatewayEnv> {
  const transport: Transport = options.transport ?? fetchTransport
  const storeFor = options.store ?? (() => new MemoryStore())
  const stateFor = options.state ?? (() => memoryState())
  const captureFor = (env: Record<string, unknown>) => options.capture && ((settings: Settings, log: Logger) => options.capture!(env, settings, log))
  // Node and Deno: one runtime, built now (bad settings fail at start) and discovering at once.
  const fixed = options.env
    ? createRuntime({ env: options.env, config: options.config, transport, store: storeFor(options.env), state: stateFor(options.env), canDiscover: true, capture: captureFor(options.env), resolveHost: options.resolveHost, files: options.files })
    : undefined
  // Workers: one runtime per bindings object, built on first use; only `wrangler dev` (a loopback host) discovers.
  // Bad settings are remembered too: every request answers with the same message.
  // A deployed Worker (any request host but loopback) is multi-user whatever ACCESS_MODE says: its own runtime.
  const local = new WeakMap<object, Runtime | SettingsError>()
  const perEnvDeployed = new WeakMap<object, Runtime | SettingsError>()
  const workerRuntime = (env: Record<string, unknown>, url: URL): Runtime => {
    const deployed = !LOOPBACK.test(url.hostname)
    const perEnv = deployed ? perEnvDeployed : local
    let rt = perEnv.get(env)
    if (rt instanceof SettingsError) throw rt
    if (!rt) {
      try {
        const config = typeof env.PROXY_CONFIG === 'string' ? parseConfigFile(env.PROXY_CONFIG, 'PROXY_CONFIG') : undefined
        rt = createRuntime({ env, config, transport, store: storeFor(env), state: stateFor(env), canDiscover: !deployed, deployed, capture: captureFor(env) })
      } catch (err) {
        if (err instanceof SettingsError) perEnv.set(env, err)
        throw err
      }
      perEnv.set(env, rt)
    }
    return rt
  }

  const app = new Hono<GatewayEnv>()
  // First of all: every answer carries x-request-id (/health, settings errors, not-found and every error too).
  app.use('*', requestIdFirst)
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
    // The loop guard, and a multi-user gateway without client keys (src/access/).
    screenRequest(c.req.raw, rt)
    // Who is asking (a name and its limits); the registry and diagnostics check the admin key themselves, /v1/usage takes either.
    // Invalid keys from one address are slowed down (src/access/auth-gate.ts).
    const admin = url.pathname.startsWith(REGISTRY_PATH) || isDiagnosticsPath(url.pathname) || url.pathname === METRICS_PATH || isAdminPagePath(url.pathname)
    const gate = rt.access.gate
    const address = () => clientAddress(c.req.raw.headers, fixed ? options.remoteAddress?.(c.env) : undefined, !fixed, gate.trustedProxies)
    if (admin) {
      gate.screen(address)
      c.set('client', UNIDENTIFIED)
    } else {
      let client
      try {
        client = identifyClient(c.req.raw, url, rt.settings, url.pathname === USAGE_PATH)
      } catch (err) {
        // A wrong key (a missing one guesses nothing) is counted: the 5th and later are a 429.
        if (err instanceof GatewayError && err.kind === 'authentication' && clientKey(c.req.raw, url) !== undefined) await gate.failed(address())
        throw err
      }
      // Only an isolate that saw failures looks further (a valid key does not lift a running wait).
      if (gate.watching) await gate.passed(address())
      c.set('client', client)
    }
    c.set('rt', rt)
    // Node and Deno have no ExecutionContext (asking Hono for one throws, which costs a stack trace per request).
    const ctx = fixed ? undefined : executionContext(c)
    const logged = (work: Promise<unknown>) => work.catch((err: Error) => rt.log.error(`background work failed: ${logValue(err?.message ?? String(err))}`))
    c.set('defer', ctx ? (work) => ctx.waitUntil(logged(work)) : (work) => void logged(work))
    await next()
    // A captured exchange: what the client gets is recorded on its way (src/capture/).
    const capture = captureOf(c.req.raw)
    if (capture) {
      // The recorded head is what the client gets: x-request-id included (the first middleware sets it again, unchanged).
      if (c.var.ids) withHeader(c, 'x-request-id', c.var.ids.requestId)
      c.res = capture.clientResponse(c.res)
    }
    // A wrong admin key counts as an invalid key too (its 401 is already the answer).
    // So does a wrong key typed into the admin page's login form (a 401 page, no error thrown); a login that
    // worked clears the count, as a valid client key does.
    if (admin) {
      const login = c.req.method === 'POST' && url.pathname === ADMIN_LOGIN_PATH
      const wrongKey = c.error instanceof GatewayError && c.error.kind === 'authentication' && clientKey(c.req.raw, url) !== undefined
      if (wrongKey || (login && c.res.status === 401)) await gate.failed(address()).catch(() => {})
      else if (login && c.res.status === 303 && gate.watching) await gate.passed(address()).catch(() => {})
    }
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
  metricsRoutes(app)
  adminPageRoutes(app)

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
      const line = `Unhandled error on ${c.req.method} ${logValue(c.req.path)}: ${detail}`
      console.error(c.var.rt?.log.json ? jsonLogLine('error', line, { request_id: c.var.ids?.requestId }, (s) => redactor.log(s)) : logLine(redactor.log(line)))
    }
    return errorResponse(err, c.req.path, c.req.raw.headers, redactor)
  })
  return app
}
