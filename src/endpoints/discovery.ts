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
/** Hosts already reported as unresolvable: one warning each, per process. */
const warned = new Set<string>()

/**
 * Probes every host on every service port (and each peer `host:port`), in
 * parallel, each with a short timeout. Refused connections are silent; a host
 * that does not resolve is reported once and skipped.
 */
export async function discover(settings: DiscoverySettings, transport: Transport, log: Logger): Promise<DiscoveryHit[]> {
  const probes: Array<{ host: string; port: number; service: Service }> = []
  const byPort = (port: number) => SERVICES.find((s) => settings.ports[s.provider] === port)
  for (const host of settings.hosts) for (const service of SERVICES) probes.push({ host, port: settings.ports[service.provider]!, service })
  for (const peer of settings.peers) {
    const m = /^(.+):(\d+)$/.exec(peer)
    if (!m) for (const service of SERVICES) probes.push({ host: peer, port: settings.ports[service.provider]!, service })
    else probes.push({ host: m[1]!, port: Number(m[2]), service: byPort(Number(m[2])) ?? SERVICES[1] })
  }
  const results = await Promise.all(probes.map((p) => probe(p.host, p.port, p.service, settings.timeoutMs, transport, log)))
  return results.filter((h): h is DiscoveryHit => h !== undefined)
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
    const code = (err as { cause?: { code?: string } })?.cause?.code
    if ((code === 'ENOTFOUND' || code === 'EAI_AGAIN') && !warned.has(host)) {
      warned.add(host)
      log.error(`discovery: host ${host} does not resolve; skipping it`)
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
