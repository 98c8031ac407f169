import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** test/fixtures: copies of ../shared/fixtures (see its README for origin and licence). */
export const FIXTURES = resolve(__dirname, '../fixtures')

export function listRecorded(folder: string, suffix: '.json' | '.chunks.txt'): string[] {
  return readdirSync(join(FIXTURES, 'recorded', folder))
    .filter((f) => f.endsWith(suffix) && (suffix === '.chunks.txt' || !f.endsWith('.chunks.txt')))
    .sort()
}

export function readRecordedJson(folder: string, file: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, 'recorded', folder, file), 'utf8'))
}

/** The `data:` payloads of a recorded stream, one per line. */
export function readRecordedChunks(folder: string, file: string): string[] {
  return readFileSync(join(FIXTURES, 'recorded', folder, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
}

export function listClientRequests(client: string): string[] {
  return readdirSync(join(FIXTURES, 'clients', client)).filter((f) => f.endsWith('.json')).sort()
}

/** A captured client request: { method, path, headers, body, fake_response, ... }. */
export function readClientRequest(client: string, file: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, 'clients', client, file), 'utf8'))
}
