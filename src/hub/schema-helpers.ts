import { z } from 'zod'
import { own } from './own'

/** Zod building blocks the protocol schemas share; errors land at the element that is wrong. */

export type CheckContext = { value: unknown; issues: unknown[] }

/** Runs `schema` on the current value and reports its issues at their own paths. */
export function nested(ctx: CheckContext, schema: z.ZodType): void {
  const result = schema.safeParse(ctx.value)
  if (!result.success) for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: ctx.value })
}

/**
 * `string | T[]`, with errors inside the array reported at the element
 * (a plain z.union would only say "Invalid input" at the parent).
 */
export function stringOrArray<T>(item: z.ZodType<T>, what: string) {
  const array = z.array(item)
  return z.custom<string | T[]>(() => true).check((ctx) => {
    if (typeof ctx.value === 'string') return
    if (!Array.isArray(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `Invalid input: expected a string or an array of ${what}` })
      return
    }
    nested(ctx as CheckContext, array)
  })
}

/** An object with a string `type`; the types we know are checked against their own schema. */
export function typedUnion<T extends Record<string, z.ZodType>>(known: T) {
  return z.looseObject({ type: z.string() }).check((ctx) => {
    const schema = own(known, ctx.value.type)
    if (schema) nested(ctx as CheckContext, schema)
  })
}
