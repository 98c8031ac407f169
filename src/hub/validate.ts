import type { z } from 'zod'
import { invalidRequest } from './errors'

/** `messages[2].content` from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out
}

/**
 * Parses `body` with a zod schema. On failure throws a 400 that names the first
 * offending field, e.g. `messages[1].role: Invalid option: expected one of ...`.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const where = formatPath(issue.path)
  throw invalidRequest(where ? `${where}: ${issue.message}` : issue.message, where || undefined)
}
