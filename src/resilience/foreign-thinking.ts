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
 *
 * Between providers of one protocol (MiniMax or Kimi and Anthropic, two OpenAI organisations) no tag
 * says who signed what; there the upstream's refusal is recognised (`isThinkingSignatureError`) and
 * the request may be sent once more without any signed reasoning (`dropSignedThinking`,
 * `dropSignedThinkingFromBody`).
 */

/** The signature format each back-end protocol can verify; `undefined` where it verifies none (Chat Completions). */
const OWN: Record<ProtocolId, string | undefined> = {
  anthropic: 'anthropic-claude-v1',
  'openai-responses': 'openai-responses-v1',
  gemini: 'google-gemini-v1',
  'gemini-code-assist': 'google-gemini-v1',
  'openai-chat': undefined,
}

const NAME: Record<ProtocolId, string> = {
  anthropic: 'Anthropic',
  'openai-responses': 'OpenAI',
  gemini: 'Gemini',
  'gemini-code-assist': 'Gemini',
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
  return stripBody(protocol, body, isWrapped, warn, (n) => warning(n, protocol))
}

/**
 * An upstream refusing reasoning it cannot verify: Anthropic "Invalid `signature` in `thinking`
 * block", OpenAI `invalid_encrypted_content` ("The encrypted content … could not be verified"),
 * Gemini "Corrupted thought signature" / "Thought signature is not valid". It happens when a
 * conversation moved between providers of the same protocol (MiniMax or Kimi to Anthropic, another
 * OpenAI organisation's key), where no format tag says who signed what. The attempt loop may then
 * retry the same entry once with all signed reasoning removed (`dropSignedThinking`,
 * `dropSignedThinkingFromBody`).
 */
export function isThinkingSignatureError(err: { message: string; code?: string }, status: number): boolean {
  if (status !== 400) return false
  if (err.code === 'invalid_encrypted_content') return true
  return /invalid `?signature`? in `?thinking`? block|encrypted content .{0,200}could not be (?:verified|decrypted)|corrupted thought signature|thought signature is not valid/i.test(err.message)
}

/** The hub request without any signed or encrypted reasoning (every family's), for that retry. Tool-call signatures stay. */
export function dropSignedThinking(hub: HubRequest, warn: (message: string) => void): HubRequest {
  const signed = (p: ContentPart) => (p.type === 'thinking' && p.signature !== undefined) || p.type === 'redacted_thinking'
  let dropped = 0
  let messages: HubMessage[] | undefined
  hub.messages.forEach((m, i) => {
    if (m.role !== 'assistant' || !m.content.some(signed)) return
    const kept = m.content.filter((p) => !signed(p))
    dropped += m.content.length - kept.length
    messages ??= hub.messages.slice()
    messages[i] = { ...m, content: kept }
  })
  if (!messages) return hub
  warn(retryWarning(dropped))
  return { ...hub, messages }
}

/** The same for a passed-through body: every thinking block, reasoning item or thought signature goes (a Gemini function call's becomes Google's documented skip placeholder). */
export function dropSignedThinkingFromBody(
  protocol: ProtocolId,
  body: Record<string, unknown>,
  warn: (message: string) => void,
): Record<string, unknown> | undefined {
  return stripBody(protocol, body, (v) => typeof v === 'string', warn, retryWarning, true)
}

const retryWarning = (n: number) =>
  `the upstream could not verify the reasoning in the history (made by another provider or account): ${n} signed reasoning block${n === 1 ? '' : 's'} dropped and the request sent again`

/** Gemini's documented placeholder for a function call whose signature was lost. */
const SKIP_SIGNATURE = 'skip_thought_signature_validator'

function stripBody(
  protocol: ProtocolId,
  body: Record<string, unknown>,
  doomed: (signature: unknown) => boolean,
  warn: (message: string) => void,
  say: (dropped: number) => string,
  all = false,
): Record<string, unknown> | undefined {
  let dropped = 0
  let out: Record<string, unknown> | undefined
  if (protocol === 'anthropic' && Array.isArray(body.messages)) {
    const goes = (b: unknown) =>
      isObj(b) && ((b.type === 'thinking' && (all || doomed(b.signature))) || (b.type === 'redacted_thinking' && (all || doomed(b.data))))
    const messages = editEach(body.messages, (m) => {
      if (!isObj(m) || m.role !== 'assistant' || !Array.isArray(m.content) || !m.content.some(goes)) return m
      const content = m.content.filter((b) => !goes(b))
      dropped += m.content.length - content.length
      return { ...m, content }
    })
    if (messages) {
      out = { ...body, messages }
      // Manual thinking wants the last assistant turn of a tool loop to open with its thinking block;
      // if that block went, thinking goes for this request, as the Anthropic encoder does it.
      const last = (messages as unknown[]).findLast((m) => isObj(m) && m.role === 'assistant') as Record<string, unknown> | undefined
      const first = Array.isArray(last?.content) ? (last.content as unknown[]).find((b) => isObj(b) && b.type !== 'text') : undefined
      if (isObj(body.thinking) && body.thinking.type === 'enabled' && isObj(first) && first.type === 'tool_use') {
        delete out.thinking
        warn('thinking turned off for this request: the last assistant turn calls tools and its thinking could not be sent')
      }
    }
  } else if (protocol === 'openai-responses' && Array.isArray(body.input)) {
    const input = body.input.filter((it) => !(isObj(it) && it.type === 'reasoning' && doomed(it.encrypted_content)))
    dropped = body.input.length - input.length
    if (dropped) out = { ...body, input }
  } else if (protocol === 'gemini' && Array.isArray(body.contents)) {
    const goes = (p: unknown) => isObj(p) && p.thoughtSignature !== SKIP_SIGNATURE && doomed(p.thoughtSignature)
    const contents = editEach(body.contents, (c) => {
      if (!isObj(c) || c.role !== 'model' || !Array.isArray(c.parts) || !c.parts.some(goes)) return c
      const parts: unknown[] = []
      for (const p of c.parts) {
        if (!goes(p)) parts.push(p)
        else {
          const part = p as Record<string, unknown>
          dropped++
          if (part.thought === true) continue
          const { thoughtSignature: _, ...rest } = part
          // Gemini 3 refuses a function call without a signature; Google documents this placeholder for one that lost it.
          parts.push(part.functionCall !== undefined ? { ...rest, thoughtSignature: SKIP_SIGNATURE } : rest)
        }
      }
      return { ...c, parts }
    })
    if (contents) out = { ...body, contents }
  }
  if (!out || !dropped) return undefined
  warn(say(dropped))
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
