import { loadSettings, type Settings } from '../config/settings'
import type { ConfigFile } from '../config/config-file'
import { discover, endpointsFromHits } from '../endpoints/discovery'
import { EndpointTable } from '../endpoints/endpoint-table'
import { LiveModels } from '../endpoints/live-models'
import { Registry } from '../endpoints/registry'
import { createLogger, type Logger } from '../log'
import { noBackendWarning } from './no-backend'
import { ExchangeFeed } from '../observe/exchange-feed'
import type { CredentialFiles, SubscriptionLogins } from '../subscriptions/types'
import { createLogins } from '../subscriptions/create-logins'
import { useExistingDefaultFiles } from '../subscriptions/default-files'
import type { Redactor } from '../security/redactor'
import { currentRedactor } from '../security/secrets'
import type { StateStore } from '../state/state-store'
import type { GatewayState } from '../state/ports'
import type { Transport } from '../upstream/call-upstream'

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
  /** Removes every secret the gateway holds from what leaves it; current with the registry and discovery. */
  readonly redactor: Redactor
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
  /** The vendor CLIs' credentials files (Node and Deno): the subscription back ends need them. */
  files?: CredentialFiles
}

export function createRuntime(o: RuntimeOptions): Runtime {
  const settings = loadSettings(o.env, o.config)
  const endpoints = new EndpointTable(settings.backends)
  const redactor = currentRedactor(settings, endpoints)
  const log = createLogger(settings.logLevel, (line) => redactor().log(line))
  for (const w of settings.warnings) log.warn(w)
  for (const n of settings.notes) log.debug(n)
  o.store.limit?.({ maxBytes: settings.responsesStoreMaxBytes })
  const registry = new Registry(o.store, endpoints)
  const models = new LiveModels(o.transport, { ...settings.modelList, anthropicVersion: settings.anthropicVersion })

  const runDiscovery = async () => {
    const hits = await discover(settings.discovery, o.transport, log)
    const found = endpointsFromHits(hits, endpoints)
    endpoints.setDiscovered(found)
    for (const e of found) log.info(`discovery: ${e.id} at ${e.baseUrl} (${e.models.length} models)`)
    return found.map((e) => e.id)
  }

  const logins = o.files ? createLogins(o.files, o.transport, settings, { warn: (m) => log.warn(m) }) : undefined

  const ready = (async () => {
    // A CLI's own credentials file, when it exists, turns its subscription back end on.
    if (o.files) for (const id of await useExistingDefaultFiles(settings, o.files)) log.info(`${id}: using the CLI's login on this machine`)
    await registry.load().catch((err: Error) => log.error(`registry: could not load (${err.message})`))
    if (settings.discovery.enabled && o.canDiscover) await runDiscovery()
    const none = noBackendWarning({ endpoints })
    if (none) log.warn(none)
  })()

  return {
    settings,
    endpoints,
    registry,
    models,
    transport: o.transport,
    store: o.store,
    state: o.state,
    log,
    logins,
    feed: new ExchangeFeed(),
    get redactor() {
      return redactor()
    },
    ready,
    discover: runDiscovery,
  }
}
