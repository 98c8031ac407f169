import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus } from 'node:os'
import { resolve } from 'node:path'

/** Repository root (bench/..). */
export const ROOT = resolve(import.meta.dirname, '..')
export const BIN = resolve(ROOT, 'node_modules/.bin')

/** Every process group this run started; all of them are killed on exit, error or signal. */
const live = new Set<ChildProcess>()

export interface Launched {
  url: string
  child: ChildProcess
  pid: number
  /** The last lines the process printed (for error messages). */
  output(): string
}

export interface LaunchOptions {
  /** CPU core to pin the process (and everything it spawns) to with taskset. */
  core: number
  env: Record<string, string>
  /** How the process says it is up; group 1 is the URL. Omit to poll `readyUrl`. */
  ready?: RegExp
  /** Polled (GET) until it answers, when `ready` is not given. */
  readyUrl?: string
  timeoutMs?: number
  /** Working directory (the repository unless measuring a snapshot). */
  cwd?: string
}

/** A minimal environment: no provider keys or .env settings leak in from the shell. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TERM', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME'])
    if (process.env[k]) env[k] = process.env[k]!
  env.PATH = `${BIN}:${env.PATH ?? '/usr/bin:/bin'}`
  return { ...env, ...extra }
}

/**
 * Starts `cmd` pinned to one core, in its own process group (so the whole tree
 * can be stopped), and waits until it is ready.
 */
export function launch(cmd: string[], o: LaunchOptions): Promise<Launched> {
  const child = spawn('taskset', ['-c', String(o.core), ...cmd], {
    cwd: o.cwd ?? ROOT,
    env: o.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let out = ''
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000)
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const output = () => out
  const timeoutMs = o.timeoutMs ?? 60_000
  return new Promise((ok, fail) => {
    let settled = false
    const done = (err: Error | null, url?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearInterval(poll)
      if (err) {
        killGroup(child, 'SIGKILL')
        fail(err)
      } else ok({ url: url!, child, pid: child.pid!, output })
    }
    const timer = setTimeout(() => done(new Error(`${cmd.join(' ')}: not ready within ${timeoutMs} ms\n${out}`)), timeoutMs)
    child.once('exit', (code, signal) => done(new Error(`${cmd.join(' ')} exited (${code ?? signal}) before it was ready\n${out}`)))
    child.once('error', (err) => done(err))
    if (o.ready) {
      const re = o.ready
      const check = () => {
        const m = re.exec(out)
        if (m) done(null, m[1])
      }
      child.stdout!.on('data', check)
      child.stderr!.on('data', check)
    }
    const poll = setInterval(() => {
      if (!o.readyUrl || o.ready) return
      const url = o.readyUrl
      fetch(url, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.arrayBuffer().then(() => done(null, new URL(url).origin)),
        () => {},
      )
    }, 250)
  })
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {}
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`. Resolves once the leader has exited. */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL') // stragglers in its group
    return
  }
  const exited = new Promise((r) => child.once('exit', r))
  killGroup(child, 'SIGTERM')
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
  await exited
  clearTimeout(t)
  try {
    process.kill(-child.pid!, 'SIGKILL') // children the leader left behind (workerd under wrangler)
  } catch {}
}

/** Synchronous last resort: kill every group we started. */
export function killAll(): void {
  for (const child of live) {
    if (!child.pid) continue
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }
  live.clear()
}

let handlersInstalled = false
/** Kill everything on exit, Ctrl-C, SIGTERM or a crash. */
export function installCleanup(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', killAll)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(sig, () => {
      console.error(`\n${sig}: stopping every process the bench started`)
      killAll()
      process.exit(130)
    })
  process.on('uncaughtException', (err) => {
    console.error(err)
    killAll()
    process.exit(1)
  })
  process.on('unhandledRejection', (err) => {
    console.error(err)
    killAll()
    process.exit(1)
  })
}

/** Pins this process (all its threads) to one core. */
export function pinSelf(core: number): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' })
  if (r.status !== 0) console.warn(`warning: could not pin the load generator to core ${core}`)
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** The process and its descendants (wrangler → workerd), from /proc. */
export function processTree(root: number): number[] {
  const parent = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(name), ppid)
    } catch {}
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid)
  return tree
}

/** Current resident set (VmRSS) summed over the given processes, bytes. */
export const rssOf = (pids: number[]) => pids.reduce((s, p) => s + statusField(p, 'VmRSS'), 0)
/** Peak resident set (VmHWM) summed over the given processes, bytes. */
export const hwmOf = (pids: number[]) => pids.reduce((s, p) => s + statusField(p, 'VmHWM'), 0)

/** Samples VmRSS of a process tree every `everyMs` until stopped; returns the peak seen. */
export function rssSampler(pids: number[], everyMs = 100): { stop(): number; peak(): number } {
  let peak = rssOf(pids)
  const t = setInterval(() => {
    peak = Math.max(peak, rssOf(pids))
  }, everyMs)
  return {
    peak: () => peak,
    stop() {
      clearInterval(t)
      peak = Math.max(peak, rssOf(pids))
      return peak
    },
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** CPU time (user + system, clock ticks) used so far by the given processes. */
export function cpuTicksOf(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(f[11]) + Number(f[12]) // utime, stime
    } catch {}
  }
  return ticks
}

/** Busy CPU ticks of the whole machine, all cores (from /proc/stat). */
export function machineBusyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!
}

/**
 * Measures how much CPU processes other than ours used over an interval, as a
 * share of all cores: the bench shares the machine with whatever else runs.
 */
export function foreignCpu(ours: () => number[]): { stop(): number } {
  const t0 = performance.now()
  const busy0 = machineBusyTicks()
  const mine0 = cpuTicksOf(ours())
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000
      const foreign = machineBusyTicks() - busy0 - (cpuTicksOf(ours()) - mine0)
      return Math.max(0, foreign / (seconds * 100 * cpus().length))
    },
  }
}

/**
 * Waits (at most `maxS` seconds) until the machine is quiet: less than
 * `threshold` of all cores busy over half a second while the bench itself is
 * idle. Returns the seconds waited. Others' builds and tests skew every figure.
 */
export async function waitQuiet(maxS: number, threshold = 0.1): Promise<number> {
  const t0 = performance.now()
  while ((performance.now() - t0) / 1000 < maxS) {
    const b0 = machineBusyTicks()
    const s0 = performance.now()
    await sleep(500)
    const share = (machineBusyTicks() - b0) / (((performance.now() - s0) / 1000) * 100 * cpus().length)
    if (share < threshold) break
  }
  return (performance.now() - t0) / 1000
}

/** Machine-wide count of connections dropped because a listener's accept queue was full (TcpExt ListenOverflows). */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'))
  const keys = lines[0]?.split(/\s+/) ?? []
  const values = lines[1]?.split(/\s+/) ?? []
  const i = keys.indexOf('ListenOverflows')
  return i > 0 ? Number(values[i]) : NaN
}
