/** Longest header value the gateway writes from text it did not choose (the warnings list). */
const MAX_HEADER_CHARS = 4096

/**
 * Text as a header value every runtime and client accepts: printable ASCII,
 * anything else (line breaks, control and non-Latin characters, which a
 * Response refuses outright) escaped as `\uXXXX`, and cut at 4,096 characters.
 */
export function headerValue(text: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = /^[\x20-\x7e]*$/.test(text) ? text : text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return safe.length > MAX_HEADER_CHARS ? `${safe.slice(0, MAX_HEADER_CHARS - 3)}...` : safe
}
