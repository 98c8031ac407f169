import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'

/**
 * What a Durable Object round trip costs, next to the same call on memory.
 *
 *   npx tsx bench/state-roundtrip.ts [--n 2000]
 *
 * Runs bench/state/worker.ts in workerd (Miniflare, loopback, the SQLite-backed
 * objects of wrangler.toml) and times `health.read` and `limits.admit`:
 * - "in Worker": N calls made inside the Worker, one after another (seq) or all
 *   at once (par), timed there: the round trip a request pays per call.
 * - "per request": one call per request sent from Node, p50/p99 over N
 *   requests, for Durable Objects and for memory; the difference is the round trip.
 */
const N = Number(process.argv[process.argv.indexOf('--n') + 1] || 2000) || 2000
const dir = mkdtempSync(join(tmpdir(), 'state-bench-'))
const script = join(dir, 'worker.mjs')
await build({
  entryPoints: [resolve(import.meta.dirname, 'state/worker.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['cloudflare:workers'],
  outfile: script,
  logLevel: 'warning',
})
const sqlite = (className: string) => ({ className, useSQLite: true })
const mf = new Miniflare({
  modules: true,
  scriptPath: script,
  modulesRoot: dir,
  compatibilityDate: '2026-04-01',
  compatibilityFlags: ['nodejs_compat'],
  durableObjects: {
    GATEWAY_HEALTH: sqlite('BackendHealthObject'),
    GATEWAY_LIMITS: sqlite('ClientLimitsObject'),
    GATEWAY_USAGE: sqlite('UsageLedgerObject'),
    GATEWAY_SESSIONS: sqlite('SessionObject'),
    GATEWAY_DIRECTORY: sqlite('StateDirectoryObject'),
  },
})

const get = async (path: string) => {
  const res = await mf.dispatchFetch(`http://bench.local${path}`)
  return res.text()
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const f = (ms: number) => `${ms.toFixed(3)} ms`

try {
  // Warm-up: objects created, storage opened, code paths compiled.
  for (const op of ['read', 'admit']) for (const impl of ['do', 'memory']) await get(`/loop?impl=${impl}&op=${op}&n=200`)

  console.log(`workerd via Miniflare on loopback, N = ${N}\n`)
  console.log('in Worker (per call, mean)')
  for (const op of ['read', 'admit']) {
    const seq = JSON.parse(await get(`/loop?impl=do&op=${op}&n=${N}&mode=seq`)).ms / N
    const par = JSON.parse(await get(`/loop?impl=do&op=${op}&n=${N}&mode=par`)).ms / N
    console.log(`  ${op.padEnd(6)} Durable Object  sequential ${f(seq)}   ${N} in parallel ${f(par)} each (${Math.round(1000 / par)} calls/s)`)
  }

  console.log('\nper request from Node (one state call in each; p50 / p99)')
  for (const op of ['read', 'admit'])
    for (const impl of ['memory', 'do']) {
      const seq: number[] = []
      for (let i = 0; i < N; i++) {
        const t = performance.now()
        await get(`/one?impl=${impl}&op=${op}`)
        seq.push(performance.now() - t)
      }
      const par: number[] = []
      for (let i = 0; i < N; i += 50)
        await Promise.all(
          Array.from({ length: 50 }, async () => {
            const t = performance.now()
            await get(`/one?impl=${impl}&op=${op}`)
            par.push(performance.now() - t)
          }),
        )
      const name = impl === 'do' ? 'Durable Object' : 'memory'
      console.log(`  ${op.padEnd(6)} ${name.padEnd(15)} sequential ${f(pct(seq, 50))} / ${f(pct(seq, 99))}   50 at a time ${f(pct(par, 50))} / ${f(pct(par, 99))}`)
    }
} finally {
  await mf.dispose()
  rmSync(dir, { recursive: true, force: true })
}
