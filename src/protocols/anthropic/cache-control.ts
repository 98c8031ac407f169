import type { CacheControl } from '../../hub/request'

/** Anthropic `cache_control` → hub, or undefined when absent. */
export function cacheControlFromAnthropic(value: unknown): CacheControl | undefined {
  if (!value || typeof value !== 'object') return undefined
  const cc = value as { type?: unknown; ttl?: unknown }
  if (cc.type !== 'ephemeral') return undefined
  return typeof cc.ttl === 'string' ? { type: 'ephemeral', ttl: cc.ttl } : { type: 'ephemeral' }
}

/** Hub → Anthropic `cache_control`, as a spreadable object (empty when absent). */
export function cacheControlField(cc: CacheControl | undefined): { cache_control?: CacheControl } {
  if (!cc) return {}
  return { cache_control: cc.ttl ? { type: 'ephemeral', ttl: cc.ttl } : { type: 'ephemeral' } }
}
