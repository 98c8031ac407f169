/** A random id with a protocol's customary prefix: `msg_…`, `chatcmpl-…`, `toolu_…`, `call_…`. */
export function newId(prefix: string): string {
  return prefix + crypto.randomUUID().replace(/-/g, '').slice(0, 24)
}

/**
 * A response or message id in the client's own style: the upstream's id when it
 * already has the prefix, else a fresh one (an Anthropic `msg_01…` reaching an
 * OpenAI client becomes `chatcmpl-…`; Gemini's bare responseId gets a prefix).
 * Tool-call ids are never passed through this: clients echo them back.
 */
export function idInStyle(id: string | undefined, prefix: string): string {
  return id && id.startsWith(prefix) ? id : newId(prefix)
}
