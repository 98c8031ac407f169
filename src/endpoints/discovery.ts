import type { Backend, DiscoverySettings } from '../config/settings'
import type { Logger } from '../log'
import type { Transport } from '../upstream/call-upstream'
import { buildEndpoint } from './build-endpoint'
import type { EndpointTable } from './endpoint-table'

/** The local model servers the gateway looks for, and how each lists its models. */
const SERVICES = [
  { provider: 'ollama', probe: '/api/tags', read: (b: any) => (b?.models ?? []).map((m: any) => m?.name) },
  { provider: 'lmstudio', probe: '/v1/models', read: (b: any) => (b?.data ?? []).map((m: any) => m?.id) },
  { provider: 'vllm', probe: '/v1/models', read: (b: any) => (b?.data ?? []).map((m: any) => m?.id) },
  { provider: 'litellm', probe: '/v1/models', read: (b: any) => (b?.data ?? []).map((m: any) => m?.id) },
] as const

type Service = (typeof SERVICES)[number]

export interface DiscoveryHit {
  provider: Service['provider']
  host: string
  port: number
  models: string[]
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])
/** Hosts found not to resolve: reported once, then never probed again in this process. */
const unresolvable = new Set<string>()
const IP = /^(\d+\.\d+\.\d+\.\d+|\[?[0-9a-f:]+\]?)$/i

const ON_WORKERD = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'

type Probe = { host: string; port: number; service: Service }

/**
 * Probes every host on every service port (and each peer `host:port`), in
 * parallel, each with a short timeout. Refused connections are silent. A host
 * name is probed once first: if it does not resolve, that is one log line and the
 * host is skipped from then on (under workerd, each failed lookup is also logged
 * by the runtime itself, so fewer lookups is fewer of those too).
 */
export async function discover(settings: DiscoverySettings, transport: Transport, log: Logger): Promise<DiscoveryHit[]> {
  const byHost = new Map<string, Probe[]>()
  const add = (p: Probe) => byHost.set(p.host, [...(byHost.get(p.host) ?? []), p])
  const byPort = (port: number) => SERVICES.find((s) => settings.ports[s.provider] === port)
  // Under workerd (wrangler dev) every failed lookup is also a stack trace from the runtime, and the Worker
  // runs on the host machine, where host.docker.internal rarely means anything: probe it only when asked to.
  const hosts = settings.defaultHosts && ON_WORKERD ? settings.hosts.filter((h) => h !== 'host.docker.internal') : settings.hosts
  for (const host of hosts) for (const service of SERVICES) add({ host, port: settings.ports[service.provider]!, service })
  for (const peer of settings.peers) {
    const m = /^(.+):(\d+)$/.exec(peer)
    if (!m) for (const service of SERVICES) add({ host: peer, port: settings.ports[service.provider]!, service })
    else add({ host: m[1]!, port: Number(m[2]), service: byPort(Number(m[2])) ?? SERVICES[1] })
  }
  const run = (p: Probe) => probe(p.host, p.port, p.service, settings.timeoutMs, transport, log)
  const perHost = [...byHost].map(async ([host, probes]): Promise<Array<DiscoveryHit | undefined>> => {
    if (unresolvable.has(host)) return []
    if (IP.test(host)) return Promise.all(probes.map(run))
    const first = await run(probes[0]!)
    if (unresolvable.has(host)) return []
    return [first, ...(await Promise.all(probes.slice(1).map(run)))]
  })
  return (await Promise.all(perHost)).flat().filter((h): h is DiscoveryHit => h !== undefined)
}

/**
 * A failed lookup: Node says ENOTFOUND / EAI_AGAIN; workerd gives JS only
 * "internal error; reference = …" (a refused connection there is "Network connection lost.").
 */
function lookupFailed(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true
  return err instanceof Error && err.message.startsWith('internal error')
}

async function probe(host: string, port: number, service: Service, timeoutMs: number, transport: Transport, log: Logger) {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const res = await transport({ url: `http://${host}:${port}${service.probe}`, method: 'GET', headers: new Headers(), signal: controller.signal })
    if (!res.ok) {
      await res.body?.cancel()
      return undefined
    }
    const models = service.read(await res.json()).filter((m: unknown): m is string => typeof m === 'string' && m !== '')
    return { provider: service.provider, host, port, models } satisfies DiscoveryHit
  } catch (err) {
    if (lookupFailed(err) && !unresolvable.has(host)) {
      unresolvable.add(host)
      log.info(`discovery: host ${host} does not resolve; skipping it`)
    }
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Hits as back ends. A local hit takes the bare provider name (`ollama`), a remote
 * one `<provider>-<host-with-dashes>`; an id an explicit endpoint already holds
 * gets `-auto`, so discovery never clobbers configuration.
 */
export function endpointsFromHits(hits: DiscoveryHit[], table: EndpointTable): Backend[] {
  const out = new Map<string, Backend>()
  for (const hit of hits) {
    let id = LOCAL_HOSTS.has(hit.host) ? hit.provider : `${hit.provider}-${hit.host.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
    if (table.isTaken(id)) id = `${id}-auto`
    if (out.has(id)) id = `${id}-${hit.port}`
    const host = hit.host.includes(':') && !hit.host.startsWith('[') ? `[${hit.host}]` : hit.host
    out.set(id, buildEndpoint({ id, url: `http://${host}:${hit.port}/v1`, provider: hit.provider, models: hit.models }, 'discovery'))
  }
  return [...out.values()]
}
