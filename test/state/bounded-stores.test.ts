import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileStore } from '../../adapters/file-store'
import { MemoryStore } from '../../src/state/memory-store'
import { utf8Length, type StateStore } from '../../src/state/state-store'

const TTL = { ttlSeconds: 3600 }
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gw-bounded-'))
  dirs.push(d)
  return d
}

const stores: Array<[string, () => StateStore]> = [
  ['MemoryStore', () => new MemoryStore()],
  ['FileStore', () => new FileStore(tempDir())],
]

describe('stored responses are bounded by bytes, oldest first', () => {
  for (const [name, make] of stores)
    it(`${name}: entries with a TTL go oldest first once over the cap; entries without one stay`, async () => {
      const store = make()
      store.limit!({ maxBytes: 1000 })
      await store.put('registry:endpoints', 'r'.repeat(900)) // no TTL: state, not a cache
      for (let i = 0; i < 4; i++) await store.put(`response:${i}`, String(i).repeat(300), TTL)
      // 4 × 300 bytes > 1000: the oldest went
      expect(await store.get('response:0')).toBeNull()
      for (let i = 1; i < 4; i++) expect(await store.get(`response:${i}`)).toBe(String(i).repeat(300))
      expect(await store.get('registry:endpoints')).toBe('r'.repeat(900))
      // a rewrite makes an entry the newest; a delete frees its bytes
      await store.put('response:1', '1'.repeat(300), TTL)
      await store.delete('response:3')
      await store.put('response:4', '4'.repeat(500), TTL)
      expect(await store.get('response:2')).toBeNull()
      expect(await store.get('response:1')).not.toBeNull()
      expect(await store.get('response:4')).not.toBeNull()
    })

  it('FileStore: counts what the folder already held when it starts', async () => {
    const dir = tempDir()
    const before = new FileStore(dir)
    for (let i = 0; i < 3; i++) await before.put(`response:${i}`, 'x'.repeat(300), TTL)
    const after = new FileStore(dir)
    after.limit({ maxBytes: 1000 })
    await after.put('response:new', 'y'.repeat(300), TTL)
    expect(await after.get('response:0')).toBeNull()
    expect(await after.get('response:new')).not.toBeNull()
    expect(readdirSync(dir).filter((f) => f.startsWith('response'))).toHaveLength(3)
  })

  it('MemoryStore: the count bound spares entries without a TTL too', async () => {
    const store = new MemoryStore(2)
    await store.put('registry:endpoints', '[]')
    for (let i = 0; i < 3; i++) await store.put(`response:${i}`, 'x', TTL)
    expect(await store.get('registry:endpoints')).toBe('[]')
    expect(await store.get('response:0')).toBeNull()
    expect(await store.get('response:2')).toBe('x')
  })

  it('sizes are UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3)
    expect(utf8Length('é€😀')).toBe(new TextEncoder().encode('é€😀').length)
  })
})
