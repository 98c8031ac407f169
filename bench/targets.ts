import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { baseEnv, freePort, launch, processTree, ROOT, stop } from './procs'
import { CLIENT_KEY, UPSTREAM_KEYS } from './scenarios'
import { list } from './args'

export type TargetId = 'direct' | 'raw' | 'hono' | 'node' | 'workerd' | 'base'

export interface Running {
  url: string
  /** The processes whose memory is the proxy's (empty for direct). */
  memoryPids(): number[]
  /** Everything the target started (wrangler's tree), for the notes. */
  allPids(): number[]
  stop(): Promise<void>
  /** What the process printed lately. */
  output?(): string
}

export interface Target {
  id: TargetId
  label: string
  /** Whether it is the gateway (gets the client request) or a plain forwarder (gets the upstream request). */
  gateway: boolean
  start(upstream: string, core: number): Promise<Running>
}

/** Gateway settings: both providers on the fake upstream, a client key, no logging. */
export function gatewaySettings(upstream: string): Record<string, string> {
  return {
    OPENAI_API_KEY: UPSTREAM_KEYS.openai,
    OPENAI_BASE_URL: `${upstream}/v1`,
    ANTHROPIC_API_KEY: UPSTREAM_KEYS.anthropic,
    ANTHROPIC_BASE_URL: upstream,
    PROXY_API_KEYS: CLIENT_KEY,
    LOG_LEVEL: 'silent',
    ...extraSettings(),
  }
}

/** `--settings CAPTURE=on,CAPTURE_DIR=/tmp/x`: more settings for the gateway targets (measuring a feature switched on). */
function extraSettings(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of list('settings') ?? []) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new Error(`--settings takes NAME=value pairs, got ${pair}`)
    out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return out
}

const LISTENING = /listening on (http:\/\/\S+)/

/** Where the gateway's code is run from: the repository, or a snapshot of one commit (`--ref`). */
let gatewayRoot = ROOT
export function useGatewayRoot(dir: string) {
  gatewayRoot = dir
}

/**
 * A TypeScript entry bundled and run by plain node, as `npm run start:node` runs the gateway
 * (scripts/build-node.mjs; no loader in the measured process: signals, CPU and RSS are the
 * program's own). Every Node target is built the same way; a `--ref` snapshot too, with the
 * working tree's build script.
 */
function compile(file: string, cwd: string): string {
  const out = `dist/bench/${basename(file, '.ts')}.mjs`
  execFileSync('node', [resolve(ROOT, 'scripts/build-node.mjs'), file, out, ...(readableBundles ? ['--readable'] : [])], { cwd, stdio: 'inherit' })
  return out
}

let readableBundles = false
/** Bundles keep whitespace and module markers (profile mode maps samples to source modules by them). */
export function useReadableBundles() {
  readableBundles = true
}

async function nodeProcess(file: string, env: Record<string, string>, core: number, nodeArgs: string[] = [], cwd = ROOT): Promise<Running> {
  const p = await launch(['node', ...nodeArgs, compile(file, cwd)], { core, env: baseEnv(env), ready: LISTENING, cwd })
  return { url: p.url, memoryPids: () => [p.pid], allPids: () => processTree(p.pid), stop: () => stop(p.child), output: p.output }
}

/** `npm start` (wrangler dev) as package.json has it, plus a port and the settings as --var flags. */
async function wranglerDev(upstream: string, core: number): Promise<Running> {
  const script = JSON.parse(readFileSync(resolve(gatewayRoot, 'package.json'), 'utf8')).scripts.start as string
  const port = await freePort()
  const vars = Object.entries(gatewaySettings(upstream)).map(([k, v]) => `--var ${k}:${v}`)
  const command = `exec env ${script} --port ${port} --inspector-port ${await freePort()} --show-interactive-dev-session=false ${vars.join(' ')}`
  const p = await launch(['sh', '-c', command], {
    core,
    env: baseEnv({ CI: '1' }),
    readyUrl: `http://127.0.0.1:${port}/health`,
    timeoutMs: 120_000,
    cwd: gatewayRoot,
  })
  const workerd = () => processTree(p.pid).filter((pid) => comm(pid) === 'workerd')
  return { url: p.url, memoryPids: workerd, allPids: () => processTree(p.pid), stop: () => stop(p.child, 8000) }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}

export const TARGETS: Target[] = [
  {
    id: 'direct',
    label: 'direct (no proxy)',
    gateway: false,
    start: async (upstream) => ({ url: upstream, memoryPids: () => [], allPids: () => [], stop: async () => {} }),
  },
  { id: 'raw', label: 'raw node:http forwarder', gateway: false, start: (u, core) => nodeProcess('bench/raw-forwarder.ts', { UPSTREAM_URL: u, PORT: '0' }, core) },
  { id: 'hono', label: 'bare Hono forwarder', gateway: false, start: (u, core) => nodeProcess('bench/hono-forwarder.ts', { UPSTREAM_URL: u, PORT: '0' }, core) },
  {
    id: 'node',
    label: 'gateway, Node adapter',
    gateway: true,
    start: (u, core) => nodeProcess('adapters/node.ts', { ...gatewaySettings(u), HOST: '127.0.0.1', PORT: '0' }, core, [], gatewayRoot),
  },
  { id: 'workerd', label: 'gateway, wrangler dev (workerd)', gateway: true, start: wranglerDev },
]

/**
 * `--baseline <ref>`: the gateway as of another commit, on the Node adapter, measured in the same run
 * as the working tree (before and after a change, under the same conditions).
 */
export function baselineTarget(dir: string, sha: string): Target {
  return {
    id: 'base',
    label: `gateway at ${sha} (baseline), Node adapter`,
    gateway: true,
    start: (u, core) => nodeProcess('adapters/node.ts', { ...gatewaySettings(u), HOST: '127.0.0.1', PORT: '0' }, core, [], dir),
  }
}

/** Starts the gateway on the Node adapter with extra node flags (profiling). */
export const startNodeGateway = (upstream: string, core: number, nodeArgs: string[] = []) =>
  nodeProcess('adapters/node.ts', { ...gatewaySettings(upstream), HOST: '127.0.0.1', PORT: '0' }, core, nodeArgs, gatewayRoot)

/** Starts a Node target (the gateway or a plain forwarder) with extra node flags. */
export function startNodeTarget(id: 'node' | 'raw' | 'hono', upstream: string, core: number, nodeArgs: string[] = []): Promise<Running> {
  if (id === 'node') return startNodeGateway(upstream, core, nodeArgs)
  return nodeProcess(id === 'raw' ? 'bench/raw-forwarder.ts' : 'bench/hono-forwarder.ts', { UPSTREAM_URL: upstream, PORT: '0' }, core, nodeArgs)
}

/** Starts the fake upstream (optionally slow: `--slow-interval-ms 100 --slow-chunks 100`) on a core. */
export async function startUpstream(core: number, args: string[] = []): Promise<Running> {
  const p = await launch(['node', '--import', 'tsx', 'bench/fake-upstream.ts', ...args], { core, env: baseEnv(), ready: LISTENING })
  return { url: p.url, memoryPids: () => [p.pid], allPids: () => processTree(p.pid), stop: () => stop(p.child) }
}
