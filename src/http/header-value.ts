/** Characters HTTP forbids in a field value, or that runtimes refuse (CR, LF, NUL and other controls). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g
/** Typographic characters written as their ASCII look-alikes, so a warning stays readable. */
const ASCII_LOOKALIKE: Record<string, string> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '--', '\u2212': '-',
  '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"', '\u2026': '...', '\u2192': '->', '\u00a0': ' ',
}
const LOOKALIKE = /[\u2010-\u2014\u2212\u2018\u2019\u201c\u201d\u2026\u2192\u00a0]/g
const NON_ASCII = /[^\u0000-\u007f]/gu
const HAS_NON_ASCII = /[^\u0000-\u007f]/

/** The longest value the gateway writes into one header of its own. */
export const MAX_HEADER_VALUE = 4096

/**
 * A text made safe for a response header written by the gateway (`x-gateway-warnings`):
 * Node, Deno and workerd refuse some characters outright (a non-Latin-1 character, CR or LF
 * turns the whole response into a plain-text 500). Dashes and quotes become their ASCII
 * look-alikes, any other non-ASCII character is percent-encoded as UTF-8, controls become
 * spaces, and the value is capped at MAX_HEADER_VALUE characters.
 */
export function headerValue(text: string): string {
  let s = text.replace(CONTROL, ' ')
  if (HAS_NON_ASCII.test(s))
    s = s.replace(LOOKALIKE, (c) => ASCII_LOOKALIKE[c] ?? c).replace(NON_ASCII, utf8Escape)
  s = s.trim()
  return s.length > MAX_HEADER_VALUE ? `${s.slice(0, MAX_HEADER_VALUE - 3)}...` : s
}

/** One code point as percent-encoded UTF-8; a lone surrogate (not a character) as U+FFFD. */
function utf8Escape(c: string): string {
  try {
    return encodeURIComponent(c)
  } catch {
    return '%EF%BF%BD'
  }
}
