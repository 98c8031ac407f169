/**
 * Parses a `.env` / `.dev.vars` file: `KEY=value` lines, `#` comments, optional
 * `export `, single or double quotes (double quotes understand \n).
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    let value = m[2]!
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"')
    else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1)
    else value = value.replace(/\s+#.*$/, '')
    out[m[1]!] = value
  }
  return out
}
