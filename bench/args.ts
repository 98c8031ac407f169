/** `--name value` / `--flag` command-line options. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`)
}

export function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return undefined
  const v = process.argv[i + 1]
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`)
  return v
}

export function num(name: string, fallback: number): number {
  const v = option(name)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${v}`)
  return n
}

export const list = (name: string): string[] | undefined => option(name)?.split(',').map((s) => s.trim()).filter(Boolean)
