/** The gateway's version (package.json's; test/observe/metrics-registry.test.ts checks the two are equal). */
export const GATEWAY_VERSION = '0.1.0'

/** Which runtime this is: `workers` (workerd), `deno`, `node`, or `unknown`. */
export function runtimeName(): string {
  const g = globalThis as { navigator?: { userAgent?: string }; Deno?: unknown; process?: { versions?: { node?: string } } }
  // workerd with nodejs_compat has a `process` too: its user agent says which it is.
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workers'
  if (g.Deno !== undefined) return 'deno'
  if (g.process?.versions?.node) return 'node'
  return 'unknown'
}
