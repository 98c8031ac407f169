import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { flag, list, num, option } from './args'
import { TEXT_CHUNKS } from './fake-upstream'
import { machine, revision } from './machine'
import { load, once, ttfb } from './measure'
import { foreignCpu, hwmOf, installCleanup, pinSelf, ROOT, rssOf, rssSampler, waitQuiet } from './procs'
import { renderReport, type MemorySample, type Sample, type Settings } from './report'
import { SCENARIOS } from './scenarios'
import { applyRef, baselineSnapshot } from './snapshot'
import { baselineTarget, startUpstream, TARGETS, type Target, type TargetId } from './targets'
import { checkAnswer } from './verify'

/**
 * npm run bench                       the side-by-side run (3 rounds)
 * npm run bench -- --quick            one short round
 * npm run bench -- --rounds 5 --duration 10 --warmup 2 --connections 10 --ttfb 200 --quiet-wait 30
 * npm run bench -- --targets raw,hono,node --scenarios oai-oai,oai-oai-stream
 * npm run bench -- --ref HEAD          measure a commit's gateway code, not the working tree (any mode)
 * npm run bench -- --baseline main~3   also measure that commit's gateway, in the same run (before and after)
 * npm run bench -- --streams          1,000 slow streams through the Node adapter (bench/slow-streams.ts)
 * npm run bench -- --profile          CPU profiles of the Node adapter under load (bench/profile.ts)
 */
const LOADGEN_CORE = 0
const PROXY_CORE = 1

async function main() {
  installCleanup()
  await applyRef(option('ref'))
  if (flag('streams')) return (await import('./slow-streams')).main()
  if (flag('profile')) return (await import('./profile')).main()
  const quick = flag('quick')
  const settings: Settings = {
    rounds: num('rounds', quick ? 1 : 3),
    duration: num('duration', quick ? 2 : 5),
    warmup: num('warmup', quick ? 1 : 2),
    connections: num('connections', 10),
    ttfbCount: num('ttfb', quick ? 50 : 200),
    quietWait: num('quiet-wait', quick ? 5 : 30),
    maxOther: num('max-other', 0.1),
    retries: num('retries', quick ? 0 : 2),
    targets: (list('targets') as TargetId[] | undefined) ?? TARGETS.map((t) => t.id),
    scenarios: list('scenarios') ?? SCENARIOS.map((s) => s.id),
  }
  const targets: Target[] = TARGETS.filter((t) => settings.targets.includes(t.id))
  const baseline = option('baseline')
  if (baseline) {
    const snap = baselineSnapshot(baseline)
    const at = targets.findIndex((t) => t.id === 'node')
    targets.splice(at === -1 ? targets.length : at, 0, baselineTarget(snap.dir, snap.sha))
    settings.targets = targets.map((t) => t.id)
  }
  const scenarios = SCENARIOS.filter((s) => settings.scenarios.includes(s.id))
  if (!targets.length || !scenarios.length) throw new Error('no targets or no scenarios selected')
  const began = performance.now()
  const measured = machine() // the code as it was when the run began
  pinSelf(LOADGEN_CORE)

  const upstream = await startUpstream(LOADGEN_CORE)
  const expected = TEXT_CHUNKS.join('')
  const samples: Sample[] = []
  const memory: MemorySample[] = []
  try {
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const target of order) {
        console.log(`round ${round + 1}/${settings.rounds}: ${target.label}`)
        const running = await target.start(upstream.url, PROXY_CORE).catch((err: Error) => {
          const error = `did not start: ${err.message.split('\n')[0]}`
          console.log(`  ${error}`)
          for (const sc of scenarios) samples.push({ round, target: target.id, scenario: sc.id, error })
          return undefined
        })
        if (!running) continue
        try {
          const pids = running.memoryPids()
          const idleRss = rssOf(pids)
          for (const sc of scenarios) {
            const call = target.gateway ? sc.gateway : sc.plain
            const sample: Sample = { round, target: target.id, scenario: sc.id }
            samples.push(sample)
            const first = await once(running.url, call).catch((err: Error) => ({ status: 0, text: err.message }))
            const problem = first.status !== 200 ? `status ${first.status}: ${first.text.slice(0, 160)}` : checkAnswer(call.wire, sc.stream, first.text, expected)
            if (problem) {
              sample.error = problem
              console.log(`  ${sc.id.padEnd(16)} FAILED: ${problem}`)
              continue
            }
            const rss = rssSampler(pids)
            // Measured again (at most `retries` times) when other processes took more than `maxOther` of the machine meanwhile.
            for (let attempt = 0; ; attempt++) {
              const waited = settings.quietWait > 0 ? await waitQuiet(settings.quietWait) : 0
              if (waited > 1) console.log(`  (waited ${waited.toFixed(0)} s for other processes to go quiet)`)
              if (settings.warmup > 0) await load(running.url, call, settings.connections, settings.warmup)
              const other = foreignCpu(() => [process.pid, ...upstream.allPids(), ...running.allPids()])
              sample.load = await load(running.url, call, settings.connections, settings.duration)
              sample.otherCpu = other.stop()
              if (sample.otherCpu <= settings.maxOther || attempt >= settings.retries) break
              console.log(`  ${sc.id.padEnd(16)} other processes used ${(100 * sample.otherCpu).toFixed(0)}% CPU: measuring again`)
            }
            sample.ttfb = await ttfb(running.url, call, settings.ttfbCount)
            sample.peakRss = pids.length ? rss.stop() : (rss.stop(), undefined)
            const l = sample.load
            console.log(
              `  ${sc.id.padEnd(16)} ${l.rps.toFixed(0).padStart(6)} req/s  p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms` +
                (sample.ttfb ? `  one connection p50 ${sample.ttfb.wholeP50.toFixed(2)} ms` : '') +
                (sample.ttfb && sc.stream ? ` (first byte ${sample.ttfb.p50.toFixed(2)} ms)` : '') +
                (sample.peakRss ? `  rss ${(sample.peakRss / 2 ** 20).toFixed(0)} MB` : '') +
                (l.errors + l.non2xx ? `  ⚠ ${l.errors} errors, ${l.non2xx} non-2xx` : '') +
                (sample.otherCpu > 0.05 ? `  (other processes: ${(100 * sample.otherCpu).toFixed(0)}% CPU)` : ''),
            )
          }
          if (pids.length) memory.push({ round, target: target.id, idleRss, hwm: hwmOf(pids), treeRss: rssOf(running.allPids()) })
        } finally {
          await running.stop()
        }
      }
    }
  } finally {
    await upstream.stop()
  }

  const now = revision()
  if (now !== measured.revision) measured.revision += ` (⚠ the code changed during the run; at the end: ${now})`
  const md = renderReport({ machine: measured, settings, targets, scenarios, samples, memory, seconds: (performance.now() - began) / 1000 })
  console.log(`\n${md}`)
  const dir = resolve(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(resolve(dir, 'latest.md'), md)
  writeFileSync(resolve(dir, 'latest.json'), JSON.stringify({ settings, samples, memory }, null, 1))
  console.log(`written to bench/results/latest.md`)
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
