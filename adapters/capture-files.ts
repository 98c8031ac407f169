import { appendFile, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CaptureSettings } from '../src/config/capture-settings'
import { decodeCapture, encodeHeader } from '../src/capture/codec'
import { decodeRecords, recordsOf } from '../src/capture/decode-records'
import type { CaptureRecord } from '../src/capture/format'
import type { CaptureReader, CaptureRef, FoundCapture } from '../src/capture/reader'
import type { CapturedExchange, CaptureSink, CaptureStore } from '../src/capture/sink'
import { concatBytes } from '../src/streams/concat-bytes'

/** `capture-<start ms, 13 digits>-<4 random>.cbor`: names sort by when the file was started. */
const FILE = /^capture-(\d{13})-[0-9a-z]{4}\.cbor$/
/** Exchanges waiting to be written, at most (beyond, new ones are dropped and logged). */
const MAX_BACKLOG_BYTES = 64 * 1024 * 1024
/** How many exchanges this process remembers the place of (file, offset, length), for reading them back without a scan. */
const INDEX_SIZE = 10_000

interface CaptureFile {
  name: string
  created: number
  size: number
}

/**
 * Captures as files under CAPTURE_DIR (Node and Deno): each file is a header item, then the
 * records of exchanges appended as they end (one write per exchange). A file is closed when the
 * next exchange would take it past CAPTURE_MAX_FILE_BYTES or it is older than CAPTURE_MAX_AGE_S;
 * past CAPTURE_MAX_TOTAL_BYTES the oldest files are deleted. One writer at a time: exchanges that end
 * while it writes wait (up to MAX_BACKLOG_BYTES) and go out together.
 */
export class FileCaptures implements CaptureSink, CaptureReader {
  /** Exchanges waiting for the writer: written together, each in one piece, when the disk is slower than the traffic. */
  private pending: Array<{ x: CapturedExchange; resolve(): void; reject(err: unknown): void }> = []
  private pendingBytes = 0
  private writing = false
  /** Oldest first; read from the folder on the first write or read. */
  private files?: CaptureFile[]
  private current?: CaptureFile
  private total = 0
  private readonly index = new Map<string, { file: string; offset: number; length: number }>()

  constructor(
    readonly dir: string,
    private readonly limits: Pick<CaptureSettings, 'maxFileBytes' | 'maxAgeMs' | 'maxTotalBytes'> & { maxBacklogBytes?: number },
    private readonly runtime: string,
    private readonly now: () => number = Date.now,
  ) {}

  write(x: CapturedExchange): Promise<void> {
    // Memory stays bounded when the disk cannot keep up: past the backlog's bound an exchange is dropped (and logged by the caller).
    if (this.pendingBytes + x.bytes.length > (this.limits.maxBacklogBytes ?? MAX_BACKLOG_BYTES)) return Promise.reject(new Error('the capture files are behind (disk too slow); exchange dropped'))
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ x, resolve, reject })
      this.pendingBytes += x.bytes.length
      if (!this.writing) void this.drain()
    })
  }

  /** One writer at a time; what waits meanwhile goes out together, in as few appends as the files allow. */
  private async drain(): Promise<void> {
    this.writing = true
    while (this.pending.length) {
      const batch = this.pending
      this.pending = []
      try {
        await this.append(batch.map((b) => b.x))
        for (const b of batch) b.resolve()
      } catch (err) {
        for (const b of batch) b.reject(err)
      } finally {
        for (const b of batch) this.pendingBytes -= b.x.bytes.length
      }
    }
    this.writing = false
  }

  /** The files kept now, oldest first (tests, and the reader). */
  async list(): Promise<CaptureFile[]> {
    return [...(await this.load())]
  }

  private async load(): Promise<CaptureFile[]> {
    if (this.files) return this.files
    await mkdir(this.dir, { recursive: true })
    const found: CaptureFile[] = []
    for (const name of await readdir(this.dir)) {
      const m = FILE.exec(name)
      if (!m) continue
      try {
        found.push({ name, created: Number(m[1]), size: (await stat(join(this.dir, name))).size })
      } catch {
        // deleted meanwhile
      }
    }
    found.sort((a, b) => (a.name < b.name ? -1 : 1))
    this.files = found
    this.total = found.reduce((n, f) => n + f.size, 0)
    return found
  }

  /** Appends exchanges in order: each whole in one file, one append per file touched. */
  private async append(xs: CapturedExchange[]): Promise<void> {
    const files = await this.load()
    const now = this.now()
    let parts: Uint8Array[] = []
    const flush = async () => {
      if (!parts.length) return
      const bytes = parts.length === 1 ? parts[0]! : concatBytes(parts)
      parts = []
      await appendFile(join(this.dir, this.current!.name), bytes)
    }
    for (const x of xs) {
      let file = this.current
      const full = file && file.size > 0 && file.size + x.bytes.length > this.limits.maxFileBytes
      const old = file && now - file.created >= this.limits.maxAgeMs
      if (!file || full || old) {
        await flush()
        file = { name: fileName(now, files), created: now, size: 0 }
        const header = encodeHeader(this.runtime, now)
        parts.push(header)
        file.size = header.length
        this.total += header.length
        files.push(file)
        this.current = file
      }
      this.index.set(x.id, { file: file.name, offset: file.size, length: x.bytes.length })
      if (this.index.size > INDEX_SIZE) this.index.delete(this.index.keys().next().value!)
      parts.push(x.bytes)
      file.size += x.bytes.length
      this.total += x.bytes.length
    }
    await flush()
    await this.prune(files)
  }

  /** The oldest files go while the total is over CAPTURE_MAX_TOTAL_BYTES (the file being written stays). */
  private async prune(files: CaptureFile[]): Promise<void> {
    while (this.total > this.limits.maxTotalBytes && files.length > 1 && files[0] !== this.current) {
      const oldest = files.shift()!
      this.total -= oldest.size
      await rm(join(this.dir, oldest.name), { force: true })
    }
  }

  async exchange(ref: CaptureRef): Promise<FoundCapture | undefined> {
    const hit = this.index.get(ref.exchange)
    if (hit) {
      const found = await this.readSlice({ exchange: ref.exchange, ...hit }).catch(() => undefined)
      if (found) return { records: found, source: join(this.dir, hit.file), runtime: this.runtime }
    }
    // Written by an earlier process (or forgotten): the files that may hold it, from the last one started
    // before the exchange began (its records went in when it ended, at or after `at`).
    const files = await this.load()
    let from = 0
    for (let i = 0; i < files.length; i++) if (files[i]!.created <= ref.at) from = i
    for (const f of files.slice(from)) {
      let bytes: Uint8Array
      try {
        bytes = await readFile(join(this.dir, f.name))
      } catch {
        continue
      }
      let file: ReturnType<typeof decodeCapture>
      try {
        file = decodeCapture(bytes)
      } catch {
        continue
      }
      const mine = recordsOf(file.records, ref.exchange)
      if (mine) return { records: mine, source: join(this.dir, f.name), runtime: file.header.runtime }
    }
    return undefined
  }

  private async readSlice(at: { exchange: string; file: string; offset: number; length: number }): Promise<CaptureRecord[] | undefined> {
    const handle = await open(join(this.dir, at.file), 'r')
    try {
      const buf = new Uint8Array(at.length)
      const { bytesRead } = await handle.read(buf, 0, at.length, at.offset)
      if (bytesRead !== at.length) return undefined
      return recordsOf(decodeRecords(buf), at.exchange)
    } finally {
      await handle.close()
    }
  }
}

function fileName(now: number, files: CaptureFile[]): string {
  for (;;) {
    const name = `capture-${String(now).padStart(13, '0')}-${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}.cbor`
    if (!files.some((f) => f.name === name)) return name
  }
}

/** The capture store of a Node or Deno gateway: files under `dir`. */
export function fileCaptures(dir: string, settings: CaptureSettings, runtime: 'node' | 'deno'): CaptureStore {
  const files = new FileCaptures(dir, settings, runtime)
  return { sink: files, reader: files, where: dir }
}

/** CAPTURE_DIR, else `captures` under STATE_DIR, else `./captures`. */
export function captureDir(env: Record<string, unknown>, settings: CaptureSettings): string {
  if (settings.dir) return settings.dir
  return typeof env.STATE_DIR === 'string' && env.STATE_DIR ? join(env.STATE_DIR, 'captures') : 'captures'
}
