import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCapture } from '../../src/capture/cli'
import { nodeCaptureIo } from '../../scripts/capture'
import { BROKEN, captureDir, captureFile, CLIENT_CHUNKS, PLAIN, STREAMED, T0, UPSTREAM_CHUNKS } from './capture-fixtures'

/** The capture tool run in-process on real files, its output kept. */
async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const out = { stdout: '', stderr: '' }
  const io = { ...nodeCaptureIo(), env, stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) }
  const code = await runCapture(args, io)
  return { code, ...out }
}

let dir = ''
let object = ''
beforeAll(() => {
  ;({ dir, object } = captureDir())
})

describe('capture list', () => {
  it('lists the exchanges of a directory oldest first, with session, client, route, status, tokens and stream', async () => {
    const r = await run(['list', '--dir', dir])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^time \(UTC\)\s+id\s+session\s+client\s+route\s+status\s+tokens in\/out\s+stream$/)
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual([PLAIN, STREAMED, BROKEN])
    const streamed = lines[2]!.split(/\s{2,}/)
    expect(streamed).toEqual(['2026-12-05 17:01:00', STREAMED, 'sess-claude-1', 'key-1', 'anthropic → openai:gpt-4o', '200', '20/9', 'stream'])
    expect(lines[1]!.split(/\s{2,}/).slice(2)).toEqual(['sess-cli-2', 'key-2', 'openai → anthropic:claude-sonnet-4-5', '200', '14/3', '-'])
    // No summary: what the heads say, and question marks for the rest.
    expect(lines[3]!.split(/\s{2,}/).slice(2)).toEqual(['-', '-', '? → openai:gpt-4o', '200', '?/?', 'stream'])
  })

  it('--since and --limit keep the newest', async () => {
    const since = await run(['list', '--dir', dir, '--since', new Date(T0 + 30_000).toISOString()])
    expect(since.stdout).not.toContain(PLAIN)
    expect(since.stdout).toContain(STREAMED)
    const limit = await run(['list', '--dir', dir, '--limit', '1'])
    expect(limit.stdout.trimEnd().split('\n')).toHaveLength(2)
    expect(limit.stdout).toContain(BROKEN)
    const recent = await run(['list', '--dir', dir, '--since', '1h'])
    expect(recent.stdout).toBe('')
  })

  it('--json gives one object per exchange', async () => {
    const r = await run(['list', '--dir', dir, '--json'])
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(rows.map((o) => o.id)).toEqual([PLAIN, STREAMED, BROKEN])
    expect(rows[1]).toMatchObject({ session: 'sess-claude-1', status: 200, inputTokens: 20, outputTokens: 9, stream: true, attempts: 2 })
  })

  it('reads a single object copied out of R2, as --dir or as a path', async () => {
    for (const args of [['list', '--dir', object], ['list', object]]) {
      const r = await run(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(STREAMED)
      expect(r.stdout).not.toContain(PLAIN)
    }
  })

  it('reads CAPTURE_DIR when no path is given', async () => {
    const r = await run(['list'], { CAPTURE_DIR: dir })
    expect(r.stdout).toContain(BROKEN)
  })
})

describe('capture show', () => {
  it('shows the four legs: heads with headers, JSON bodies pretty-printed, both streams as events', async () => {
    const r = await run(['show', STREAMED, '--dir', dir])
    expect(r.code).toBe(0)
    const out = r.stdout
    const at = (s: string) => {
      const i = out.indexOf(s)
      expect(i, s).toBeGreaterThan(-1)
      return i
    }
    // In order: the client's request, both attempts, the client's answer, the summary.
    const order = ['== client-request', '== upstream-request, attempt 1', '== upstream-response, attempt 1', '== upstream-request, attempt 2', '== upstream-response, attempt 2', '== client-response', '== summary'].map(at)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(out).toContain('POST /v1/messages')
    expect(out).toContain('    x-api-key: [redacted]')
    expect(out).toContain('      "max_tokens": 1024,') // pretty-printed JSON body
    expect(out).toContain('POST https://api.openai.com/v1/chat/completions')
    expect(out).toContain('route default · backend openai · model gpt-4o · key …abcd')
    expect(out).toContain('key …wxyz')
    expect(out).toContain('status 429')
    expect(out).toContain('"message": "Rate limit reached for gpt-4o"')
    // The upstream stream joined: the event split over two reads is one line.
    expect(out).toContain(`stream: ${UPSTREAM_CHUNKS.length} chunks`)
    expect(out).toMatch(/^ {4}\{"id":"chatcmpl-9".*"delta":\{"content":" from the replay"\}.*\}$/m)
    expect(out).toMatch(/^ {4}\[DONE\]$/m)
    // The client's stream as Anthropic events.
    expect(out).toMatch(/^ {4}\[content_block_delta\] \{"type":"content_block_delta","index":0,"delta":\{"type":"text_delta","text":" from the replay"\}\}$/m)
    expect(out).toMatch(/^ {4}\[message_stop\] \{"type":"message_stop"\}$/m)
    expect(out).toContain('session: sess-claude-1')
    expect(out.slice(0, out.indexOf('\n', out.indexOf('\n') + 1))).toContain('anthropic → openai:gpt-4o · status 200 · tokens 20 in / 9 out · stream · 2 attempts')
  })

  it('--timing gives each chunk its offset and size', async () => {
    const r = await run(['show', STREAMED, '--dir', dir, '--timing'])
    const sizes = [...r.stdout.matchAll(/^ {4}chunk (\d+) \+[\d.]+ ms, (\d+) bytes$/gm)].map((m) => Number(m[2]))
    const encoder = new TextEncoder()
    const upstream = UPSTREAM_CHUNKS.map((c) => encoder.encode(c).length)
    const client = CLIENT_CHUNKS.map((c) => encoder.encode(c).length)
    expect(sizes.slice(0, upstream.length)).toEqual(upstream)
    expect(sizes.length).toBe(upstream.length + 4) // the client's 5 events came in 4 chunks
    expect(sizes.slice(upstream.length).reduce((a, b) => a + b)).toBe(client.reduce((a, b) => a + b))
  })

  it('shows a non-streamed exchange and one that broke off', async () => {
    const plain = await run(['show', PLAIN, '--dir', dir])
    expect(plain.stdout).toContain('"content": "Paris."')
    expect(plain.stdout).toContain('not streamed')
    const broken = await run(['show', BROKEN, '--dir', dir])
    expect(broken.stdout).toMatch(/error \+[\d.]+ ms: The upstream connection closed before the answer was complete\./)
    expect(broken.stdout).toContain('(not captured: the capture may have been cut short)')
  })

  it('takes a prefix only one id has', async () => {
    const r = await run(['show', 'req_mi5w', '--dir', dir])
    expect(r.stdout).toContain(`exchange ${PLAIN}`)
  })

  it('an unknown id fails and names close ids; an ambiguous prefix names the candidates', async () => {
    const r = await run(['show', 'req_mi5x2k0001abc9999', '--dir', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no exchange "req_mi5x2k0001abc9999" in the captures; close ids: req_mi5x2k0001abc1234')
    const ambiguous = await run(['show', 'req_mi5', '--dir', dir])
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.stderr).toMatch(/"req_mi5" is the start of 3 exchange ids/)
  })
})

describe('capture export --jsonl', () => {
  it('writes one JSON object per record, data as text when UTF-8', async () => {
    const r = await run(['export', '--jsonl', '--dir', dir])
    expect(r.code).toBe(0)
    const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(new Set(records.map((x) => x.exchange))).toEqual(new Set([PLAIN, STREAMED, BROKEN]))
    const chunks = records.filter((x) => x.exchange === STREAMED && x.leg === 'upstream-response' && x.kind === 'chunk')
    expect(chunks.every((x) => x.encoding === 'utf8')).toBe(true)
    expect(chunks.map((x) => x.data)).toEqual(UPSTREAM_CHUNKS)
    expect(records.find((x) => x.exchange === STREAMED && x.kind === 'summary').meta.usage).toEqual({ inputTokens: 20, outputTokens: 9 })
    const seqs = records.filter((x) => x.exchange === STREAMED).map((x) => x.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i))
  })

  it('--base64 and bytes that are not UTF-8 come as base64; --id keeps one exchange', async () => {
    const binary = join(dir, '..', 'binary.cbor')
    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x41])
    writeFileSync(binary, captureFile([{ exchange: 'req_bin', seq: 0, ts: T0, leg: 'upstream-response', kind: 'chunk', meta: { attempt: 1 }, data: bytes }]))
    const r = await run(['export', '--jsonl', binary])
    const [record] = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(record).toMatchObject({ exchange: 'req_bin', encoding: 'base64', data: Buffer.from(bytes).toString('base64') })
    const forced = await run(['export', '--jsonl', '--base64', '--id', STREAMED, '--dir', dir])
    const lines = forced.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(new Set(lines.map((x) => x.exchange))).toEqual(new Set([STREAMED]))
    const joined = lines.filter((x) => x.leg === 'upstream-response' && x.kind === 'chunk').map((x) => Buffer.from(x.data, 'base64').toString('utf8'))
    expect(joined.join('')).toBe(UPSTREAM_CHUNKS.join(''))
  })

  it('refuses to guess the format', async () => {
    const r = await run(['export', '--dir', dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('export needs its format: --jsonl')
  })
})

describe('capture grep', () => {
  it('names each matching leg, case-insensitively', async () => {
    const r = await run(['grep', 'RATE LIMIT REACHED', '--dir', dir])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`${STREAMED}  upstream-response #1: `)
    expect(lines[0]).toContain('Rate limit reached for gpt-4o')
    const france = await run(['grep', 'capital of france', '--dir', dir])
    expect(france.stdout.trimEnd().split('\n').map((l) => l.split('  ')[2]!.split(':')[0])).toEqual(['client-request', 'upstream-request #1'])
  })

  it('finds text split across two chunks of a stream', async () => {
    const r = await run(['grep', '"content":" from the replay"', '--dir', dir])
    expect(r.stdout).toContain('upstream-response #2')
  })

  it('exits 1 when nothing matches', async () => {
    const r = await run(['grep', 'no such words anywhere', '--dir', dir])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('no captured exchange contains')
  })
})

describe('errors and help', () => {
  it('says what is wrong, with a non-zero exit code', async () => {
    const missing = await run(['list', '--dir', join(dir, 'nope')])
    expect(missing).toMatchObject({ code: 1, stderr: `capture list: no such file or directory: ${join(dir, 'nope')}\n` })
    const notCapture = await run(['show', STREAMED, join(dir, 'README.txt')])
    expect(notCapture.code).toBe(1)
    expect(notCapture.stderr).toContain(`${join(dir, 'README.txt')}: not a capture file`)
    const noDefault = await run(['list'], { CAPTURE_DIR: join(dir, 'absent') })
    expect(noDefault.stderr).toContain('no capture directory')
    const unknown = await run(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    const badOption = await run(['list', '--port', '1'])
    expect(badOption.code).toBe(2)
    expect(badOption.stderr).toContain('unknown option --port for "list"')
    const badLimit = await run(['list', '--limit', 'many', '--dir', dir])
    expect(badLimit.stderr).toContain('--limit must be a whole number')
    const noId = await run(['show', '--dir', dir])
    expect(noId.stderr).toContain('show needs an exchange id')
  })

  it('has --help for each command', async () => {
    for (const command of ['list', 'show', 'export', 'grep', 'replay']) {
      const r = await run([command, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`npm run capture -- ${command}`)
    }
    const top = await run(['--help'])
    expect(top.stdout).toContain('Commands:')
  })
})

describe('what the writer marks', () => {
  it('notes cut records, dropped chunks and cancelled ends; a JSON answer in chunks is not a stream; replay warns', async () => {
    const file = join(dir, '..', 'marked.cbor')
    const enc = new TextEncoder()
    const r = (seq: number, leg: any, kind: any, meta: Record<string, unknown>, data?: string) => ({ exchange: 'req_marked', seq, ts: T0 + seq, leg, kind, meta, ...(data ? { data: enc.encode(data) } : {}) })
    writeFileSync(
      file,
      captureFile([
        r(0, 'upstream-request', 'head', { attempt: 1, method: 'POST', url: 'http://up/v1/chat/completions' }),
        r(1, 'upstream-response', 'head', { attempt: 1, status: 200, headers: { 'content-type': 'text/event-stream' } }),
        r(2, 'upstream-response', 'chunk', { attempt: 1, truncated: true, bytes: 9000 }, 'data: {"a":1}\n\n'),
        r(3, 'upstream-response', 'end', { attempt: 1, dropped: { chunks: 4, bytes: 800 } }),
        r(4, 'client-response', 'head', { status: 200, headers: { 'content-type': 'application/json' } }),
        r(5, 'client-response', 'chunk', {}, '{"ok":'),
        r(6, 'client-response', 'chunk', {}, 'true}'),
        r(7, 'client-response', 'error', { message: 'client gone', cancelled: true }),
      ]),
    )
    const show = await run(['show', 'req_marked', file])
    expect(show.stdout).toContain('(cut by CAPTURE_MAX_EXCHANGE_BYTES: 1 record kept only in part)')
    expect(show.stdout).toContain('(4 more chunks (800 bytes) not kept)')
    expect(show.stdout).toMatch(/error \+[\d.]+ ms: client gone \(the client went away\)/)
    expect(show.stdout).toContain('"ok": true')
    const list = await run(['list', '--json', file])
    expect(JSON.parse(list.stdout).stream).toBe(false)
    const out = { stdout: '', stderr: '' }
    const io = { ...nodeCaptureIo(), env: {}, stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) }
    const replay = runCapture(['replay', 'req_marked', '--once', '--port', '0', file], io)
    await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+/.exec(out.stdout)?.[0]).toBeTruthy()
    await (await fetch(/http:\/\/127\.0\.0\.1:\d+/.exec(out.stdout)![0], { method: 'POST' })).text()
    expect(await replay).toBe(0)
    expect(out.stderr).toContain('warning: the capture kept only part of this answer')
  })

  it('reads STATE_DIR/captures when CAPTURE_DIR is not set, as the writer does', async () => {
    const r = await run(['list'], { STATE_DIR: join(dir, '..') })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(STREAMED)
  })
})
