/**
 * Hostile inputs for the fuzz tests: values, bodies, paths, headers and model
 * names that break naive code (prototype names, deep nesting, wrong types,
 * malformed percent-encoding), as fast-check arbitraries.
 */
import fc from 'fast-check'

/** Names that are properties of every plain object. */
export const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'toJSON', 'then']

/** Placeholder a body carries where the serialised text gets 10,000 levels of nesting. */
export const DEEP_MARK = '\u0000deep\u0000'
const DEEP_LEVELS = 10_000

/** The JSON text of a body, with every deep mark replaced by absurd nesting (built as text: no stack needed). */
export function serialise(body: unknown): string {
  const text = JSON.stringify(body) ?? 'null'
  if (!text.includes('deep\\u0000')) return text
  const deep = '{"a":'.repeat(DEEP_LEVELS / 2) + '[[' + '['.repeat(DEEP_LEVELS / 2) + ']'.repeat(DEEP_LEVELS / 2) + ']]' + '}'.repeat(DEEP_LEVELS / 2)
  return text.split(JSON.stringify(DEEP_MARK)).join(deep)
}

/** An object whose own keys are prototype names (JSON.parse makes `__proto__` an own key). */
const protoObject = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...PROTO_NAMES), fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.integer(), fc.constant(null))), { minLength: 1, maxLength: 4, selector: ([k]) => k })
  .map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as unknown)

const weirdString = fc.oneof(
  fc.constantFrom(...PROTO_NAMES),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\u202e', '%', '%zz', '%E0%A4%A', '../..', '#', '?', 'a'.repeat(10_000), '{"a":1}', 'null', 'NaN', '-1', '1e309'),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
)

/** A 1.4 KB JSON Schema whose $refs fan out 2^20-fold once inlined. */
const FAN_OUT = (() => {
  const $defs: Record<string, unknown> = { d20: { type: 'string' } }
  for (let i = 0; i < 20; i++) $defs[`d${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } } }
  return { type: 'object', properties: { root: { $ref: '#/$defs/d0' } }, $defs }
})()

/** Any value a hostile client might put anywhere. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, [], {}, [null], [[]], [{}], { type: null }, DEEP_MARK, FAN_OUT, { $ref: '#' }) },
  { weight: 3, arbitrary: weirdString },
  { weight: 2, arbitrary: protoObject },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_NAMES).map((type) => ({ type, role: type, text: 'x', name: type })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(null, 1, 'x', {}, [], DEEP_MARK), { maxLength: 4 }) },
)

type Json = unknown

function clone(v: Json): Json {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v))
}

/** One change to a body: a walk (child index per step) and what to do at its end. */
export interface Mutation {
  walk: number[]
  op: 'replace' | 'delete' | 'add-key' | 'wrap-in-array'
  key: string
  value: unknown
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  walk: fc.array(fc.nat(), { maxLength: 8 }),
  op: fc.constantFrom('replace', 'replace', 'delete', 'add-key', 'wrap-in-array'),
  key: fc.oneof(fc.constantFrom(...PROTO_NAMES, 'type', 'role', 'model', 'content', 'text', 'tools', 'stream'), fc.string({ maxLength: 5 })),
  value: hostileValue,
})

/** A valid body with a few hostile changes (the body is copied first). */
export function mutate(base: Json, mutations: Mutation[]): Json {
  const root = { v: clone(base) } as Record<string, Json>
  for (const m of mutations) {
    let parent: Record<string, Json> | Json[] = root
    let key: string | number = 'v'
    for (const step of m.walk) {
      const here = (parent as Record<string, Json>)[key as string]
      if (!here || typeof here !== 'object') break
      const keys: Array<string | number> = Array.isArray(here) ? here.map((_, i) => i) : Object.keys(here)
      if (keys.length === 0) break
      parent = here as Record<string, Json>
      key = keys[step % keys.length]!
    }
    const target = (parent as Record<string, Json>)[key as string]
    switch (m.op) {
      case 'replace':
        ;(parent as Record<string, Json>)[key as string] = clone(m.value)
        break
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1)
        else delete parent[key as string]
        break
      case 'add-key':
        if (target && typeof target === 'object' && !Array.isArray(target))
          Object.defineProperty(target, m.key, { value: clone(m.value), enumerable: true, configurable: true, writable: true })
        break
      case 'wrap-in-array':
        ;(parent as Record<string, Json>)[key as string] = [target]
        break
    }
  }
  return root.v
}

/** Model names: each back end's, and ones meant to escape the upstream URL or hit prototype lookups. */
export const modelName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('openai:gpt-4.1', 'anthropic:claude-x', 'gemini:gemini-2.5-flash', 'openai-responses:gpt-5', 'gpt-4.1', 'claude-sonnet-4-5', 'gemini-2.5-flash') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'gemini:../../v1beta/files', 'gemini:models/../../x', 'gemini:a/../../b', 'gemini:x#frag', 'gemini:x?alt=json', 'gemini:tunedModels/../x',
      'gemini:a%2F..%2Fb', 'gemini:x\u0000y', 'gemini:x\r\nHost: evil', 'openai:..', 'openai:gpt?constructor=1', 'openai:gpt?__proto__=1',
      'openai:gpt?toString=x', 'openai:gpt?temperature=abc', 'openai:gpt?temperature', 'constructor:gpt', '__proto__:gpt', 'toString:x', 'hasOwnProperty',
      'constructor', '__proto__', 'openai:', ':gpt', '%', '%zz', '%E0%A4%A', 'openai:gpt?max_tokens=1e400', 'a'.repeat(5000), 'openai:\ud800',
    ),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('openai:', 'anthropic:', 'gemini:', 'openai-responses:', ''), weirdString).map(([p, s]) => p + s) },
)

/** Headers a hostile client might send along (a valid key most of the time). */
export function headerSets(clientKey: string) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<Record<string, string>>({}) },
    {
      weight: 3,
      arbitrary: fc.dictionary(
        fc.constantFrom('anthropic-version', 'anthropic-beta', 'accept', 'content-type', 'x-goog-api-client', 'openai-beta', 'x-stainless-arch', 'constructor', '__proto__', 'accept-encoding', 'user-agent'),
        fc.oneof(fc.constantFrom('', '%', '2023-06-01', 'text/event-stream', 'application/json', 'toString', 'x'.repeat(4000)), fc.string({ maxLength: 10 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))),
        { maxKeys: 3 },
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ authorization: 'Bearer wrong' }, { authorization: '' }, { authorization: 'Basic x' }, { 'x-api-key': `${clientKey}x` }, { authorization: 'Bearer' }) },
  )
}

/** A path made hostile: malformed escapes, doubled slashes, dot segments. */
export function hostilePath(path: string) {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(path) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2e%2e', '%2F', '//', '/../', '/./').map((bad) => insertAt(path, bad)) },
    { weight: 1, arbitrary: fc.constantFrom('?key=%', '?alt=%zz', '?key=a&key=b', '?%=%', '?__proto__=1&constructor=2', '?alt=sse&alt=json').map((q) => path + (path.includes('?') ? q.replace('?', '&') : q)) },
  )
}

function insertAt(path: string, bad: string): string {
  const slashes = [...path.matchAll(/\//g)].map((m) => m.index!)
  const at = slashes[Math.floor(slashes.length / 2)] ?? 0
  return path.slice(0, at + 1) + bad + path.slice(at + 1)
}
