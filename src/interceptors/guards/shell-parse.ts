/**
 * Turns a shell command line, as a model wrote it, into the simple commands a
 * shell would run, so that destructive patterns match what would really happen
 * and not how it was spelled (after Codex's command_safety: parse first, then
 * match). Not a full shell: enough to see through the usual disguises.
 *
 * - ANSI escape sequences and control characters are removed, the text is NFKC
 *   normalised (fullwidth `ｒｍ` is `rm`).
 * - Quotes are removed and escapes undone (`'git' "reset" --ha\rd`).
 * - Chains are split on `&&`, `||`, `;`, `&`, `|` and newlines; `$(…)`, backticks,
 *   `<(…)` and `( … )` / `{ …; }` groups are parsed as commands of their own.
 * - `sh -c '…'`, `bash -lc '…'` (any shell, any flags with `c`) and `eval '…'` are
 *   unwrapped and their script parsed.
 * - Prefixes are skipped: `VAR=1`, `sudo`/`doas` (and their options), `env`
 *   (options, assignments), `time`, `nohup`, `nice`, `timeout N`, `command`,
 *   `exec`, `xargs` (options), `stdbuf`, `ionice`; a program's path is cut to its
 *   name (`/usr/bin/rm` is `rm`).
 * - `git`'s global options (`-C dir`, `-c k=v`, `--no-pager`…) are dropped, so
 *   `git -C repo reset --hard` reads `git reset --hard`.
 */

export interface SimpleCommand {
  /** The program, without its path. */
  name: string
  args: string[]
  /** Targets of output redirections (`>`, `>>`, `&>`, `2>`…). */
  writes: string[]
  /** The command this one reads from through a pipe (`curl … | sh`). */
  pipedFrom?: SimpleCommand
  /** `name args…`, space-separated: what patterns match. */
  text: string
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'busybox'])
const MAX_DEPTH = 6

/** Text as a terminal would show it: no escape sequences, NFKC-normalised. */
export function cleanText(s: string): string {
  return s
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '') // CSI
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '') // OSC
    .replace(/\x1b[@-Z\\-_]/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]/g, '')
    .normalize('NFKC')
}

/** The simple commands in a command line. */
export function parseCommandLine(line: string): SimpleCommand[] {
  const out: SimpleCommand[] = []
  parseInto(cleanText(line), out, 0)
  return out
}

/** The simple commands of an argv (`["bash", "-lc", "git reset --hard"]`). */
export function parseArgv(argv: string[]): SimpleCommand[] {
  const words = argv.map((w) => cleanText(String(w)))
  if (words.length === 1 && /\s/.test(words[0]!)) return parseCommandLine(words[0]!)
  const out: SimpleCommand[] = []
  simple(words, [], undefined, out, 0)
  return out
}

interface Lexed {
  words: string[]
  writes: string[]
}

/**
 * Splits `s` into pipelines of words. Substitutions found on the way are parsed
 * into `out` as commands of their own (they run too).
 */
function parseInto(s: string, out: SimpleCommand[], depth: number): void {
  if (depth > MAX_DEPTH) return
  let words: string[] = []
  let writes: string[] = []
  let word = ''
  let inWord = false
  let pendingWrite = false
  let prev: SimpleCommand | undefined
  let piped = false

  const endWord = () => {
    if (!inWord) return
    if (pendingWrite) {
      writes.push(word)
      pendingWrite = false
    } else words.push(word)
    word = ''
    inWord = false
  }
  const endCommand = (op: 'pipe' | 'seq') => {
    endWord()
    const before = out.length
    if (words.length || writes.length) simple(words, writes, piped ? prev : undefined, out, depth)
    prev = out.length > before ? out[out.length - 1] : undefined
    piped = op === 'pipe'
    words = []
    writes = []
  }
  /** The index just past the `close` that balances the opener at `i` (quotes and nesting honoured). */
  const balanced = (i: number, open: string, close: string): number => {
    let level = 1
    for (let j = i; j < s.length; j++) {
      const c = s[j]
      if (c === '\\') j++
      else if (c === "'") {
        const k = s.indexOf("'", j + 1)
        j = k < 0 ? s.length : k
      } else if (c === open) level++
      else if (c === close && --level === 0) return j + 1
    }
    return s.length
  }

  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '\\') {
      const n = s[i + 1]
      i++
      if (n === '\n' || n === undefined) continue
      word += n
      inWord = true
    } else if (c === "'") {
      const k = s.indexOf("'", i + 1)
      const end = k < 0 ? s.length : k
      word += s.slice(i + 1, end)
      inWord = true
      i = end
    } else if (c === '"') {
      inWord = true
      let j = i + 1
      for (; j < s.length && s[j] !== '"'; j++) {
        const d = s[j]!
        if (d === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1]!)) {
          if (s[j + 1] !== '\n') word += s[j + 1]
          j++
        } else if (d === '$' && s[j + 1] === '(') {
          const end = balanced(j + 2, '(', ')')
          parseInto(s.slice(j + 2, end - 1), out, depth + 1)
          word += s.slice(j, end)
          j = end - 1
        } else if (d === '`') {
          const k = s.indexOf('`', j + 1)
          const end = k < 0 ? s.length : k
          parseInto(s.slice(j + 1, end), out, depth + 1)
          word += s.slice(j, end + 1)
          j = end
        } else word += d
      }
      i = j
    } else if (c === '$' && s[i + 1] === '(') {
      const end = balanced(i + 2, '(', ')')
      parseInto(s.slice(i + 2, end - 1), out, depth + 1)
      word += s.slice(i, end)
      inWord = true
      i = end - 1
    } else if (c === '`') {
      const k = s.indexOf('`', i + 1)
      const end = k < 0 ? s.length : k
      parseInto(s.slice(i + 1, end), out, depth + 1)
      word += s.slice(i, end + 1)
      inWord = true
      i = end
    } else if ((c === '<' || c === '>') && s[i + 1] === '(') {
      const end = balanced(i + 2, '(', ')')
      parseInto(s.slice(i + 2, end - 1), out, depth + 1)
      word += s.slice(i, end)
      inWord = true
      i = end - 1
    } else if (c === '(' && !inWord) {
      // A subshell group: its commands run like any other.
      endCommand('seq')
      const end = balanced(i + 1, '(', ')')
      parseInto(s.slice(i + 1, end - 1), out, depth + 1)
      i = end - 1
    } else if (c === '{' && !inWord && /\s/.test(s[i + 1] ?? '')) {
      endCommand('seq')
    } else if (c === '}' && !inWord && words.length === 0) {
      endCommand('seq')
    } else if (c === '#' && !inWord) {
      const k = s.indexOf('\n', i)
      i = (k < 0 ? s.length : k) - 1
    } else if (c === '>' || (c === '&' && s[i + 1] === '>')) {
      // `>`, `>>`, `>|`, `&>`, `2>`, `2>&1`: a digit word just before is the fd.
      if (inWord && /^\d+$/.test(word)) {
        word = ''
        inWord = false
      } else endWord()
      if (c === '&') i++
      while (s[i + 1] === '>' || s[i + 1] === '|') i++
      if (s[i + 1] === '&') {
        // `>&2`: a duplication, not a file.
        i++
        while (/[\d-]/.test(s[i + 1] ?? '')) i++
        continue
      }
      pendingWrite = true
    } else if (c === '<') {
      endWord()
      while (s[i + 1] === '<' || s[i + 1] === '-') i++
      // Input redirection: the next word is a file to read, not an argument.
      pendingWrite = false
      let j = i + 1
      while (s[j] === ' ' || s[j] === '\t') j++
      while (j < s.length && !/[\s;&|()<>]/.test(s[j]!)) j++
      i = j - 1
    } else if (c === '|' || c === '&' || c === ';' || c === '\n') {
      const pipe = c === '|' && s[i + 1] !== '|'
      if ((c === '|' || c === '&' || c === ';') && s[i + 1] === c) i++
      if (c === '|' && s[i + 1] === '&') i++
      endCommand(pipe ? 'pipe' : 'seq')
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord()
    } else {
      word += c
      inWord = true
    }
  }
  endCommand('seq')
}

/** Option letters of a short flag cluster (`-rf` → `rf`), or '' when `w` is not one. */
const shortFlags = (w: string) => (/^-[A-Za-z]+$/.test(w) ? w.slice(1) : '')

/**
 * One simple command: prefixes skipped, wrappers unwrapped, `git` globals
 * dropped; pushed to `out` (a wrapper pushes the commands of its script instead).
 */
function simple(words: string[], writes: string[], pipedFrom: SimpleCommand | undefined, out: SimpleCommand[], depth: number): void {
  let i = 0
  const at = () => words[i] ?? ''
  for (let guard = 0; guard < 32 && i < words.length; guard++) {
    const w = at()
    const name = baseName(w)
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++
    else if (name === 'sudo' || name === 'doas') {
      i++
      while (at().startsWith('-')) {
        const f = at()
        i++
        // Options that take a value: -u user, -g group, -C fd, -D dir, -h host, -p prompt, -r role, -t type, -U user.
        if (/^-[ugCDhprtTU]$/.test(f)) i++
        if (f === '--') break
      }
    } else if (name === 'env') {
      i++
      while (at().startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(at())) {
        const f = at()
        i++
        if (/^-[uCS]$/.test(f) || f === '--unset' || f === '--chdir') i++
        if (f === '--') break
      }
    } else if (name === 'time' || name === 'nohup' || name === 'command' || name === 'builtin' || name === 'exec' || name === 'stdbuf' || name === 'ionice' || name === 'caffeinate') {
      i++
      while (at().startsWith('-')) i++
    } else if (name === 'nice') {
      i++
      if (at() === '-n') i += 2
      else while (at().startsWith('-')) i++
    } else if (name === 'timeout') {
      i++
      while (at().startsWith('-')) {
        const f = at()
        i++
        if (f === '-s' || f === '-k' || f === '--signal' || f === '--kill-after') i++
      }
      i++ // the duration
    } else if (name === 'xargs') {
      i++
      while (at().startsWith('-')) {
        const f = at()
        i++
        if (/^-[IdEeLlnPsa]$/.test(f)) i++
      }
    } else break
  }
  const rest = words.slice(i)
  if (rest.length === 0) {
    if (writes.length) out.push(make('', [], writes, pipedFrom))
    return
  }
  const name = baseName(rest[0]!)
  const args = rest.slice(1)

  if (SHELLS.has(name) && depth < MAX_DEPTH) {
    const c = args.findIndex((a) => a === '-c' || (/^-[A-Za-z]+$/.test(a) && a.includes('c')) || a === '--command')
    if (c >= 0 && args[c + 1] !== undefined) {
      // The shell itself is kept when what it runs comes from a pipe or a substitution (`sh -c "$(curl …)"`).
      if (pipedFrom || /^\s*(?:\$\(|`|<\()/.test(args[c + 1]!)) out.push(make(name, args, writes, pipedFrom))
      parseInto(args[c + 1]!, out, depth + 1)
      return
    }
  }
  if (name === 'eval' && depth < MAX_DEPTH) {
    parseInto(args.join(' '), out, depth + 1)
    return
  }
  if (name === 'git') {
    let j = 0
    while (j < args.length && args[j]!.startsWith('-')) {
      const f = args[j]!
      j++
      if (['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--super-prefix', '--config-env'].includes(f)) j++
    }
    out.push(make(name, args.slice(j), writes, pipedFrom))
    return
  }
  out.push(make(name, args, writes, pipedFrom))
}

function baseName(w: string): string {
  const slash = w.lastIndexOf('/')
  return slash >= 0 && slash < w.length - 1 ? w.slice(slash + 1) : w
}

function make(name: string, args: string[], writes: string[], pipedFrom: SimpleCommand | undefined): SimpleCommand {
  const c: SimpleCommand = { name, args, writes, text: [name, ...args].join(' ').trim() }
  if (pipedFrom) c.pipedFrom = pipedFrom
  return c
}

export { shortFlags }
