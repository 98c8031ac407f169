import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { captureDir, STREAMED, UPSTREAM_CHUNKS } from '../capture/capture-fixtures'

const ROOT = join(import.meta.dirname, '..', '..')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')

/** Runs scripts/capture.ts as `npm run capture` does; `onStdout` sees the output as it comes. */
function capture(args: string[], onStdout?: (text: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['scripts/capture.ts', ...args], { cwd: ROOT, env: { ...process.env, CAPTURE_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      onStdout?.(stdout)
    })
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('scripts/capture.ts', () => {
  const { dir } = captureDir()

  it('lists and shows through the real script', async () => {
    const list = await capture(['list', '--dir', dir])
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(STREAMED)
    const show = await capture(['show', STREAMED.slice(0, 12), '--dir', dir])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain('== upstream-response, attempt 2')
  })

  it('fails with a message and exit code 1 on a missing directory', async () => {
    const r = await capture(['list', '--dir', join(dir, 'missing')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no such file or directory')
  })

  it('replays with --once and exits after one request', async () => {
    let fetched: Promise<string> | undefined
    const done = capture(['replay', STREAMED, '--once', '--port', '0', '--dir', dir], (out) => {
      const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)
      if (m && !fetched) fetched = fetch(`${m[1]}/v1/chat/completions`, { method: 'POST', body: '{}' }).then((r) => r.text())
    })
    const r = await done
    expect(r.code).toBe(0)
    expect(await fetched).toBe(UPSTREAM_CHUNKS.join(''))
  })
})
