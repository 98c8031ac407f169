import type { HubRequest } from '../../hub/request'
import { decodeRequest } from './decode-request'
import { isObj } from './decode-parts'

/**
 * A `:countTokens` body → HubRequest. Gemini takes either `{contents}` or
 * `{generateContentRequest: {model, contents, systemInstruction, tools, …}}`
 * (the form that counts the system instruction and tools too); the latter wins.
 * The model comes from the URL.
 */
export function decodeCountTokensRequest(body: unknown, model: string): HubRequest {
  const inner = isObj(body) && isObj(body.generateContentRequest) ? body.generateContentRequest : body
  const generate = isObj(inner) ? { ...inner } : inner
  if (isObj(generate)) delete generate.model // `models/…` in the inner request; the URL's model is used
  return decodeRequest(generate, { model, stream: false })
}

/** The `:countTokens` answer. */
export function encodeCountTokensResponse(totalTokens: number): { totalTokens: number } {
  return { totalTokens }
}
