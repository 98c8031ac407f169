import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** Runs a package.json script as npm would (test/adapters/runtimes.test.ts does the same), until it prints where it listens. */
const ROOT = resolve(__dirname, '../..')

export function launch(script: string, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const command = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts[script] as string
  const PATH = `${resolve(ROOT, 'node_modules/.bin')}:${process.env.PATH}`
  return new Promise((ok, fail) => {
    // Its own process group, so that stopping it stops everything it started.
    const child = spawn('sh', ['-c', `${command} ${args.join(' ')}`], { cwd: ROOT, env: { ...process.env, PATH }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL')
      fail(new Error(`no "listening" line within 60 s:\n${out}`))
    }, 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out) ?? /Ready on (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        ok({ url: m[1]!, child })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`exited with ${code}:\n${out}`))
    })
  })
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // already gone
    }
  }
  group('SIGTERM')
  const t = setTimeout(() => group('SIGKILL'), 5000)
  await exited
  clearTimeout(t)
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}
