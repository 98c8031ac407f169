import { MemoryAuthFailures } from '../src/state/auth-failures'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { appendFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LimitCounters } from '../src/resilience/rate-window'
import { MemoryHealth, MemoryLimits, MemorySessions, MemoryUsage } from '../src/state/memory-state'
import type { Admission, BackendHealth, ClientLimits, GatewayState, SessionRecord, UsageRecord } from '../src/state/ports'

/**
 * The in-memory state (memory-state.ts) kept in files under a folder, so it
 * survives a restart (Node and Deno, `STATE_DIR`). Everything is loaded once
 * at start; the process is the only writer.
 *
 * - `health.json`, `limits.json`, `sessions.json`: snapshots, written to a
 *   temporary file and renamed (a crash never leaves half a file), and
 *   coalesced: a burst of changes is one write, at most one write in flight.
 * - `usage.jsonl`: one record a line, appended. Past `2 × maxRecords` lines it
 *   is rewritten to the newest `maxRecords` (200 000 by default, what memory
 *   keeps), so it stays bounded.
 */
/** The folder under STATE_DIR these files live in (beside the stored responses, which are one file per key). */
export const STATE_SUBDIR = 'gateway-state'

export interface FileGatewayState extends GatewayState {
  /** Resolves when every change so far is on disk. */
  flush(): Promise<void>
}

export function fileState(dir: string, options: { maxUsageRecords?: number } = {}): FileGatewayState {
  mkdirSync(dir, { recursive: true })
  const health = new FileHealth(dir)
  const limits = new FileLimits(dir)
  const usage = new FileUsage(dir, options.maxUsageRecords)
  const sessions = new FileSessions(dir)
  return {
    health,
    limits,
    usage,
    sessions,
    // Invalid keys per address: in memory only (a restart forgets the counts).
    authFailures: new MemoryAuthFailures(),
    flush: async () => {
      await Promise.all([health.snapshot.flush(), limits.snapshot.flush(), usage.flush(), sessions.snapshot.flush()])
    },
  }
}

/** Writes `data()` to `path` after a change, coalescing bursts. */
class Snapshot {
  private writing?: Promise<void>
  private dirty = false

  constructor(
    private readonly path: string,
    private readonly data: () => unknown,
  ) {}

  changed(): void {
    this.dirty = true
    this.writing ??= this.run()
  }

  private async run(): Promise<void> {
    try {
      // Let the rest of this burst land first.
      await new Promise((r) => setTimeout(r, 0))
      while (this.dirty) {
        this.dirty = false
        await writeAtomic(this.path, JSON.stringify(this.data()))
      }
    } catch (err) {
      console.error(`state: cannot write ${this.path}: ${(err as Error).message}`)
    } finally {
      this.writing = undefined
    }
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${Math.random().toString(36).slice(2)}.tmp`
  await writeFile(tmp, text)
  await rename(tmp, path)
}

/** A JSON file's content, or `{}` when there is none (or it cannot be read: then it says so and starts empty). */
function load<T>(path: string): Record<string, T> {
  if (!existsSync(path)) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, T>
  } catch (err) {
    console.error(`state: ignoring ${path}: ${(err as Error).message}`)
    return {}
  }
}

export class FileHealth extends MemoryHealth {
  readonly snapshot: Snapshot

  constructor(dir: string) {
    super()
    const path = join(dir, 'health.json')
    for (const [backend, h] of Object.entries(load<BackendHealth>(path))) this.records.set(backend, h)
    this.snapshot = new Snapshot(path, () => Object.fromEntries(this.records))
  }

  protected override changed(_backend: string): void {
    this.snapshot.changed()
  }
}

export class FileLimits extends MemoryLimits {
  readonly snapshot: Snapshot

  constructor(dir: string) {
    super()
    const path = join(dir, 'limits.json')
    for (const [client, c] of Object.entries(load<LimitCounters>(path))) this.counters.set(client, c)
    this.snapshot = new Snapshot(path, () => Object.fromEntries(this.counters))
  }

  override async admit(client: string, limits: ClientLimits, estimatedTokens: number): Promise<Admission> {
    const answer = await super.admit(client, limits, estimatedTokens)
    if (answer.ok) this.snapshot.changed()
    return answer
  }

  override async settle(client: string, tokenDelta: number): Promise<void> {
    await super.settle(client, tokenDelta)
    this.snapshot.changed()
  }
}

export class FileSessions extends MemorySessions {
  readonly snapshot: Snapshot

  constructor(dir: string) {
    super()
    const path = join(dir, 'sessions.json')
    const now = Date.now()
    for (const [id, s] of Object.entries(load<{ record: SessionRecord; expires: number }>(path))) if (s.expires > now) this.sessions.set(id, s)
    // Expired sessions are left out of every write.
    this.snapshot = new Snapshot(path, () => {
      const now = Date.now()
      return Object.fromEntries([...this.sessions].filter(([, s]) => s.expires > now))
    })
  }

  override async put(id: string, record: SessionRecord, ttlSeconds: number): Promise<void> {
    await super.put(id, record, ttlSeconds)
    this.snapshot.changed()
  }

  override async delete(id: string, owner: string): Promise<void> {
    await super.delete(id, owner)
    this.snapshot.changed()
  }
}

export class FileUsage extends MemoryUsage {
  private readonly path: string
  /** Lines in the file (records appended since the last rewrite included). */
  private lines = 0
  /** Appends and rewrites, one after another. */
  private queue: Promise<void> = Promise.resolve()

  constructor(
    dir: string,
    private readonly maxKept = 200_000,
  ) {
    super(maxKept)
    this.path = join(dir, 'usage.jsonl')
    if (!existsSync(this.path)) return
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line) continue
      this.lines++
      try {
        this.records.push(JSON.parse(line) as UsageRecord)
      } catch {
        // A line cut short by a crash: skipped.
      }
    }
    if (this.records.length > maxKept) this.records.splice(0, this.records.length - maxKept)
  }

  override async record(records: UsageRecord[]): Promise<void> {
    await super.record(records)
    this.lines += records.length
    const text = records.map((r) => JSON.stringify(r) + '\n').join('')
    const compact = this.lines > 2 * this.maxKept
    if (compact) this.lines = this.records.length
    const kept = compact ? this.records.slice() : undefined
    this.queue = this.queue
      .then(() => (kept ? writeAtomic(this.path, kept.map((r) => JSON.stringify(r) + '\n').join('')) : appendFile(this.path, text)))
      .catch((err: Error) => console.error(`state: cannot write ${this.path}: ${err.message}`))
    await this.queue
  }

  flush(): Promise<void> {
    return this.queue
  }
}
