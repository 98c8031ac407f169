import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileState, type FileGatewayState } from '../../adapters/file-state'
import type { UsageRecord } from '../../src/state/ports'
import { stateContract } from '../state/state-contract'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gw-state-'))
  dirs.push(d)
  return d
}

// Each state gets its folder; the second instance is a restart over it, once the first has written everything.
const folders = new WeakMap<object, string>()
stateContract('files', {
  make: () => {
    const dir = tempDir()
    const s = fileState(dir)
    folders.set(s, dir)
    return s
  },
  again: async (first) => {
    await (first as FileGatewayState).flush()
    return fileState(folders.get(first)!)
  },
})

const record = (i: number): UsageRecord => ({
  at: 1_700_000_000_000 + i, client: 'c', frontEnd: 'openai-chat', backend: 'openai', model: 'm', attempts: ['openai:m'], status: 200,
  inputTokens: i, outputTokens: 1, cachedInputTokens: 0, reasoningTokens: 0, totalMs: 1, costUsd: null,
})

describe('file state on disk', () => {
  it('a burst of changes ends in one snapshot holding them all, written atomically (no temporary files left)', async () => {
    const dir = tempDir()
    const s = fileState(dir)
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.limits.admit(`client-${i}`, { rpm: 5 }, 1)))
    await s.flush()
    const limits = JSON.parse(readFileSync(join(dir, 'limits.json'), 'utf8'))
    expect(Object.keys(limits)).toHaveLength(100)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('usage is appended one line a record and compacted to the newest records past twice the bound', async () => {
    const dir = tempDir()
    const s = fileState(dir, { maxUsageRecords: 10 })
    for (let i = 0; i < 20; i++) await s.usage.record([record(i)])
    expect(readFileSync(join(dir, 'usage.jsonl'), 'utf8').trim().split('\n')).toHaveLength(20)
    await s.usage.record([record(20)])
    const lines = readFileSync(join(dir, 'usage.jsonl'), 'utf8').trim().split('\n')
    expect(lines.map((l) => JSON.parse(l).inputTokens)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    // After a restart: the newest 10, and appending goes on.
    const again = fileState(dir, { maxUsageRecords: 10 })
    expect(await again.usage.totals({ groupBy: 'client' })).toMatchObject([{ group: 'c', requests: 10, input_tokens: 155 }])
  })

  it('a line cut short by a crash and an unreadable snapshot are skipped, not fatal', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'usage.jsonl'), JSON.stringify(record(1)) + '\n{"at":17')
    writeFileSync(join(dir, 'health.json'), '{"openai": {"keys"')
    const errors: string[] = []
    const log = console.error
    console.error = (m: string) => errors.push(m)
    try {
      const s = fileState(dir)
      expect(await s.usage.totals({ groupBy: 'client' })).toMatchObject([{ requests: 1 }])
      expect(await s.health.list()).toEqual([])
    } finally {
      console.error = log
    }
    expect(errors.join('\n')).toMatch(/ignoring .*health\.json/)
  })

  it('expired sessions are not loaded after a restart', async () => {
    const dir = tempDir()
    const s = fileState(dir)
    await s.sessions.put('old', { owner: 'a', data: {}, updatedAt: 1 }, 0)
    await s.sessions.put('live', { owner: 'a', data: {}, updatedAt: 1 }, 3600)
    await s.flush()
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')))).toEqual(['live'])
    expect(await fileState(dir).sessions.get('live', 'a')).toMatchObject({ owner: 'a' })
  })
})
