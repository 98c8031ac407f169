import type { GatewayError } from '../hub/errors'
import type { HubRequest } from '../hub/request'
import type { HubResponse } from '../hub/response'
import type { HubStreamEvent } from '../hub/stream'
import type { SseEvent } from '../sse/parse'
import type { Stage } from '../streams/stage'
import type { Envelope } from './envelope'

export const PROTOCOL_IDS = ['openai-chat', 'anthropic', 'gemini', 'openai-responses', 'gemini-code-assist'] as const
export type ProtocolId = (typeof PROTOCOL_IDS)[number]

/**
 * What a provider needs that the protocol alone does not say. Providers are data
 * (see src/providers); protocols read these flags and never test provider names.
 */
export interface UpstreamQuirks {
  /**
   * How assistant reasoning goes back to an OpenAI-compatible upstream in history:
   * `reasoning_content` (DeepSeek, vLLM, many hosts), `reasoning_details`
   * (OpenRouter's structured form, keeps signatures) or `none` (OpenAI itself,
   * which rejects unknown message fields).
   */
  reasoningHistory?: 'reasoning_content' | 'reasoning_details' | 'none'
  /** Models that take `max_completion_tokens` and `reasoning_effort` and refuse sampling knobs. */
  reasoningModel?: (model: string) => boolean
  /**
   * The host's rule for tool-call ids in history. `alphanumeric9` (Mistral):
   * exactly 9 characters of [a-zA-Z0-9]; any other id is mapped to one
   * deterministically, so a call and its result still pair up.
   */
  toolCallIds?: 'alphanumeric9'
  /**
   * The host refuses assistant turns without `reasoning_content` in thinking
   * mode (DeepSeek: every assistant turn of a user turn that used tools;
   * Moonshot/Kimi: every tool-call turn). Each assistant message gets one: its
   * reasoning when the history kept it, else an empty string.
   */
  reasoningContentRequired?: boolean
  /**
   * Top-level body fields the host refuses (a 4xx for an unknown field):
   * removed, with a warning when the client asked for them. `stream_options`
   * goes silently: hosts that refuse it send stream usage anyway.
   */
  dropParams?: readonly string[]
  /** Top-level body fields the host spells differently (Mistral: `seed` → `random_seed`). */
  renameParams?: Readonly<Record<string, string>>
  /**
   * The host answers only as a stream (the ChatGPT Codex endpoint): a client that did not ask for one
   * gets its request sent streaming and the finished answer put together from the stream
   * (src/gateway/assemble-stream.ts).
   */
  streamsOnly?: boolean
}

export interface EncodeRequestContext {
  /** The upstream model id, selector removed. */
  model: string
  quirks: UpstreamQuirks
  /** Report a visible change to the request (clamped value, dropped field). */
  warn(message: string): void
}

/**
 * One wire protocol, both directions. As a front end the gateway calls
 * decodeRequest / encodeResponse / encodeStream / encodeError; as a back end it
 * calls encodeRequest / decodeResponse / decodeStream / decodeError.
 */
/** What a front end learns from the URL rather than the body (Gemini puts the model and streaming there). */
export interface RequestHints {
  model?: string
  stream?: boolean
}

export interface Protocol {
  readonly id: ProtocolId

  /** Validates a client's JSON body (throws a GatewayError naming the field) and maps it to the hub. */
  decodeRequest(body: unknown, hints?: RequestHints): HubRequest
  /** Model and stream flag only, with the conversation field's presence checked (see envelope.ts). */
  envelope(body: Record<string, unknown>, hints?: RequestHints): Envelope
  /** The JSON body a client of this protocol expects for a finished response. */
  encodeResponse(res: HubResponse, req: HubRequest): unknown
  /** Turns hub events into this protocol's SSE bytes, event by event. */
  encodeStream(req: HubRequest): TransformStream<HubStreamEvent, Uint8Array>
  /** The same as a synchronous stage, for single-pass translation. */
  streamEncoder(req: HubRequest): Stage<HubStreamEvent, string>
  /** This protocol's error body, and the HTTP status to send it with. */
  encodeError(err: GatewayError): { status: number; body: unknown }
  /** One SSE frame announcing an error mid-stream, for pass-through streams. */
  encodeStreamError(err: GatewayError): Uint8Array

  /** The generate endpoint below a back end's base URL, query included (`/chat/completions`). */
  upstreamPath(model: string, stream: boolean): string
  /**
   * For pass-through: what a host's quirks require of a client body in this same
   * protocol (Mistral's tool-call ids, say). Returns undefined when nothing
   * changes, so the body goes on untouched.
   */
  adaptPassThrough?(body: Record<string, unknown>, ctx: EncodeRequestContext): Record<string, unknown> | undefined
  /** The JSON body to send to an upstream that speaks this protocol. */
  encodeRequest(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown>
  /** Maps an upstream's finished response body to the hub. */
  decodeResponse(body: unknown): HubResponse
  /** Maps an upstream's SSE events to hub events as they arrive. */
  decodeStream(): TransformStream<SseEvent, HubStreamEvent>
  /** The same as a synchronous stage, for single-pass translation. */
  streamDecoder(): Stage<SseEvent, HubStreamEvent>
  /** Maps an upstream's error answer (status and raw body text) to a GatewayError. */
  decodeError(status: number, body: string): GatewayError
}
