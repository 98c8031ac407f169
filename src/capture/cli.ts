import { exportJsonl } from './export-jsonl'
import { overview, type ExchangeOverview } from './exchange-overview'
import { grepCaptures } from './grep-captures'
import { findExchange, readCaptures, type CaptureSource, type CapturedExchange } from './read-captures'
import { replayHandler, replayPlan } from './replay-server'
import { showExchange } from './show-exchange'

/**
 * `npm run capture -- <command>`: reads capture files (src/capture/format.ts) and lists, shows, exports,
 * searches and replays the exchanges in them. Everything the command touches goes through `CaptureIo`
 * (scripts/capture.ts gives the Node one), so the commands run in-process in tests.
 */
export interface CaptureIo {
  env: Record<string, string | undefined>
  stdout(text: string): void
  stderr(text: string): void
  /** What is at a path: a directory, a file, or nothing. */
  stat(path: string): Promise<'dir' | 'file' | undefined>
  /** The regular files under a directory, recursively, sorted by path. */
  listFiles(dir: string): Promise<string[]>
  readFile(path: string): Promise<Uint8Array>
  /** Serves `handler` on 127.0.0.1:`port` (0: a free one); `once`: stops after one answer has been sent. */
  serve?(handler: (req: Request) => Promise<Response>, port: number, once: boolean): Promise<ReplayServer>
}

export interface ReplayServer {
  url: string
  /** Settles when the server has stopped (after one answer with `once`, or `close`). */
  closed: Promise<void>
  close(): Promise<void>
}

/** Where captures are read when neither `--dir` nor a path is given and CAPTURE_DIR is not set. */
export const DEFAULT_CAPTURE_DIR = 'captures'

/** As the capture writer picks it: CAPTURE_DIR, else `captures` under STATE_DIR, else ./captures. */
export function defaultDir(env: Record<string, string | undefined>): string {
  if (env.CAPTURE_DIR) return env.CAPTURE_DIR
  return env.STATE_DIR ? `${env.STATE_DIR.replace(/\/+$/, '')}/${DEFAULT_CAPTURE_DIR}` : DEFAULT_CAPTURE_DIR
}

/** A command-line mistake: the message, then the command's usage. */
class UsageError extends Error {}

const SOURCES = `Captures are read from --dir PATH (repeatable; a directory, read recursively, or one capture file such as
an object copied out of R2 with \`wrangler r2 object get\`), else from CAPTURE_DIR (environment or .env),
else from STATE_DIR/${DEFAULT_CAPTURE_DIR} when STATE_DIR is set, else from ./${DEFAULT_CAPTURE_DIR}.`

const HELP: Record<string, string> = {
  '': `npm run capture -- <command> [options]

Reads the gateway's wire captures (README, "Capture") offline.

Commands:
  list                 the captured exchanges, oldest first
  show <id>            one exchange's four legs, readable
  export --jsonl       every record as one JSON object per line
  grep <text>          the exchanges and legs that contain a text
  replay <id>          serve an exchange's upstream answer as a fake upstream on 127.0.0.1

\`npm run capture -- <command> --help\` says more about each.
${SOURCES}`,
  list: `npm run capture -- list [--since WHEN] [--limit N] [--json] [--dir PATH]...

The captured exchanges, oldest first (newest last): time (UTC), id, session, client, route
(front end → backend:model), status, tokens in/out, and whether it was streamed.
  --since WHEN   only exchanges that started at or after WHEN: an ISO date or time (2026-12-05T17:00Z)
                 or a duration back from now (90s, 30m, 2h, 7d)
  --limit N      only the newest N (after --since)
  --json         one JSON object per exchange and line instead of the table
${SOURCES}`,
  show: `npm run capture -- show <id> [--timing] [--dir PATH]...

One exchange: the client's request, each upstream attempt's request and answer, what the client got, and
the summary. Heads with their headers; JSON bodies pretty-printed; streams joined and shown as their
server-sent events, one a line. <id> is the exchange id (x-request-id) or a prefix only it has.
  --timing       each chunk's offset from the start of the exchange and its size, with the events it completed
${SOURCES}`,
  export: `npm run capture -- export --jsonl [--id ID] [--base64] [--dir PATH]...

Every record of every exchange (or of one, --id) as one JSON object per line on stdout, in exchange then seq
order: {exchange, seq, ts, leg, kind, meta, data?, encoding?, file}. \`data\` is the record's bytes as a
string: the text itself when the bytes are valid UTF-8 ("encoding": "utf8"), else base64
("encoding": "base64").
  --jsonl        the format (the only one; required)
  --id ID        only this exchange
  --base64       data always as base64, for byte-exact tools
${SOURCES}`,
  grep: `npm run capture -- grep <text> [--dir PATH]...

The exchanges any leg of which contains <text> (case-insensitive; heads, headers and bytes, a stream's
chunks joined), one line per matching leg: time, id, the leg (upstream legs with their attempt), and the
text around the match. Exits 1 when nothing matches.
${SOURCES}`,
  replay: `npm run capture -- replay <id> [--port N] [--attempt K] [--speed F] [--once] [--dir PATH]...

Serves exchange <id>'s upstream answer as a fake upstream on http://127.0.0.1:N: any POST, on any path, gets
the same status, headers and chunks, with the same waits between chunks as captured (an answer that broke off
breaks off the same way). Point the gateway at it (e.g. OPENAI_BASE_URL=http://127.0.0.1:N/v1) to reproduce
a bug offline. Prints its URL; stops on Ctrl-C.
  --port N       the port (default 0: a free one, printed)
  --attempt K    the answer of attempt K (default: the last successful attempt)
  --speed F      F times as fast (default 1; 0: no waiting at all)
  --once         stop after serving one request
Hop-by-hop and encoding headers (connection, transfer-encoding, content-length, content-encoding) are not
repeated: the captured bytes are the decoded ones and the server frames them itself.
${SOURCES}`,
}

interface Parsed {
  positional: string[]
  flags: Map<string, string[]>
}

const VALUE_FLAGS = new Set(['dir', 'since', 'limit', 'port', 'attempt', 'speed', 'id'])
const BOOLEAN_FLAGS: Record<string, string[]> = {
  list: ['json'],
  show: ['timing'],
  export: ['jsonl', 'base64'],
  grep: [],
  replay: ['once'],
}
const COMMAND_VALUES: Record<string, string[]> = {
  list: ['dir', 'since', 'limit'],
  show: ['dir'],
  export: ['dir', 'id'],
  grep: ['dir'],
  replay: ['dir', 'port', 'attempt', 'speed'],
}

function parse(command: string, args: string[]): Parsed {
  const positional: string[] = []
  const flags = new Map<string, string[]>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') {
      positional.push(...args.slice(i + 1))
      break
    }
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    if (COMMAND_VALUES[command]!.includes(name) && VALUE_FLAGS.has(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1)
      if (value === undefined) throw new UsageError(`--${name} needs a value`)
      flags.set(name, [...(flags.get(name) ?? []), value])
    } else if (BOOLEAN_FLAGS[command]!.includes(name) && eq === -1) flags.set(name, ['true'])
    else throw new UsageError(`unknown option ${arg} for "${command}"`)
  }
  return { positional, flags }
}

const one = (p: Parsed, name: string) => p.flags.get(name)?.at(-1)

function integer(p: Parsed, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = one(p, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}"`)
  return n
}

/** `--since`: an ISO date or time, or a duration back from now (90s, 30m, 2h, 7d). */
export function parseSince(value: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim())
  if (d) return now - Number(d[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[d[2] as 's' | 'm' | 'h' | 'd']
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new UsageError(`--since must be an ISO date or time (2026-12-05T17:00Z) or a duration such as 30m, 2h or 7d, not "${value}"`)
  return t
}

/** Reads the captures the options name; says what is wrong with a path that is not there or not a capture. */
async function load(io: CaptureIo, paths: string[]): Promise<CapturedExchange[]> {
  const given = paths.length > 0
  const where = given ? paths : [defaultDir(io.env)]
  const sources: CaptureSource[] = []
  const strictSources: CaptureSource[] = []
  let files = 0
  for (const path of where) {
    const kind = await io.stat(path)
    if (!kind)
      throw new Error(given ? `no such file or directory: ${path}` : `no capture directory ${path} (set CAPTURE_DIR, or pass --dir DIR or a capture file)`)
    if (kind === 'file') {
      strictSources.push({ name: path, bytes: await io.readFile(path) })
      continue
    }
    for (const file of await io.listFiles(path)) {
      files++
      sources.push({ name: file, bytes: await io.readFile(file) })
    }
  }
  // A file named on its own must be a capture; files found in a directory that are not are only counted.
  readCaptures(strictSources, true)
  const { exchanges, skipped } = readCaptures([...strictSources, ...sources])
  if (!exchanges.length) {
    if (skipped.length) io.stderr(`${skipped.length} of the ${files} files in ${where.join(', ')} are not captures (${skipped[0]!.name}: ${skipped[0]!.reason})\n`)
    else io.stderr(`no captured exchanges in ${where.join(', ')}\n`)
  }
  return exchanges
}

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

function table(rows: ExchangeOverview[]): string {
  const head = ['time (UTC)', 'id', 'session', 'client', 'route', 'status', 'tokens in/out', 'stream']
  const cells = rows.map((o) => [time(o.at), o.id, o.session ?? '-', o.client ?? '-', o.route, o.status === undefined ? '?' : String(o.status), `${o.inputTokens ?? '?'}/${o.outputTokens ?? '?'}`, o.stream ? 'stream' : '-'])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  return [head, ...cells].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n'
}

async function list(io: CaptureIo, p: Parsed): Promise<number> {
  const since = one(p, 'since')
  const from = since === undefined ? undefined : parseSince(since)
  const limit = integer(p, 'limit', 1)
  let exchanges = await load(io, [...(p.flags.get('dir') ?? []), ...p.positional])
  if (from !== undefined) exchanges = exchanges.filter((e) => e.at >= from)
  if (limit !== undefined) exchanges = exchanges.slice(-limit)
  const rows = exchanges.map(overview)
  if (one(p, 'json')) io.stdout(rows.map((r) => `${JSON.stringify(r)}\n`).join(''))
  else if (rows.length) io.stdout(table(rows))
  return 0
}

function idArg(p: Parsed, command: string, what: string): string {
  const id = p.positional.shift()
  if (!id) throw new UsageError(`${command} needs ${what}`)
  return id
}

async function show(io: CaptureIo, p: Parsed): Promise<number> {
  const id = idArg(p, 'show', 'an exchange id')
  const ex = findExchange(await load(io, [...(p.flags.get('dir') ?? []), ...p.positional]), id)
  io.stdout(showExchange(ex, { timing: !!one(p, 'timing') }))
  return 0
}

async function exportCommand(io: CaptureIo, p: Parsed): Promise<number> {
  if (!one(p, 'jsonl')) throw new UsageError('export needs its format: --jsonl')
  let exchanges = await load(io, [...(p.flags.get('dir') ?? []), ...p.positional])
  const id = one(p, 'id')
  if (id !== undefined) exchanges = [findExchange(exchanges, id)]
  for (const line of exportJsonl(exchanges, !!one(p, 'base64'))) io.stdout(line)
  return 0
}

async function grep(io: CaptureIo, p: Parsed): Promise<number> {
  const text = idArg(p, 'grep', 'the text to look for')
  const hits = grepCaptures(await load(io, [...(p.flags.get('dir') ?? []), ...p.positional]), text)
  if (!hits.length) {
    io.stderr(`no captured exchange contains "${text}"\n`)
    return 1
  }
  io.stdout(hits.map((h) => `${time(h.exchange.at)}  ${h.exchange.id}  ${h.leg}: ${h.context}\n`).join(''))
  return 0
}

async function replay(io: CaptureIo, p: Parsed): Promise<number> {
  const id = idArg(p, 'replay', 'an exchange id')
  const port = integer(p, 'port', 0, 65535) ?? 0
  const attempt = integer(p, 'attempt', 0)
  const speedText = one(p, 'speed')
  const speed = speedText === undefined ? 1 : Number(speedText)
  if (!Number.isFinite(speed) || speed < 0) throw new UsageError(`--speed must be a number ≥ 0 (2: twice as fast; 0: no waiting), not "${speedText}"`)
  if (!io.serve) throw new Error('replay needs a server, which this runtime does not give')
  const ex = findExchange(await load(io, [...(p.flags.get('dir') ?? []), ...p.positional]), id)
  const plan = replayPlan(ex, attempt)
  const server = await io.serve(replayHandler(plan, { speed }), port, !!one(p, 'once'))
  const size = plan.chunks.reduce((n, c) => n + c.bytes.length, 0)
  if (plan.incomplete) io.stderr(`warning: the capture kept only part of this answer (CAPTURE_MAX_EXCHANGE_BYTES); the replay serves what was kept\n`)
  io.stdout(
    `replaying exchange ${ex.id}, attempt ${plan.attempt}: status ${plan.status}, ${plan.chunks.length} chunk${plan.chunks.length === 1 ? '' : 's'}, ${size} bytes${plan.error ? `, then breaks off (${plan.error})` : ''}\n` +
      `${server.url}\n`,
  )
  await server.closed
  return 0
}

const COMMANDS: Record<string, (io: CaptureIo, p: Parsed) => Promise<number>> = { list, show, export: exportCommand, grep, replay }

/** Runs one command; answers its exit code. Errors go to stderr, saying what is wrong. */
export async function runCapture(argv: readonly string[], io: CaptureIo): Promise<number> {
  const [command, ...args] = argv
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' && args[0] && HELP[args[0]] ? args[0] : ''
    io.stdout(`${HELP[topic]}\n`)
    return command ? 0 : 2
  }
  const run = COMMANDS[command]
  if (!run) {
    io.stderr(`unknown command "${command}"\n\n${HELP['']}\n`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${HELP[command]}\n`)
    return 0
  }
  try {
    return await run(io, parse(command, args))
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`capture ${command}: ${err.message}\n\n${HELP[command]}\n`)
      return 2
    }
    io.stderr(`capture ${command}: ${(err as Error).message}\n`)
    return 1
  }
}
