import { describe, expect, it } from 'vitest'
import { gemini } from '../../../src/protocols/gemini'
import { fromGeminiSchema } from '../../../src/protocols/gemini/from-gemini-schema'
import { toGeminiParameters, toGeminiSchema } from '../../../src/protocols/gemini/to-gemini-schema'
import { ctx, hubReq } from './helpers'

describe('JSON Schema → Gemini schema', () => {
  it('drops what Gemini refuses and converts what it can, at every depth', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'urn:tool',
      type: 'object',
      additionalProperties: false,
      strict: true,
      propertyNames: { pattern: '^[a-z]+$' },
      examples: [{ name: 'x' }],
      properties: {
        name: { type: ['string', 'null'], description: 'Who', default: 'anon', examples: ['bob'] },
        mode: { const: 'fast' },
        count: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10, default: 1 },
        email: { type: 'string', format: 'email', description: 'Mail' },
        when: { type: 'string', format: 'date-time' },
        ratio: { type: 'number', format: 'double', minimum: 0, maximum: 1 },
        choice: { anyOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'null' }] },
        either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        level: { enum: [1, 2, 3] },
        options: { type: 'object', properties: {}, additionalProperties: { type: 'string' }, default: { a: 1 } },
        tags: { type: 'array' },
        pairs: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { key: { type: 'string', minLength: 1 }, value: { type: ['number', 'null'] } },
            required: ['key', 'value', 'ghost'],
          },
        },
      },
      required: ['name', 'missing'],
    }
    expect(toGeminiSchema(schema)).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Who', default: 'anon', nullable: true },
        mode: { type: 'string', enum: ['fast'] },
        count: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        email: { type: 'string', description: 'Mail Format: email.' },
        when: { type: 'string', format: 'date-time' },
        ratio: { type: 'number', format: 'double', minimum: 0, maximum: 1 },
        choice: { type: 'string', enum: ['a', 'b'], nullable: true },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        level: { type: 'integer', description: 'Allowed values: 1, 2, 3.' },
        options: { type: 'object' },
        tags: { type: 'array', items: { type: 'string' } },
        pairs: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: { key: { type: 'string', minLength: 1 }, value: { type: 'number', nullable: true } },
            required: ['key', 'value'],
          },
        },
      },
      required: ['name'],
    })
  })

  it('inlines local $refs ($defs and definitions), merges allOf, and stops at recursion', () => {
    const schema = {
      type: 'object',
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
      definitions: { node: { type: 'object', properties: { child: { $ref: '#/definitions/node' }, label: { type: 'string' } } } },
      properties: {
        at: { $ref: '#/$defs/point', description: 'Where' },
        tree: { $ref: '#/definitions/node' },
        both: { allOf: [{ $ref: '#/$defs/point' }, { properties: { y: { type: 'number' } }, required: ['y'] }] },
        elsewhere: { $ref: 'https://example.com/schema.json', description: 'External' },
      },
    }
    expect(toGeminiSchema(schema)).toEqual({
      type: 'object',
      properties: {
        at: { type: 'object', description: 'Where', properties: { x: { type: 'number' } }, required: ['x'] },
        tree: {
          type: 'object',
          properties: { child: { type: 'object' }, label: { type: 'string' } },
        },
        both: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] },
        elsewhere: { description: 'External' },
      },
    })
  })

  it('leaves out parameters for a tool without arguments', () => {
    expect(toGeminiParameters({ type: 'object', properties: {} })).toBeUndefined()
    expect(toGeminiParameters({})).toBeUndefined()
    expect(toGeminiParameters({ type: 'object', additionalProperties: false, $schema: 'x' })).toBeUndefined()
    expect(toGeminiParameters({ type: 'object', properties: { a: { type: 'string' } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    })

    const out = gemini.encodeRequest(
      hubReq({
        tools: [
          { name: 'now', description: 'The time', parameters: { type: 'object', properties: {} } },
          { name: 'echo', parameters: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'] } },
        ],
      }),
      ctx(),
    ) as any
    expect(out.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'now', description: 'The time' },
          { name: 'echo', parameters: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'] } },
        ],
      },
    ])
  })

  it('converts a json_schema response format the same way', () => {
    const out = gemini.encodeRequest(
      hubReq({
        responseFormat: {
          type: 'json_schema',
          name: 'r',
          schema: { type: 'object', additionalProperties: false, properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        },
      }),
      ctx(),
    ) as any
    expect(out.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    })
  })
})

describe('Gemini schema → JSON Schema', () => {
  it('lowers OpenAPI-style types, turns nullable into a null union and counts into numbers', () => {
    expect(
      fromGeminiSchema({
        type: 'OBJECT',
        properties: {
          tags: { type: 'ARRAY', items: { type: 'STRING', format: 'enum', enum: ['a', 'b'] }, maxItems: '5' },
          note: { type: 'STRING', nullable: true, description: 'Optional' },
          pick: { anyOf: [{ type: 'INTEGER' }, { type: 'BOOLEAN' }], nullable: true },
        },
        required: ['tags'],
        propertyOrdering: ['tags', 'note'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 5 },
        note: { type: ['string', 'null'], description: 'Optional' },
        pick: { anyOf: [{ type: 'integer' }, { type: 'boolean' }, { type: 'null' }] },
      },
      required: ['tags'],
      propertyOrdering: ['tags', 'note'],
    })
  })

  it('decodes `parameters` declarations to JSON Schema and back to the same Gemini schema', () => {
    const parameters = {
      type: 'OBJECT',
      properties: { city: { type: 'STRING', description: 'City' }, days: { type: 'INTEGER', nullable: true } },
      required: ['city'],
    }
    const hub = gemini.decodeRequest(
      { contents: [{ role: 'user', parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ name: 'weather', parameters }] }] },
      { model: 'gemini-2.5-flash' },
    )
    expect(hub.tools![0]!.parameters).toEqual({
      type: 'object',
      properties: { city: { type: 'string', description: 'City' }, days: { type: ['integer', 'null'] } },
      required: ['city'],
    })
    const out = gemini.encodeRequest(hub, ctx()) as any
    expect(out.tools[0].functionDeclarations[0].parameters).toEqual({
      type: 'object',
      properties: { city: { type: 'string', description: 'City' }, days: { type: 'integer', nullable: true } },
      required: ['city'],
    })
  })
})
