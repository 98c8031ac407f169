import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { ROOT } from './procs'
import type { Machine } from './report'

function version(pkg: string): string {
  try {
    return JSON.parse(readFileSync(resolve(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version
  } catch {
    return '?'
  }
}

/**
 * The code measured: the commit, and when src/ or adapters/ differ from it, a
 * short hash of the difference (so two runs can tell whether they measured the same code).
 */
export function revision(): string {
  if (process.env.BENCH_REVISION) return process.env.BENCH_REVISION
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 })
    const paths = ['src', 'adapters', 'wrangler.toml']
    const diff = git('diff', 'HEAD', '--', ...paths)
    const untracked = git('ls-files', '--others', '--exclude-standard', '--', ...paths).split('\n').filter(Boolean)
    const head = git('rev-parse', '--short', 'HEAD').trim()
    if (!diff && !untracked.length) return head
    const hash = createHash('sha1').update(diff)
    for (const f of untracked) hash.update(f).update(readFileSync(resolve(ROOT, f)))
    const files = new Set([...diff.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1])).size + untracked.length
    return `${head} + uncommitted changes in ${files} file(s) of src/adapters (${hash.digest('hex').slice(0, 8)})`
  } catch {
    return 'unknown'
  }
}

export function machine(): Machine {
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    revision: revision(),
    versions: {
      'global fetch (bundled undici)': process.versions.undici ?? '?',
      ...Object.fromEntries(['hono', '@hono/node-server', 'wrangler', 'autocannon'].map((p) => [p, version(p)])),
    },
  }
}
