/** Small helpers for reading and writing loosely typed Responses JSON. */

export const PROTOCOL = 'openai-responses'

/** The signature format of OpenAI reasoning (`encrypted_content`), in the hub's vocabulary. */
export const OWN_FORMAT = 'openai-responses-v1'

export type Obj = Record<string, unknown>

export const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** Drops keys whose value is undefined, so decoded objects stay tidy. */
export function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key]
  return obj
}

/**
 * Native parts this protocol makes at the level of an input/output item (a
 * `web_search_call`, an `item_reference`) rather than inside a message's
 * content. Encoders write them back as items of their own.
 */
export const ITEM_LABEL = 'input item'
export const OUTPUT_ITEM_LABEL = 'output item'

export const itemLabel = (type: string) => `${ITEM_LABEL} "${type}"`
export const outputItemLabel = (type: string) => `${OUTPUT_ITEM_LABEL} "${type}"`
export const isItemLabel = (label: string) => label.startsWith(`${ITEM_LABEL} "`) || label.startsWith(`${OUTPUT_ITEM_LABEL} "`)
