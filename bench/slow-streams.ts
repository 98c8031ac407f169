import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Pool } from 'undici'
import { list, num } from './args'
import { slowText } from './fake-upstream'
import { heapAfterGc, inspectorUrl, memoryUsage, type MemoryUsage } from './inspector'
import { machine } from './machine'
import { percentile } from './measure'
import { installCleanup, listenOverflows, pinSelf, ROOT, rssOf, rssSampler, sleep } from './procs'
import { SCENARIOS, type HttpCall } from './scenarios'
import { startNodeTarget, startUpstream } from './targets'
import { checkAnswer } from './verify'

/**
 * npm run bench -- --streams [--count 1000] [--waves 3] [--interval-ms 100] [--chunks 100] [--settle-ms 6000]
 *                            [--scenarios oai-oai-stream,oai-ant-stream,ant-oai-stream]
 *                            [--target node|raw|hono] [--breakdown] [--one-process]
 *
 * Many concurrent slow streams through the gateway on the Node adapter: the
 * fake upstream sends one content chunk every interval. Per wave: whether every
 * stream arrived whole (all chunks, in order, properly ended), how long clients
 * waited for response headers (queueing) and for the whole stream, the
 * gateway's RSS before / peak / after, and its V8 heap after a forced full GC
 * (through the inspector) once the wave's connections are gone. A flat heap
 * across waves means completed streams leave nothing behind.
 */
interface Wave {
  scenario: string
  wave: number
  ok: number
  problems: string[]
  headersP50: number
  headersMax: number
  queued: number
  /** Connections the kernel dropped during the wave because an accept queue was full (retried by the client after 1 s). */
  overflows: number
  durP50: number
  durMax: number
  before: number
  peak: number
  after: number
  heapAfter: number
  /** Halfway through the wave (--breakdown): memoryUsage() and V8's heap spaces (no GC forced, so the peak is undisturbed). */
  mid?: MemoryUsage
}

function fdLimit(): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))
  return m ? Number(m[1]) : Infinity
}

async function wave(origin: string, call: HttpCall, count: number, expected: string, maxMs: number) {
  const pool = new Pool(origin, { connections: count, pipelining: 1, headersTimeout: maxMs, bodyTimeout: 60_000, keepAliveTimeout: 1000 })
  const problems: string[] = []
  const headers: number[] = []
  const durations: number[] = []
  let ok = 0
  const one = async () => {
    const t0 = performance.now()
    try {
      const res = await pool.request({ method: 'POST', path: call.path, headers: call.headers, body: call.body })
      headers.push(performance.now() - t0)
      const text = await res.body.text()
      const problem = res.statusCode !== 200 ? `status ${res.statusCode}` : checkAnswer(call.wire, true, text, expected)
      if (problem) problems.push(problem)
      else ok++
    } catch (err) {
      problems.push((err as Error).message)
    }
    durations.push(performance.now() - t0)
  }
  const all: Promise<void>[] = []
  // Open the streams over ~0.4 s (50 every 20 ms) rather than in one burst of connects.
  for (let i = 0; i < count; i += 50) {
    for (let j = i; j < Math.min(count, i + 50); j++) all.push(one())
    await sleep(20)
  }
  const timedOut = await Promise.race([Promise.all(all).then(() => false), sleep(maxMs).then(() => true)])
  if (timedOut) problems.push(`wave did not finish within ${maxMs / 1000} s (${count - durations.length} streams still open)`)
  await pool.destroy()
  headers.sort((a, b) => a - b)
  durations.sort((a, b) => a - b)
  return {
    ok,
    problems,
    headersP50: percentile(headers, 50),
    headersMax: headers[headers.length - 1] ?? NaN,
    queued: headers.filter((h) => h > 1000).length,
    durP50: percentile(durations, 50),
    durMax: durations[durations.length - 1] ?? NaN,
  }
}

const mb = (b: number) => (b / 2 ** 20).toFixed(1)
const s = (ms: number) => (ms / 1000).toFixed(2)

export async function main() {
  installCleanup()
  const count = num('count', 1000)
  const waves = Math.max(1, num('waves', 3))
  const intervalMs = num('interval-ms', 100)
  const chunks = num('chunks', 100)
  const settleMs = num('settle-ms', 6000)
  const ids = list('scenarios') ?? ['oai-oai-stream', 'oai-ant-stream', 'ant-oai-stream']
  const target = (list('target')?.[0] ?? 'node') as 'node' | 'raw' | 'hono'
  if (!['node', 'raw', 'hono'].includes(target)) throw new Error(`--target ${target}: expected node, raw or hono`)
  const breakdown = process.argv.includes('--breakdown')
  const onePro = process.argv.includes('--one-process')
  const scenarios = SCENARIOS.filter((sc) => sc.stream && ids.includes(sc.id))
  if (!scenarios.length) throw new Error('no stream scenarios selected')
  if (fdLimit() < 2 * count + 200)
    throw new Error(`open-file limit ${fdLimit()} is too low for ${count} streams; raise it first (ulimit -n ${4 * count}) and rerun`)
  const m = machine()
  pinSelf(0)

  const upstream = await startUpstream(0, ['--slow-interval-ms', String(intervalMs), '--slow-chunks', String(chunks)])
  const callOf = (sc: (typeof SCENARIOS)[number]) => (target === 'node' ? sc.gateway : sc.plain)
  const expected = slowText(chunks)
  const streamMs = intervalMs * chunks
  const maxMs = streamMs * 5 + 60_000
  const results: Wave[] = []
  const warmed: string[] = []
  const began = performance.now()
  // By default each scenario gets a gateway process of its own (its waves share it: growth from one wave to
  // the next is the leak check); --one-process runs every scenario back to back in one process.
  const groups = onePro ? [scenarios] : scenarios.map((sc) => [sc])
  try {
    for (const group of groups) {
      const gateway = await startNodeTarget(target, upstream.url, 1, ['--inspect=127.0.0.1:0'])
      try {
        const pid = gateway.memoryPids()[0]!
        const ws = inspectorUrl(gateway.output?.() ?? '')
        const heap = async () => (ws ? (await heapAfterGc(ws)).used : NaN)
        // Warm-up: JSON answers come at once even in slow mode; loads the code paths.
        const warm = new Pool(gateway.url, { connections: 10 })
        for (const sc of group) {
          const json = callOf(SCENARIOS.find((x) => x.id === sc.id.replace(/-stream$/, ''))!)
          await Promise.all(Array.from({ length: 200 }, () => warm.request({ method: 'POST', path: json.path, headers: json.headers, body: json.body }).then((r) => r.body.text())))
        }
        await warm.destroy()
        await sleep(settleMs)
        warmed.push(`${group.map((sc) => sc.id).join(', ')}: RSS ${mb(rssOf([pid]))} MB, heap ${mb(await heap())} MB`)
        for (const sc of group) {
          for (let w = 1; w <= waves; w++) {
            const before = rssOf([pid])
            const sampler = rssSampler([pid], 100)
            const overflows0 = listenOverflows()
            process.stdout.write(`${sc.id} wave ${w}/${waves}: ${count} streams … `)
            const running = wave(gateway.url, callOf(sc), count, expected, maxMs)
            let mid: Wave['mid']
            if (breakdown && ws) {
              await sleep(streamMs / 2)
              mid = await memoryUsage(ws)
            }
            const r = await running
            const peak = sampler.stop()
            const overflows = listenOverflows() - overflows0
            await sleep(settleMs)
            const heapAfter = await heap()
            const after = rssOf([pid])
            const problems = [...new Set(r.problems)].slice(0, 3)
            results.push({ scenario: sc.id, wave: w, ...r, overflows, problems, before, peak, after, heapAfter, mid })
            console.log(
              `${r.ok}/${count} whole, headers p50 ${s(r.headersP50)} s max ${s(r.headersMax)} s (${overflows} accept-queue overflows), duration p50 ${s(r.durP50)} s max ${s(r.durMax)} s, ` +
                `RSS peak ${mb(peak)} MB after ${mb(after)} MB, heap after GC ${mb(heapAfter)} MB` +
                (mid
                  ? `; halfway: RSS ${mb(mid.rss)} MB = heap ${mb(mid.heapTotal)} (used ${mb(mid.heapUsed)}; ` +
                    Object.entries(mid.spaces)
                      .filter(([, sp]) => sp.size > 2 ** 20)
                      .map(([name, sp]) => `${name} ${mb(sp.used)}/${mb(sp.size)}`)
                      .join(', ') +
                    `) + external ${mb(mid.external)} (array buffers ${mb(mid.arrayBuffers)}) + other ${mb(mid.rss - mid.heapTotal - mid.external)}`
                  : '') +
                (problems.length ? `, problems: ${problems.join('; ')}` : ''),
            )
          }
        }
      } finally {
        await gateway.stop()
      }
    }
  } finally {
    await upstream.stop()
  }

  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.wave} | ${r.ok}/${count}${r.problems.length ? ` (${r.problems.join('; ').replace(/\|/g, '/')})` : ''} | ` +
      `${s(r.headersP50)} / ${s(r.headersMax)} | ${r.queued} | ${r.overflows} | ${s(r.durP50)} / ${s(r.durMax)} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.after)} | ${mb(r.heapAfter)} |`,
  )
  const growth = scenarios.map((sc) => {
    const mine = results.filter((r) => r.scenario === sc.id)
    const first = mine[0]
    const last = mine[mine.length - 1]
    if (!first || !last || mine.length < 2) return `- ${sc.id}: one wave only`
    const streams = (mine.length - 1) * count
    const dh = last.heapAfter - first.heapAfter
    const dr = last.after - first.after
    return (
      `- ${sc.id}: heap after GC, wave ${last.wave} − wave 1 = ${dh >= 0 ? '+' : ''}${mb(dh)} MB over ${streams} further completed streams ` +
      `(${(dh / streams).toFixed(0)} bytes per stream); RSS after ${dr >= 0 ? '+' : ''}${mb(dr)} MB`
    )
  })
  const whole = results.reduce((n, r) => n + r.ok, 0)
  const md = [
    `# Slow streams through ${target === 'node' ? 'the gateway (Node adapter)' : target === 'raw' ? 'the raw node:http forwarder' : 'the bare Hono forwarder'}`,
    '',
    `${m.date} · commit ${m.revision} · ${m.cpu}, ${m.cores} cores · Node ${m.node}`,
    '',
    `${count} concurrent streams per wave, ${waves} wave(s) per scenario; the fake upstream sends ${chunks} chunks, one every ${intervalMs} ms ` +
      `(${s(streamMs)} s per stream when nothing queues). Client (undici Pool, one connection per stream) and upstream on core 0, gateway on core 1. ` +
      `"Whole" = status 200, every chunk's text present and in order, and the protocol's proper end ([DONE] after a finish_reason / message_stop). ` +
      `"Queued" = streams whose response headers took over 1 s; "accept-queue overflows" = connections the kernel dropped meanwhile because a listener's backlog was full (TcpExt ListenOverflows, machine-wide; the client retries after 1 s). RSS and heap "after" are taken ${settleMs / 1000} s after the wave, once its connections are closed; ` +
      `the heap after two forced full GCs (inspector). ` +
      (onePro
        ? 'All scenarios run back to back in one gateway process (--one-process). '
        : "Each scenario runs in a gateway process of its own, started fresh; its waves share it. ") +
      `After warm-up: ${warmed.join('; ')}.`,
    '',
    '| scenario | wave | whole streams | headers p50 / max s | queued | accept-queue overflows | duration p50 / max s | RSS before MB | peak RSS MB | RSS after MB | heap after GC MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...growth,
    '',
    `${whole} of ${results.length * count} streams whole. Total time ${Math.round((performance.now() - began) / 1000)} s.`,
    '',
  ].join('\n')
  console.log(`\n${md}`)
  mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true })
  const file = `bench/results/streams-${target === 'node' ? 'latest' : target}.md`
  writeFileSync(resolve(ROOT, file), md)
  console.log(`written to ${file}`)
}
