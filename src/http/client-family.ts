/**
 * Whether a request on a route both OpenAI and Anthropic clients call
 * (`/v1/models`, `/v1/models/{id}`: the Anthropic SDK with base URL `http://host`
 * asks there too) comes from an Anthropic client. Anthropic's SDKs always send
 * `anthropic-version`; a bare `x-api-key` without `Authorization` is Anthropic's
 * way to authenticate too. OpenAI clients send `Authorization: Bearer` only.
 */
export function speaksAnthropic(headers: Headers): boolean {
  return headers.has('anthropic-version') || (headers.has('x-api-key') && !headers.has('authorization'))
}
