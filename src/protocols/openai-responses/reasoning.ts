import { idInStyle } from '../../hub/ids'
import type { RedactedThinkingPart, SignatureFormat, ThinkingPart } from '../../hub/request'
import { unwrapSignature, wrapSignature } from '../../hub/signature-envelope'
import { compact, isObj, OWN_FORMAT, str } from './wire'

/**
 * Reasoning items ↔ hub thinking.
 *
 * A reasoning item's visible text is its `summary` (summary_text parts, joined
 * by a blank line), or its `content` (reasoning_text parts) when a host sends
 * raw reasoning instead. Its `encrypted_content` is the hub signature.
 *
 * Toward a client, a signature from another provider family rides in
 * `encrypted_content` wrapped (`gwsig.<format>.<signature>`, hub/signature-envelope.ts).
 * Another family's *redacted* block (Anthropic `redacted_thinking`) is marked by
 * the format suffix `:redacted`, so it comes back as redacted_thinking and not
 * as an empty thinking block.
 */

const REDACTED = ':redacted'

export const SUMMARY_JOIN = '\n\n'

/** The visible text of a reasoning item. */
export function reasoningText(item: Record<string, unknown>): string {
  const texts = (list: unknown) =>
    Array.isArray(list) ? list.filter(isObj).map((p) => str(p.text)).filter((t): t is string => t !== undefined) : []
  const summary = texts(item.summary)
  return (summary.length ? summary : texts(item.content)).join(SUMMARY_JOIN)
}

/** An upstream's reasoning item → hub thinking (undefined when it carries nothing: no text, no encrypted content). */
export function thinkingFromUpstream(item: Record<string, unknown>): ThinkingPart | undefined {
  const text = reasoningText(item)
  const signature = str(item.encrypted_content)
  if (!text && !signature) return undefined
  return compact({
    type: 'thinking' as const,
    text,
    signature: signature || undefined,
    format: signature ? OWN_FORMAT : undefined,
    id: str(item.id),
  })
}

/** A reasoning item a client sent back → hub thinking, its encrypted content unwrapped to the format that made it. */
export function thinkingFromClient(item: Record<string, unknown>): ThinkingPart | RedactedThinkingPart {
  const text = reasoningText(item)
  const id = str(item.id) || undefined
  const raw = str(item.encrypted_content)
  if (!raw) return compact({ type: 'thinking' as const, text, id })
  const { signature, format } = unwrapSignature(raw, OWN_FORMAT)
  if (format.endsWith(REDACTED)) return compact({ type: 'redacted_thinking' as const, data: signature, format: format.slice(0, -REDACTED.length), id })
  return compact({ type: 'thinking' as const, text, signature, format, id })
}

/** The `encrypted_content` a client gets for a signature (or redacted data) of the given format. */
export function encryptedForClient(signature: string, format: SignatureFormat | undefined, redacted = false): string {
  if (redacted && format !== undefined && format !== OWN_FORMAT) return wrapSignature(signature, `${format}${REDACTED}`, OWN_FORMAT)
  return wrapSignature(signature, format, OWN_FORMAT)
}

export interface ReasoningOutputItem {
  id: string
  type: 'reasoning'
  summary: Array<{ type: 'summary_text'; text: string }>
  encrypted_content: string | null
}

/** Hub thinking → a reasoning output item for a Responses client. */
export function reasoningOutputItem(part: ThinkingPart | RedactedThinkingPart): ReasoningOutputItem {
  if (part.type === 'redacted_thinking')
    return { id: idInStyle(part.id, 'rs_'), type: 'reasoning', summary: [], encrypted_content: encryptedForClient(part.data, part.format, true) }
  return {
    id: idInStyle(part.id, 'rs_'),
    type: 'reasoning',
    summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
    encrypted_content: part.signature ? encryptedForClient(part.signature, part.format) : null,
  }
}
