import type { FinishReason, Usage } from './response'
import type { GatewayError } from './errors'
import type { SignatureFormat, ToolNamespace } from './request'

/**
 * Canonical stream events. Decoders (upstream wire → hub) emit them as upstream
 * events arrive; encoders (hub → client wire) turn each into zero or more client
 * events at once. Nothing waits for the end of the stream.
 *
 * Ordering contract:
 * - `start` comes first, exactly once.
 * - Text and thinking have no explicit block boundaries: a change of kind, a tool
 *   call, or `finish` ends the run. `thinking_delta` may carry only a signature.
 * - Tool calls are numbered by `index` (0, 1, 2 … in order of first appearance
 *   within the response). `tool_call_start` precedes that index's deltas, and
 *   `tool_call_end` follows them. Several tool calls may be open at once (some
 *   upstreams interleave them); encoders that need sequential blocks must order
 *   them without losing argument text. A `custom` call's deltas are raw text, not JSON.
 * - A thinking run that carries an `id` (OpenAI Responses reasoning items) ends
 *   where the id changes.
 * - `usage` may come any number of times; each carries the totals so far.
 * - The stream ends with exactly one `finish` or one `error`.
 */
export type HubStreamEvent =
  | { type: 'start'; id: string; model: string; usage?: Usage; created?: number }
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; text: string; signature?: string; format?: SignatureFormat; id?: string }
  | { type: 'redacted_thinking'; data: string; format?: SignatureFormat; id?: string }
  | {
      type: 'tool_call_start'
      index: number
      id: string
      name: string
      kind?: 'function' | 'custom'
      signature?: string
      /** OpenAI Responses: the call's namespace; `name` is then the flat name. */
      namespace?: ToolNamespace
    }
  | { type: 'tool_call_delta'; index: number; argumentsDelta: string }
  | { type: 'tool_call_end'; index: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; stopSequence?: string; usage?: Usage }
  | { type: 'error'; error: GatewayError }
