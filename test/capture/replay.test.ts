import { beforeAll, describe, expect, it } from 'vitest'
import { runCapture } from '../../src/capture/cli'
import { nodeCaptureIo } from '../../scripts/capture'
import { BROKEN, captureDir, STREAMED, UPSTREAM_CHUNKS } from './capture-fixtures'

let dir = ''
beforeAll(() => {
  ;({ dir } = captureDir())
})

/** Starts `replay … --once` in-process; answers its URL and its exit code to come. */
async function startReplay(args: string[]) {
  const out = { stdout: '', stderr: '' }
  let announce!: (url: string) => void
  const url = new Promise<string>((resolve) => (announce = resolve))
  const io = {
    ...nodeCaptureIo(),
    env: {},
    stdout: (t: string) => {
      out.stdout += t
      const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out.stdout)
      if (m) announce(m[1]!)
    },
    stderr: (t: string) => void (out.stderr += t),
  }
  const code = runCapture(['replay', ...args, '--port', '0', '--once', '--dir', dir], io)
  return { url: await Promise.race([url, code.then(() => Promise.reject(new Error(out.stderr)))]), code, out }
}

async function reads(res: Response): Promise<{ parts: Uint8Array[]; error?: unknown }> {
  const reader = res.body!.getReader()
  const parts: Uint8Array[] = []
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { parts }
      parts.push(value)
    }
  } catch (error) {
    return { parts, error }
  }
}

const text = (parts: Uint8Array[]) => Buffer.concat(parts).toString('utf8')

describe('capture replay', () => {
  it('serves the last successful attempt: same status, headers and bytes, chunk by chunk, then stops (--once)', async () => {
    // At a quarter of the captured speed (100 ms between chunks), so that a busy test machine still reads each alone.
    const r = await startReplay([STREAMED, '--speed', '0.25'])
    expect(r.out.stdout).toContain(`replaying exchange ${STREAMED}, attempt 2: status 200, ${UPSTREAM_CHUNKS.length} chunks`)
    const res = await fetch(`${r.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-4o","stream":true}' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(res.headers.get('x-request-id')).toBe('req_upstream_77')
    expect(res.headers.get('openai-processing-ms')).toBe('180')
    const { parts, error } = await reads(res)
    expect(error).toBeUndefined()
    expect(text(parts)).toBe(UPSTREAM_CHUNKS.join(''))
    // Each captured chunk arrived as a read of its own.
    expect(parts.map((p) => Buffer.from(p).toString('utf8'))).toEqual(UPSTREAM_CHUNKS)
    expect(await r.code).toBe(0)
  })

  it('--attempt 1 serves the refused attempt', async () => {
    const r = await startReplay([STREAMED, '--attempt', '1', '--speed', '0'])
    const res = await fetch(r.url, { method: 'POST', body: '{}' })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(await res.json()).toEqual({ error: { message: 'Rate limit reached for gpt-4o', type: 'requests', code: 'rate_limit_exceeded' } })
    expect(await r.code).toBe(0)
  })

  it('an answer that broke off breaks off the same way', async () => {
    const r = await startReplay([BROKEN])
    const res = await fetch(r.url, { method: 'POST', body: '{}' })
    expect(res.status).toBe(200)
    const { parts, error } = await reads(res)
    expect(error).toBeDefined()
    expect(text(parts)).toContain('"content":", three"')
    expect(await r.code).toBe(0)
  })

  it('answers only POST', async () => {
    const r = await startReplay([STREAMED])
    const get = await fetch(r.url)
    expect(get.status).toBe(405)
    expect((await get.json()).error.message).toContain(`replay of exchange ${STREAMED}`)
    expect(await r.code).toBe(0)
  })

  it('says which attempts there are when the one asked for has no answer', async () => {
    const out = { stdout: '', stderr: '' }
    const io = { ...nodeCaptureIo(), env: {}, stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) }
    expect(await runCapture(['replay', STREAMED, '--attempt', '5', '--dir', dir], io)).toBe(1)
    expect(out.stderr).toContain('has no upstream answer for attempt 5; attempts with an answer: 1 (status 429), 2 (status 200)')
    expect(await runCapture(['replay', STREAMED, '--speed', 'fast', '--dir', dir], io)).toBe(2)
    expect(out.stderr).toContain('--speed must be a number')
  })
})
