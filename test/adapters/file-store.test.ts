import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileStore } from '../../adapters/file-store'

const dir = mkdtempSync(join(tmpdir(), 'gw-filestore-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('FileStore keys', () => {
  it('any key, however odd, is one file inside the directory (ids can come from upstreams)', async () => {
    const store = new FileStore(dir)
    const keys = ['response:resp_1', 'response:../../escape', 'response:a/b\\c', 'response:\ud800', 'response:\udc00x', `response:${'x'.repeat(5000)}`, 'response:modèle']
    for (const [i, key] of keys.entries()) await store.put(key, `v${i}`)
    for (const [i, key] of keys.entries()) expect(await store.get(key), key).toBe(`v${i}`)
    expect(readdirSync(dir)).toHaveLength(keys.length)
    for (const key of keys) await store.delete(key)
    expect(readdirSync(dir)).toEqual([])
  })
})
