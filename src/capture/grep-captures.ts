import { attemptAnswers } from './exchange-overview'
import type { CaptureRecord } from './format'
import type { CapturedExchange } from './read-captures'

/** Where text was found: the leg (with its attempt for the upstream ones) and a little of what surrounds it. */
export interface GrepHit {
  exchange: CapturedExchange
  /** `client-request`, `upstream-request #2`, `upstream-response #1`, `client-response`, `exchange`. */
  leg: string
  context: string
}

const lossy = new TextDecoder()

/** A leg's searchable text: its heads' meta as JSON, then its bytes joined (a match may span chunks). */
function legText(records: CaptureRecord[]): string {
  const metas = records.filter((r) => r.kind !== 'chunk' && r.kind !== 'body').map((r) => JSON.stringify(r.meta))
  const bytes = records.filter((r) => r.data).map((r) => lossy.decode(r.data))
  return `${metas.join('\n')}\n${bytes.join('')}`
}

function around(text: string, at: number, length: number): string {
  const from = Math.max(0, at - 40)
  const to = Math.min(text.length, at + length + 40)
  return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`
}

/** Every leg of every exchange that contains `needle`, case-insensitively; one hit per leg. */
export function grepCaptures(exchanges: Iterable<CapturedExchange>, needle: string): GrepHit[] {
  const wanted = needle.toLowerCase()
  const hits: GrepHit[] = []
  for (const ex of exchanges) {
    const legs: Array<[string, CaptureRecord[]]> = [['client-request', ex.records.filter((r) => r.leg === 'client-request')]]
    for (const a of attemptAnswers(ex)) {
      legs.push([`upstream-request #${a.attempt}`, a.request])
      legs.push([`upstream-response #${a.attempt}`, [...(a.head ? [a.head] : []), ...a.parts, ...(a.last ? [a.last] : [])]])
    }
    legs.push(['client-response', ex.records.filter((r) => r.leg === 'client-response')])
    legs.push(['exchange', ex.records.filter((r) => r.leg === 'exchange')])
    for (const [leg, records] of legs) {
      if (!records.length) continue
      const text = legText(records)
      const at = text.toLowerCase().indexOf(wanted)
      if (at !== -1) hits.push({ exchange: ex, leg, context: around(text, at, needle.length) })
    }
  }
  return hits
}
