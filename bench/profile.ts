import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { list, num, option } from './args'
import { bundleModules, renderSummary, summarise, type CpuProfile, type ModuleMap, type SourceLines } from './cpuprofile'
import { machine } from './machine'
import { load } from './measure'
import { installCleanup, pinSelf, waitQuiet } from './procs'
import { SCENARIOS } from './scenarios'
import { applyRef } from './snapshot'
import { startNodeGateway, startUpstream, useReadableBundles } from './targets'

/**
 * CPU profiles of the gateway on the Node adapter under load:
 *   npm run bench -- --profile [--seconds 8] [--scenarios oai-oai-stream,oai-ant-stream,...] [--out /tmp/prof]
 *   npm run bench -- --profile --summarise /tmp/prof/<run>      (the summary again from saved profiles)
 *   (or: npx tsx bench/profile.ts …)
 * Per scenario the gateway (an esbuild bundle of adapters/node.ts, as `npm run start:node` runs it) is started
 * with `node --cpu-prof` on core 1,
 * warmed up, loaded with autocannon (10 connections) from core 0, then stopped with SIGTERM so the
 * profile is written. The summary counts only samples taken during the load window.
 * Profiles and summary.md stay under --out (default /tmp/prof/<time>); nothing is written to the repo.
 */
/**
 * The gateway runs as an esbuild bundle: keep a copy of each bundle the profile
 * ran (for --summarise later) and map its lines back to source modules.
 */
function keepBundles(profile: CpuProfile, dir: string): { modules: ModuleMap; copies: Record<string, string> } {
  const modules: ModuleMap = new Map()
  const copies: Record<string, string> = {}
  const urls = new Set(profile.nodes.map((n) => n.callFrame.url).filter((u) => u.startsWith('file://') && !u.includes('/node_modules/')))
  for (const url of urls) {
    const path = fileURLToPath(url)
    if (!existsSync(path)) continue
    const source = readFileSync(path, 'utf8')
    const starts = bundleModules(source)
    if (!starts.length) continue
    const copy = `bundle-${Object.keys(copies).length}-${path.split('/').pop()}`
    writeFileSync(join(dir, copy), source)
    copies[url] = copy
    modules.set(url, starts)
  }
  return { modules, copies }
}

function loadBundles(dir: string, copies: Record<string, string> = {}): ModuleMap {
  return new Map(Object.entries(copies).map(([url, copy]) => [url, bundleModules(readFileSync(join(dir, copy), 'utf8'))]))
}

/** Source lines by url: the saved bundle copies first, else the file on disk (node_modules). */
function sourceLines(dir: string, copies: Record<string, string> = {}): SourceLines {
  const cache = new Map<string, string[] | undefined>()
  return (url) => {
    if (!cache.has(url)) {
      const path = copies[url] ? join(dir, copies[url]) : url.startsWith('file://') ? fileURLToPath(url) : undefined
      cache.set(url, path && existsSync(path) ? readFileSync(path, 'utf8').split('\n') : undefined)
    }
    return cache.get(url)
  }
}

/** `--summarise DIR`: the summary again, from profiles a previous run left in DIR (e.g. after changing the categories). */
function resummarise(out: string) {
  const parts: string[] = []
  for (const sub of readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const dir = join(out, sub.name)
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
    const file = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0]
    if (!file || !existsSync(join(dir, 'window.json'))) continue
    const w = JSON.parse(readFileSync(join(dir, 'window.json'), 'utf8'))
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    const modules = loadBundles(dir, w.bundles)
    parts.push(renderSummary(`${w.scenario}: ${w.title} — ${w.rps.toFixed(0)} req/s under the profiler`, summarise(profile, w.fromUs, w.toUs, modules, sourceLines(dir, w.bundles))))
  }
  console.log(parts.join('\n'))
}

export async function main() {
  installCleanup()
  const again = option('summarise')
  if (again) return resummarise(again)
  await applyRef(option('ref'))
  useReadableBundles()
  const seconds = num('seconds', 8)
  const connections = num('connections', 10)
  const ids = list('scenarios') ?? ['oai-oai-stream', 'oai-oai', 'oai-ant-stream', 'oai-ant', 'ant-oai-stream']
  const scenarios = SCENARIOS.filter((s) => ids.includes(s.id))
  const out = option('out') ?? join('/tmp/prof', new Date().toISOString().replace(/[:.]/g, '-'))
  pinSelf(0)
  const upstream = await startUpstream(0)
  const m = machine()
  const parts: string[] = [
    `# CPU profiles of the gateway (Node adapter), ${seconds} s of load at ${connections} connections per scenario`,
    '',
    `${m.date} · commit ${m.revision} · ${m.cpu}, ${m.cores} cores · Node ${m.node}`,
    '',
  ]
  try {
    for (const sc of scenarios) {
      const dir = join(out, sc.id)
      mkdirSync(dir, { recursive: true })
      const gw = await startNodeGateway(upstream.url, 1, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
      let fromUs = 0
      let toUs = 0
      let rps = 0
      try {
        await load(gw.url, sc.gateway, connections, 2) // warm-up
        await waitQuiet(num('quiet-wait', 30)) // others' CPU on the machine would skew the profile
        fromUs = Number(process.hrtime.bigint() / 1000n)
        rps = (await load(gw.url, sc.gateway, connections, seconds)).rps
        toUs = Number(process.hrtime.bigint() / 1000n)
      } finally {
        await gw.stop() // SIGTERM: the adapter closes and exits, node writes the profile
      }
      // One profile per thread (a module loader may run in a worker); the main thread is thread 0.
      const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
      const file = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0]
      if (!file) {
        parts.push(`### ${sc.id}: no profile written`, '')
        continue
      }
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
      const { modules, copies } = keepBundles(profile, dir)
      writeFileSync(join(dir, 'window.json'), JSON.stringify({ scenario: sc.id, title: sc.title, fromUs, toUs, rps, bundles: copies }))
      const summary = summarise(profile, fromUs, toUs, modules, sourceLines(dir, copies))
      const md = renderSummary(`${sc.id}: ${sc.title} — ${rps.toFixed(0)} req/s under the profiler`, summary)
      console.log(md)
      parts.push(md, `Profile: ${join(dir, file)}`, '')
    }
  } finally {
    await upstream.stop()
  }
  writeFileSync(join(out, 'summary.md'), parts.join('\n'))
  console.log(`profiles and summary.md in ${out}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
