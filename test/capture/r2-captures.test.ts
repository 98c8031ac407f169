import { afterEach, describe, expect, it, vi } from 'vitest'
import { decodeCapture, encodeRecords } from '../../src/capture/codec'
import type { CaptureRecord } from '../../src/capture/format'
import { R2Captures, type R2BucketLike } from '../../src/capture/r2-captures'

/** An R2 bucket in memory: keys in order, custom metadata kept. */
function memoryBucket() {
  const objects = new Map<string, { bytes: Uint8Array; customMetadata: Record<string, string> }>()
  let gets = 0
  const bucket: R2BucketLike = {
    async put(key, value, options) {
      objects.set(key, { bytes: value, customMetadata: options?.customMetadata ?? {} })
    },
    async get(key) {
      gets++
      const o = objects.get(key)
      return o ? { arrayBuffer: async () => o.bytes.slice().buffer } : null
    },
    async list(options) {
      const keys = [...objects.keys()].filter((k) => k.startsWith(options?.prefix ?? '') && (!options?.startAfter || k > options.startAfter)).sort()
      return { objects: keys.map((key) => ({ key, customMetadata: objects.get(key)!.customMetadata })), truncated: false }
    },
  }
  return { bucket, objects, gets: () => gets }
}

const exchange = (id: string, session: string, at: number) => {
  const records: CaptureRecord[] = [{ exchange: id, seq: 0, ts: at, leg: 'exchange', kind: 'summary', meta: { status: 200 } }]
  return { id, session, at, bytes: encodeRecords(records) }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('R2Captures (CAPTURE_BUCKET)', () => {
  it('batches one session’s exchanges of one window into one immutable object; other sessions get their own', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-05T10:00:00Z') })
    const { bucket, objects } = memoryBucket()
    const r2 = new R2Captures(bucket, { flushMs: 1000, maxFileBytes: 1 << 20 })
    const a = r2.write(exchange('x1', 's_a', Date.now() - 50))
    const b = r2.write(exchange('x2', 's_a', Date.now() - 20))
    const c = r2.write(exchange('y1', 's_b', Date.now() - 10))
    expect(objects.size).toBe(0)
    // Still in the window: a reader finds it in the isolate's batch.
    const waiting = await r2.exchange({ exchange: 'x2', at: Date.now() - 20, session: 's_a' })
    expect(waiting!.records.map((r) => r.exchange)).toEqual(['x2'])
    expect(waiting!.source).toBeUndefined()
    expect(waiting!.runtime).toBe('workers')
    await vi.advanceTimersByTimeAsync(1000)
    await Promise.all([a, b, c])
    const keys = [...objects.keys()].sort()
    expect(keys).toHaveLength(2)
    expect(keys[0]).toMatch(/^captures\/2026-12-05\/s_a\/1796464800000-[0-9a-z]+\.cbor$/)
    expect(keys[1]).toMatch(/^captures\/2026-12-05\/s_b\/1796464800000-[0-9a-z]+\.cbor$/)
    const first = decodeCapture(objects.get(keys[0]!)!.bytes)
    expect(first.header).toMatchObject({ format: 'llm-gateway-capture', runtime: 'workers', created: 1796464800000 })
    expect(first.records.map((r) => r.exchange)).toEqual(['x1', 'x2'])
    expect(objects.get(keys[0]!)!.customMetadata).toEqual({ exchanges: 'x1,x2' })
  })

  it('CAPTURE_FLUSH_MS=0 writes each exchange at once; a full batch goes before its window ends', async () => {
    const { bucket, objects } = memoryBucket()
    await new R2Captures(bucket, { flushMs: 0, maxFileBytes: 1 << 20 }).write(exchange('now', 's_a', Date.now()))
    expect(objects.size).toBe(1)
    const small = new R2Captures(bucket, { flushMs: 60_000, maxFileBytes: 10 })
    await small.write(exchange('big', 's_c', Date.now()))
    expect(objects.size).toBe(2)
  })

  it('reads an exchange back from its session’s day, opening only the object whose metadata names it', async () => {
    const { bucket, gets, objects } = memoryBucket()
    const r2 = new R2Captures(bucket, { flushMs: 0, maxFileBytes: 1 << 20 })
    const at = Date.now()
    for (const id of ['e1', 'e2', 'e3']) await r2.write(exchange(id, 's_read', at))
    const before = gets()
    const found = await r2.exchange({ exchange: 'e2', at, session: 's_read' })
    expect(found!.records.map((r) => r.exchange)).toEqual(['e2'])
    expect(gets() - before).toBe(1)
    // Where it is: the object's key, for `wrangler r2 object get`.
    expect(found!.source).toMatch(/^captures\/\d{4}-\d{2}-\d{2}\/s_read\/\d{13}-[0-9a-z]+\.cbor$/)
    expect(decodeCapture(objects.get(found!.source!)!.bytes).records.map((r) => r.exchange)).toEqual(['e2'])
    expect(await r2.exchange({ exchange: 'e2', at, session: 's_other' })).toBeUndefined()
    // Without the session: every session of the day is looked at.
    expect((await r2.exchange({ exchange: 'e3', at }))!.records.map((r) => r.exchange)).toEqual(['e3'])
  })

  it('a failed put rejects the writes of its batch (the capture logs it)', async () => {
    const bucket: R2BucketLike = { put: () => Promise.reject(new Error('R2 down')), get: async () => null, list: async () => ({ objects: [], truncated: false }) }
    await expect(new R2Captures(bucket, { flushMs: 0, maxFileBytes: 1 << 20 }).write(exchange('x', 's', 1))).rejects.toThrow('R2 down')
  })
})
