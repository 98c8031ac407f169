import { loadSettings, type Backend, type Settings } from '../config/settings'
import { AccessPolicy } from '../access/policy'
import { GatewayError } from '../hub/errors'
import type { ResolveHost } from '../access/upstream-guard'
import type { ConfigFile } from '../config/config-file'
import { discover, endpointsFromHits } from '../endpoints/discovery'
import { EndpointTable } from '../endpoints/endpoint-table'
import { LiveModels } from '../endpoints/live-models'
import { Registry } from '../endpoints/registry'
import { createLogger, type Logger } from '../log'
import { noBackendWarning } from './no-backend'
import { refusesLogin } from './login-refusal'
import { ExchangeFeed } from '../observe/exchange-feed'
import { GatewayMetrics } from '../observe/gateway-metrics'
import type { CredentialFiles, SubscriptionLogins } from '../subscriptions/types'
import { allLogins } from '../subscriptions/all-logins'
import { useExistingDefaultFiles } from '../subscriptions/default-files'
import type { Redactor } from '../security/redactor'
import { currentRedactor, LearnedSecrets } from '../security/secrets'
import type { StateStore } from '../state/state-store'
import type { GatewayState } from '../state/ports'
import type { Transport } from '../upstream/call-upstream'
import type { CaptureReader } from '../capture/reader'
import type { CaptureSink, CaptureStore } from '../capture/sink'

/** What a request handler needs from the world, chosen once at the edge. */
export interface Runtime {
  settings: Settings
  /** Every back end: from the settings, the registry and discovery. */
  endpoints: EndpointTable
  registry: Registry
  models: LiveModels
  transport: Transport
  store: StateStore
  /** Keys and circuits, client limits, usage, sessions (Durable Objects on Workers, memory or STATE_DIR files elsewhere). */
  state: GatewayState
  log: Logger
  /** Signs calls to the subscription back ends (Node and Deno; a Worker has none). */
  logins?: SubscriptionLogins
  /** The latest exchanges this isolate or process served, and their live tail. */
  feed: ExchangeFeed
  /** Where wire captures go (CAPTURE_DIR files, the R2 bucket CAPTURE_BUCKET); undefined: nowhere, nothing is captured. */
  captureSink?: CaptureSink
  /** Reads captures back (the admin page); undefined when the runtime has no capture storage. */
  captures?: CaptureReader
  /** This isolate's or process's metrics (GET /metrics). */
  metrics: GatewayMetrics
  /** Removes every secret the gateway holds from what leaves it; current with the registry and discovery. */
  readonly redactor: Redactor
  /** The access mode in force and what it refuses (src/access/). */
  access: AccessPolicy
  /** Whether this runtime refuses a back end (src/gateway/login-refusal.ts): routing passes it over for a bare model. */
  refusesBackend(backend: Backend): boolean
  /** Settles once the registry is loaded and start-up discovery is done. */
  ready: Promise<void>
  /** Probes for local model servers now; returns the ids found. */
  discover(): Promise<string[]>
}

export interface RuntimeOptions {
  env: Record<string, unknown>
  config?: ConfigFile
  transport: Transport
  store: StateStore
  state: GatewayState
  /** Whether this runtime can see local servers (Node, Deno, wrangler dev; not a deployed Worker). */
  canDiscover: boolean
  /** Capture storage for these settings (Node and Deno: files; Workers: R2 when bound); none: capture is unavailable. */
  capture?: (settings: Settings, log: Logger) => CaptureStore | undefined
  /** A deployed Worker (a request host that is not loopback): multi-user whatever ACCESS_MODE says. */
  deployed?: boolean
  /** Resolves host names for multi-user mode's address check (Node, Deno). */
  resolveHost?: ResolveHost
  /** The vendor CLIs' credentials files (Node and Deno): the subscription back ends need them. */
  files?: CredentialFiles
}

export function createRuntime(o: RuntimeOptions): Runtime {
  const settings = loadSettings(o.env, o.config)
  const access = new AccessPolicy(settings, { deployed: o.deployed, resolveHost: o.resolveHost, authFailures: o.state.authFailures })
  // Every upstream call carries the loop guard's header (and in multi-user mode passes the address check).
  const transport = access.transport(o.transport)
  const endpoints = new EndpointTable(settings.backends)
  // The CLI logins' tokens, learnt as they are read and refreshed: the redactor removes them too.
  const learned = new LearnedSecrets()
  const redactor = currentRedactor(settings, endpoints, learned)
  const log = createLogger(settings.logLevel, (line) => redactor().log(line), settings.observe.logFormat)
  for (const w of settings.warnings) log.warn(w)
  for (const w of access.warnings) log.warn(w)
  for (const n of settings.notes) log.debug(n)
  o.store.limit?.({ maxBytes: settings.responsesStoreMaxBytes })
  const captures = o.capture?.(settings, log)
  if (settings.interactive.switches.capture) {
    if (captures) log.info(`capture: on, to ${captures.where}`)
    else log.warn('CAPTURE is on but this runtime has nowhere to write captures (on Workers, bind an R2 bucket as CAPTURE_BUCKET): nothing is captured')
  }
  const registry = new Registry(o.store, endpoints)
  const models = new LiveModels(transport, { ...settings.modelList, anthropicVersion: settings.anthropicVersion })

  const runDiscovery = async () => {
    const hits = await discover(settings.discovery, transport, log)
    const found = endpointsFromHits(hits, endpoints)
    endpoints.setDiscovered(found)
    for (const e of found) log.info(`discovery: ${e.id} at ${e.baseUrl} (${e.models.length} models)`)
    return found.map((e) => e.id)
  }

  // Token refreshes and set-up calls go through the same transport as every upstream call (the loop guard's header).
  const logins = o.files ? allLogins(o.files, transport, settings, { warn: (m) => log.warn(m), learn: (source, secrets) => learned.learn(source, secrets) }) : undefined

  const ready = (async () => {
    // A CLI's own credentials file, when it exists, turns its subscription back end on.
    if (o.files) for (const id of await useExistingDefaultFiles(settings, o.files)) log.info(`${id}: using the CLI's login on this machine`)
    await registry.load().catch((err: Error) => log.error(`registry: could not load (${err.message})`))
    // Discovery looks for servers on this machine and its network: never in multi-user mode.
    if (settings.discovery.enabled && o.canDiscover && !access.multiUser) await runDiscovery()
    const none = noBackendWarning({ endpoints })
    if (none) log.warn(none)
  })()

  return {
    settings,
    endpoints,
    registry,
    models,
    transport,
    store: o.store,
    state: o.state,
    log,
    logins,
    feed: new ExchangeFeed(),
    captureSink: captures?.sink,
    captures: captures?.reader,
    // The access mode once settings have one (issue 13); '' until then.
    metrics: new GatewayMetrics(String((settings as { accessMode?: unknown }).accessMode ?? '')),
    get redactor() {
      return redactor()
    },
    access,
    refusesBackend: (backend) => refusesLogin({ access, logins }, backend),
    ready,
    discover: access.multiUser ? refuseDiscovery : runDiscovery,
  }
}

/** Discovery probes this machine and its network: multi-user mode has none. */
async function refuseDiscovery(): Promise<string[]> {
  throw new GatewayError('permission', 'Discovery looks for model servers on this machine and its network, which ACCESS_MODE=multi-user refuses.')
}
