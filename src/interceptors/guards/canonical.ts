/** JSON text with object keys sorted and no spaces, so equal arguments compare equal however they were written; other text as is. */
export function canonicalJson(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)))
  } catch {
    return text
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) o[k] = sortKeys((v as Record<string, unknown>)[k])
    return o
  }
  return v
}
