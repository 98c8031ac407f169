import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { captureDir, FileCaptures } from '../../adapters/capture-files'
import { decodeCapture, encodeRecords } from '../../src/capture/codec'
import type { CaptureRecord } from '../../src/capture/format'
import { loadSettings } from '../../src/config/settings'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gw-capture-files-'))
  dirs.push(d)
  return d
}

/** An exchange of about `size` bytes: a head and a body record. */
function exchange(id: string, size: number, at = 1_000) {
  const records: CaptureRecord[] = [
    { exchange: id, seq: 0, ts: at, leg: 'client-request', kind: 'head', meta: { method: 'POST', path: '/v1/messages' } },
    { exchange: id, seq: 1, ts: at, leg: 'client-request', kind: 'body', meta: {}, data: new Uint8Array(size).fill(0x61) },
  ]
  return { id, at, session: 's_1', bytes: encodeRecords(records) }
}

const files = (dir: string) => readdirSync(dir).sort()

describe('FileCaptures (CAPTURE_DIR)', () => {
  it('starts each file with a header; an exchange is appended whole; a file that would pass CAPTURE_MAX_FILE_BYTES is closed', async () => {
    const dir = freshDir()
    const sink = new FileCaptures(dir, { maxFileBytes: 2500, maxAgeMs: 3_600_000, maxTotalBytes: 1e9 }, 'node')
    for (let i = 0; i < 5; i++) await sink.write(exchange(`x${i}`, 1000))
    const names = files(dir)
    // 2 exchanges of ~1.1 KB fit in 2.5 KB: x0+x1, x2+x3, x4.
    expect(names).toHaveLength(3)
    for (const n of names) expect(n).toMatch(/^capture-\d{13}-[0-9a-z]{4}\.cbor$/)
    const decoded = names.map((n) => decodeCapture(readFileSync(join(dir, n))))
    expect(decoded.map((f) => [...new Set(f.records.map((r) => r.exchange))])).toEqual([['x0', 'x1'], ['x2', 'x3'], ['x4']])
    for (const f of decoded) expect(f.header).toMatchObject({ format: 'llm-gateway-capture', version: 1, runtime: 'node' })
    for (const n of names) expect(statSync(join(dir, n)).size).toBeLessThanOrEqual(2500)
  })

  it('closes a file older than CAPTURE_MAX_AGE_S', async () => {
    const dir = freshDir()
    let now = 1_700_000_000_000
    const sink = new FileCaptures(dir, { maxFileBytes: 1e9, maxAgeMs: 60_000, maxTotalBytes: 1e9 }, 'node', () => now)
    await sink.write(exchange('a', 10))
    now += 59_999
    await sink.write(exchange('b', 10))
    now += 1
    await sink.write(exchange('c', 10))
    const names = files(dir)
    expect(names).toEqual([`capture-${1_700_000_000_000}-${names[0]!.slice(-9, -5)}.cbor`, expect.stringContaining(`capture-${1_700_000_060_000}-`)])
    expect(decodeCapture(readFileSync(join(dir, names[0]!))).records.map((r) => r.exchange)).toEqual(['a', 'a', 'b', 'b'])
    expect(decodeCapture(readFileSync(join(dir, names[1]!))).header.created).toBe(1_700_000_060_000)
  })

  it('deletes the oldest files past CAPTURE_MAX_TOTAL_BYTES, never the one being written; files left by an earlier process count', async () => {
    const dir = freshDir()
    let now = 1_700_000_000_000
    const limits = { maxFileBytes: 1500, maxAgeMs: 3_600_000, maxTotalBytes: 4000 }
    const first = new FileCaptures(dir, limits, 'node', () => now)
    for (let i = 0; i < 3; i++) {
      now += 1000
      await first.write(exchange(`old${i}`, 1000))
    }
    expect(files(dir)).toHaveLength(3)
    // A new process: it finds the three files, and its writes push the oldest out.
    const second = new FileCaptures(dir, limits, 'node', () => now)
    for (let i = 0; i < 3; i++) {
      now += 1000
      await second.write(exchange(`new${i}`, 1000))
    }
    const left = files(dir)
    const total = left.reduce((n, f) => n + statSync(join(dir, f)).size, 0)
    expect(total).toBeLessThanOrEqual(4000)
    const kept = left.flatMap((n) => [...new Set(decodeCapture(readFileSync(join(dir, n))).records.map((r) => r.exchange))])
    expect(kept).toEqual(['old2', 'new0', 'new1', 'new2'].slice(-left.length))
    expect(kept.at(-1)).toBe('new2')
    expect(kept).not.toContain('old0')
  })

  it('exchanges that end while the writer is busy go out together, each whole; past the backlog bound one is dropped, not queued', async () => {
    const dir = freshDir()
    const sink = new FileCaptures(dir, { maxFileBytes: 5000, maxAgeMs: 3_600_000, maxTotalBytes: 1e9, maxBacklogBytes: 4000 }, 'node')
    const writes = ['c0', 'c1', 'c2', 'c3'].map((id) => sink.write(exchange(id, 800)))
    const over = sink.write(exchange('c4', 800)).then(
      () => 'written',
      (err: Error) => err.message,
    )
    await Promise.all(writes)
    expect(await over).toContain('exchange dropped')
    const all = files(dir).flatMap((n) => decodeCapture(readFileSync(join(dir, n))).records)
    expect(all.map((r) => `${r.exchange}/${r.seq}`)).toEqual(['c0/0', 'c0/1', 'c1/0', 'c1/1', 'c2/0', 'c2/1', 'c3/0', 'c3/1'])
    // The backlog is free again once written.
    await sink.write(exchange('c5', 800))
    expect((await sink.exchange({ exchange: 'c5', at: 0 }))!.records.map((r) => r.exchange)).toEqual(['c5', 'c5'])
  })

  it('reads an exchange back: by where this process wrote it, and by scanning the files from its start time', async () => {
    const dir = freshDir()
    let now = 1_700_000_000_000
    const sink = new FileCaptures(dir, { maxFileBytes: 1200, maxAgeMs: 3_600_000, maxTotalBytes: 1e9 }, 'node', () => now)
    for (let i = 0; i < 4; i++) {
      now += 1000
      await sink.write(exchange(`r${i}`, 800, now - 10))
    }
    const mine = await sink.exchange({ exchange: 'r2', at: now - 1010 })
    expect(mine!.records.map((r) => [r.exchange, r.seq])).toEqual([['r2', 0], ['r2', 1]])
    // Where it is: the file that holds it, which decodes to it.
    expect(mine!.runtime).toBe('node')
    expect(decodeCapture(readFileSync(mine!.source!)).records.some((r) => r.exchange === 'r2')).toBe(true)
    const other = new FileCaptures(dir, { maxFileBytes: 1200, maxAgeMs: 3_600_000, maxTotalBytes: 1e9 }, 'deno')
    const scanned = await other.exchange({ exchange: 'r1', at: now - 2010 })
    expect(scanned!.records.map((r) => r.exchange)).toEqual(['r1', 'r1'])
    expect(scanned!.records[1]!.data!.length).toBe(800)
    // The runtime is the file's (its header), not the reader's.
    expect(scanned!.runtime).toBe('node')
    expect(decodeCapture(readFileSync(scanned!.source!)).records.some((r) => r.exchange === 'r1')).toBe(true)
    expect(scanned!.source).not.toBe(mine!.source)
    expect(await other.exchange({ exchange: 'nope', at: now - 5000 })).toBeUndefined()
  })

  it('CAPTURE_DIR, else STATE_DIR/captures, else ./captures; the bounds have defaults and named errors', () => {
    expect(loadSettings({}).capture).toEqual({ dir: undefined, maxFileBytes: 16 * 1024 * 1024, maxAgeMs: 3_600_000, maxTotalBytes: 1024 ** 3, maxExchangeBytes: 8 * 1024 * 1024, flushMs: 1000 })
    expect(captureDir({}, loadSettings({ CAPTURE_DIR: '/srv/cap' }).capture)).toBe('/srv/cap')
    expect(captureDir({ STATE_DIR: '/srv/state' }, loadSettings({}).capture)).toBe(join('/srv/state', 'captures'))
    expect(captureDir({}, loadSettings({}).capture)).toBe('captures')
    expect(() => loadSettings({ CAPTURE_MAX_FILE_BYTES: '12x' })).toThrow('Invalid setting CAPTURE_MAX_FILE_BYTES: must be a whole number of 1024 or more, got "12x"')
    expect(() => loadSettings({ CAPTURE: 'maybe' })).toThrow('Invalid setting CAPTURE: must be on or off')
    expect(() => loadSettings({ CAPTURE_FLUSH_MS: '60000' })).toThrow('Invalid setting CAPTURE_FLUSH_MS: must be a whole number from 0 to 20000, got "60000"')
    expect(loadSettings({ CAPTURE: 'on' }).interactive.switches.capture).toBe(true)
    expect(loadSettings({}).interactive.switches.capture).toBe(false)
  })
})
