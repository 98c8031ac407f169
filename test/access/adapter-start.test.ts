import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')

/** Runs a package.json script (as npm would, by sh) that is expected to refuse to start: its exit code and output. */
function refusal(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const command = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts[script] as string
  const PATH = `${resolve(ROOT, 'node_modules/.bin')}:${process.env.PATH}`
  return new Promise((done) => {
    // PORT 9 on loopback: should the refusal ever fail, nothing is exposed and the test sees a listening line instead.
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env: { ...process.env, PORT: '9', LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', ...env, PATH }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000)
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      done({ code, out })
    })
  })
}

describe('the adapters refuse to start where the access mode says no', () => {
  it('HOST=0.0.0.0 npm run start:node without ACCESS_MODE=multi-user', async () => {
    const { code, out } = await refusal('start:node', { HOST: '0.0.0.0', ACCESS_MODE: '' })
    expect(code).toBe(1)
    expect(out).toContain('Refusing to listen on HOST=0.0.0.0: single-user mode (ACCESS_MODE unset or single-user) binds loopback only')
    expect(out).not.toContain('listening on')
  }, 90_000)

  it('ACCESS_MODE=multi-user npm run start:node without client keys', async () => {
    const { code, out } = await refusal('start:node', { HOST: '0.0.0.0', ACCESS_MODE: 'multi-user', PROXY_API_KEYS: '' })
    expect(code).toBe(1)
    expect(out).toContain('ACCESS_MODE=multi-user needs client keys. Set PROXY_API_KEYS')
    expect(out).not.toContain('listening on')
  }, 90_000)

  it('HOST=0.0.0.0 deno run adapters/deno.ts without ACCESS_MODE=multi-user', async () => {
    const { code, out } = await refusal('start:deno', { HOST: '0.0.0.0', ACCESS_MODE: '' })
    expect(code).toBe(1)
    expect(out).toContain('Refusing to listen on HOST=0.0.0.0: single-user mode (ACCESS_MODE unset or single-user) binds loopback only')
    expect(out).not.toContain('listening on')
  }, 90_000)

  it('ACCESS_MODE=multi-user deno run adapters/deno.ts without client keys', async () => {
    const { code, out } = await refusal('start:deno', { HOST: '127.0.0.1', ACCESS_MODE: 'multi-user', PROXY_API_KEYS: '' })
    expect(code).toBe(1)
    expect(out).toContain('ACCESS_MODE=multi-user needs client keys')
  }, 90_000)
})
