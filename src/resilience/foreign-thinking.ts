import type { ContentPart, HubMessage, HubRequest } from '../hub/request'
import type { ProtocolId } from '../protocols/types'

/**
 * Thinking signatures belong to the provider family that made them. When a conversation moves to
 * another provider (failover, or a client switching models mid-conversation), signed reasoning the
 * new upstream cannot verify must not reach it: Anthropic answers 400 "Invalid signature in
 * thinking block", OpenAI `invalid_encrypted_content`, Gemini a corrupted thought signature.
 *
 * Translated requests: each encoder already keeps only its own family's signed reasoning
 * (protocols/<p>/encode-request.ts; test/resilience/foreign-thinking.test.ts checks every pair);
 * `dropForeignThinking` applies the same rule to the hub ahead of them, so one warning names what
 * went. Passed-through requests are never decoded, and there the gap was real: a signature made by
 * another family reaches the client wrapped (`gwsig.<format>.<signature>`, hub/signature-envelope.ts)
 * and came back raw to the upstream; `dropForeignThinkingFromBody` takes it out.
 */

/** The signature format each back-end protocol can verify; `undefined` where it verifies none (Chat Completions). */
const OWN: Record<ProtocolId, string | undefined> = {
  anthropic: 'anthropic-claude-v1',
  'openai-responses': 'openai-responses-v1',
  gemini: 'google-gemini-v1',
  'openai-chat': undefined,
}

const NAME: Record<ProtocolId, string> = {
  anthropic: 'Anthropic',
  'openai-responses': 'OpenAI',
  gemini: 'Gemini',
  'openai-chat': 'the upstream',
}

const warning = (n: number, target: ProtocolId) =>
  `${n} signed reasoning block${n === 1 ? '' : 's'} from another provider dropped from the history (${NAME[target]} cannot verify ${n === 1 ? 'its signature' : 'their signatures'})`

/** Signed by a family other than the target's. An unrecorded origin counts as the target's own, as the encoders read it. */
function foreign(part: ContentPart, own: string): boolean {
  if (part.type === 'thinking') return part.signature !== undefined && part.format !== undefined && part.format !== own
  if (part.type === 'redacted_thinking') return part.format !== undefined && part.format !== own
  return false
}

/**
 * The hub request with every signed reasoning part another family made removed, and one warning
 * saying how many. Pure: the request is returned as it is when nothing goes, else a copy (only the
 * messages that change are copied). Chat Completions upstreams verify no signatures (their encoder
 * sends reasoning as plain `reasoning_content`, or OpenRouter's tagged `reasoning_details`, which
 * OpenRouter sorts out itself), so nothing is dropped for them.
 */
export function dropForeignThinking(hub: HubRequest, target: ProtocolId, warn: (message: string) => void): HubRequest {
  const own = OWN[target]
  if (own === undefined) return hub
  let dropped = 0
  let messages: HubMessage[] | undefined
  hub.messages.forEach((m, i) => {
    if (m.role !== 'assistant' || !m.content.some((p) => foreign(p, own))) return
    const kept = m.content.filter((p) => !foreign(p, own))
    dropped += m.content.length - kept.length
    messages ??= hub.messages.slice()
    messages[i] = { ...m, content: kept }
  })
  if (!messages) return hub
  warn(warning(dropped, target))
  return { ...hub, messages }
}

const WRAPPED = 'gwsig.'
const isWrapped = (v: unknown): boolean => typeof v === 'string' && v.startsWith(WRAPPED)
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A passed-through body (the client's protocol is the upstream's) with the reasoning another family
 * signed taken out: the blocks whose signature the gateway wrapped as `gwsig.…` when it gave them to
 * the client. Anthropic `thinking` / `redacted_thinking` blocks, Responses `reasoning` items and Gemini
 * thought parts go; a Gemini part that only carries such a `thoughtSignature` loses the field.
 * Undefined when nothing changes (the body then goes on as its original bytes), else a copy (only the
 * arrays and objects on the way are copied). One scan of the assistant turns, no allocation when
 * there is nothing to drop.
 */
export function dropForeignThinkingFromBody(
  protocol: ProtocolId,
  body: Record<string, unknown>,
  warn: (message: string) => void,
): Record<string, unknown> | undefined {
  let dropped = 0
  let out: Record<string, unknown> | undefined
  if (protocol === 'anthropic' && Array.isArray(body.messages)) {
    const messages = editEach(body.messages, (m) => {
      if (!isObj(m) || m.role !== 'assistant' || !Array.isArray(m.content)) return m
      const content = m.content.filter(
        (b) => !(isObj(b) && ((b.type === 'thinking' && isWrapped(b.signature)) || (b.type === 'redacted_thinking' && isWrapped(b.data)))),
      )
      if (content.length === m.content.length) return m
      dropped += m.content.length - content.length
      return { ...m, content }
    })
    if (messages) {
      out = { ...body, messages }
      // Manual thinking wants the last assistant turn of a tool loop to open with its thinking block;
      // if that block was foreign, thinking goes for this request, as the Anthropic encoder does it.
      const last = (messages as unknown[]).findLast((m) => isObj(m) && m.role === 'assistant') as Record<string, unknown> | undefined
      const first = Array.isArray(last?.content) ? (last.content as unknown[]).find((b) => isObj(b) && b.type !== 'text') : undefined
      if (isObj(body.thinking) && body.thinking.type === 'enabled' && isObj(first) && first.type === 'tool_use') {
        delete out.thinking
        warn('thinking turned off for this request: the last assistant turn calls tools and its thinking came from another provider')
      }
    }
  } else if (protocol === 'openai-responses' && Array.isArray(body.input)) {
    const input = body.input.filter((it) => !(isObj(it) && it.type === 'reasoning' && isWrapped(it.encrypted_content)))
    dropped = body.input.length - input.length
    if (dropped) out = { ...body, input }
  } else if (protocol === 'gemini' && Array.isArray(body.contents)) {
    const contents = editEach(body.contents, (c) => {
      if (!isObj(c) || c.role !== 'model' || !Array.isArray(c.parts) || !c.parts.some((p) => isObj(p) && isWrapped(p.thoughtSignature))) return c
      const parts: unknown[] = []
      for (const p of c.parts) {
        if (!isObj(p) || !isWrapped(p.thoughtSignature)) parts.push(p)
        else {
          dropped++
          if (p.thought === true) continue
          const { thoughtSignature: _, ...rest } = p
          parts.push(rest)
        }
      }
      return { ...c, parts }
    })
    if (contents) out = { ...body, contents }
  }
  if (!out || !dropped) return undefined
  warn(warning(dropped, protocol))
  return out
}

/** Maps each element; undefined when every element came back the same (nothing copied then). */
function editEach(list: unknown[], edit: (x: unknown) => unknown): unknown[] | undefined {
  let copy: unknown[] | undefined
  for (let i = 0; i < list.length; i++) {
    const next = edit(list[i])
    if (next !== list[i]) (copy ??= list.slice())[i] = next
  }
  return copy
}
