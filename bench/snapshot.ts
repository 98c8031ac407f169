import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { resolve } from 'node:path'
import { ROOT } from './procs'

/**
 * `--ref <commit>`: measure the gateway as committed, not the working tree.
 * Extracts that commit's gateway files to a temporary directory (node_modules
 * linked from the repository) and returns it, with the commit's short hash.
 */
export function snapshot(ref: string): { dir: string; sha: string; remove(): void } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  const sha = git('rev-parse', '--short', `${ref}^{commit}`)
  const dir = `/tmp/llm-gateway-bench-${sha}-${process.pid}-${++snapshots}`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const files = ['src', 'adapters', 'wrangler.toml', 'package.json', 'tsconfig.json'].filter(
    (f) => git('ls-tree', '--name-only', sha, f).length > 0,
  )
  execFileSync('sh', ['-c', `git archive --format=tar ${sha} ${files.join(' ')} | tar -x -C ${dir}`], { cwd: ROOT })
  if (!existsSync(resolve(dir, 'node_modules'))) symlinkSync(resolve(ROOT, 'node_modules'), resolve(dir, 'node_modules'))
  return { dir, sha, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

let snapshots = 0
let applied = false
/** Honours `--ref <commit>` once per process: later gateway starts run that commit's code. */
export async function applyRef(ref: string | undefined): Promise<void> {
  if (!ref || applied) return
  applied = true
  const snap = snapshot(ref)
  const { useGatewayRoot } = await import('./targets')
  useGatewayRoot(snap.dir)
  process.env.BENCH_REVISION = `${snap.sha} (--ref ${ref}: that commit, not the working tree)`
  process.on('exit', () => snap.remove())
  console.log(`measuring the gateway as of ${snap.sha} (snapshot in ${snap.dir})`)
}

/** `--baseline <commit>`: that commit's gateway, extracted for a second gateway target in the same run. */
export function baselineSnapshot(ref: string): { dir: string; sha: string } {
  const snap = snapshot(ref)
  process.on('exit', () => snap.remove())
  console.log(`baseline: the gateway as of ${snap.sha} (snapshot in ${snap.dir})`)
  return snap
}
