import { z } from 'zod'
import { PROTOCOL_IDS } from '../protocols/types'

/** What an HTTP header value may hold: no line breaks or other control characters, nothing beyond Latin-1. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const HEADER_VALUE_MESSAGE = 'must be valid in an HTTP header (no line breaks or control characters)'

/**
 * One endpoint as a user defines it, wherever it comes from: the config file,
 * `LLM_PROXY_ENDPOINT_<NAME>_*` variables, or the runtime registry API. One
 * schema, so every source is validated the same way.
 */
export const endpointDefinitionSchema = z.strictObject({
  /** The back end id clients use in `id:model`. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"')
    .max(64),
  /** Base URL, as the protocol expects it (OpenAI-compatible hosts end in /v1). */
  url: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL').transform((s) => s.replace(/\/+$/, '')),
  /**
   * A catalogue provider whose protocol, auth style and quirks this endpoint
   * shares (`openrouter`, `ollama`, `anthropic`…), or `openai-compatible` (the default).
   */
  provider: z.string().min(1).default('openai-compatible'),
  /** Overrides the provider's protocol. */
  protocol: z.enum(PROTOCOL_IDS).optional(),
  /** One key or a comma list; without one, requests go without auth. */
  key: z.string().regex(HEADER_VALUE, HEADER_VALUE_MESSAGE).optional(),
  models: z.array(z.string().min(1)).optional(),
  /** Sent with every request; names and values must be valid in HTTP (else every call would fail). */
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names must be HTTP tokens'), z.string().regex(HEADER_VALUE, HEADER_VALUE_MESSAGE)).optional(),
})

export type EndpointDefinition = z.output<typeof endpointDefinitionSchema>
export type EndpointSource = 'catalogue' | 'config' | 'env' | 'registry' | 'discovery'
