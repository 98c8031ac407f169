import { describe, expect, it } from 'vitest'
import { findCommand } from '../../../src/interceptors/commands/parse-command'

const cmd = (text: string, prefix = '!/') => {
  const m = findCommand(text, prefix)
  if (!m || m.error !== undefined) throw new Error(`no command in ${JSON.stringify(text)}: ${JSON.stringify(m)}`)
  return m
}

describe('findCommand: the grammar', () => {
  it('reads a bare command, lower-casing its name', () => {
    expect(cmd('!/Help')).toEqual({ command: { name: 'help', args: [], named: {}, raw: '!/Help' }, rest: '' })
    expect(cmd('!/no-think').command.name).toBe('no-think')
    expect(cmd('!/route-list2').command.name).toBe('route-list2')
  })

  it('reads positional and named arguments, trimming unquoted space', () => {
    const m = cmd('!/set( temperature = 0.2 , top-p=0.9, openai:gpt-4.1 )')
    expect(m.command.named).toEqual({ temperature: '0.2', 'top-p': '0.9' })
    expect(m.command.args).toEqual(['openai:gpt-4.1'])
  })

  it('keeps an "=" that follows no key in a positional value (selector parameters)', () => {
    expect(cmd('!/model(openai:gpt-4.1?temperature=0.2&top_p=1)').command.args).toEqual(['openai:gpt-4.1?temperature=0.2&top_p=1'])
    expect(cmd('!/model(name=openai:gpt-4.1?temperature=0.2)').command.named).toEqual({ name: 'openai:gpt-4.1?temperature=0.2' })
  })

  it('an empty call has no arguments; empty unquoted slots are dropped, empty quotes kept', () => {
    expect(cmd('!/oneoff()').command.args).toEqual([])
    expect(cmd('!/unset(a,,b,)').command.args).toEqual(['a', 'b'])
    expect(cmd('!/model("")').command.args).toEqual([''])
    expect(cmd("!/model(name='')").command.named).toEqual({ name: '' })
  })

  it('a key given twice keeps its last value; keys are lower-cased', () => {
    expect(cmd('!/set(Temperature=1, temperature=0.5)').command.named).toEqual({ temperature: '0.5' })
  })
})

describe('findCommand: quotes and escapes', () => {
  it('removes quotes and keeps commas, parentheses and "=" inside them', () => {
    const m = cmd(`!/x("a, b", 'c)d', k="x=(y", "=")`)
    expect(m.command.args).toEqual(['a, b', 'c)d', '='])
    expect(m.command.named).toEqual({ k: 'x=(y' })
  })

  it('keeps whitespace inside quotes', () => {
    expect(cmd(`!/x(k=' v ', "  ")`).command).toMatchObject({ named: { k: ' v ' }, args: ['  '] })
  })

  it('undoes \\" \\\' and \\\\ inside quotes; other backslashes stay', () => {
    expect(cmd(String.raw`!/x("say \"hi\"", 'it\'s', "a\\b", "C:\dir")`).command.args).toEqual(['say "hi"', "it's", 'a\\b', 'C:\\dir'])
  })

  it('a quoted prefix is a value, not a command', () => {
    const m = cmd('!/set(command-prefix="!/")')
    expect(m.command).toMatchObject({ name: 'set', named: { 'command-prefix': '!/' } })
  })

  it('an unclosed quote or parenthesis at the end is a command that cannot be read', () => {
    expect(findCommand('!/set(temperature="0.2', '!/')).toMatchObject({ name: 'set', error: 'a quote (") is not closed', rest: '' })
    expect(findCommand('do it !/model(a:b', '!/')).toMatchObject({ name: 'model', error: 'the closing ")" is missing', rest: 'do it' })
    expect(findCommand('!/x(f(a)', '!/')).toMatchObject({ error: 'the closing ")" is missing' })
  })

  it('a backslash before the prefix writes it literally', () => {
    expect(findCommand('type \\!/help to see them', '!/')).toBeUndefined()
    expect(findCommand('\\!/help', '!/')).toBeUndefined()
  })
})

describe('findCommand: nesting', () => {
  it('splits only on top-level commas; (), [] and {} nest and are kept as written', () => {
    const m = cmd(`!/x(f(g(1, 2), 3), [1, [2, 3]], {"a": 1, "b": "x,y"}, k=[p, q])`)
    expect(m.command.args).toEqual(['f(g(1, 2), 3)', '[1, [2, 3]]', '{"a": 1, "b": "x,y"}'])
    expect(m.command.named).toEqual({ k: '[p, q]' })
  })

  it('a closing bracket inside nested quotes does not close', () => {
    expect(cmd(`!/x([")", "]"])`).command.args).toEqual(['[")", "]"]'])
  })

  it('a stray closing bracket means no command', () => {
    expect(findCommand('!/x(a])', '!/')).toBeUndefined()
    expect(findCommand('!/x(a})', '!/')).toBeUndefined()
  })
})

describe('findCommand: tail anchoring', () => {
  it('finds a command at the end of the last line, after other text', () => {
    expect(cmd('please do X !/model(a:b)')).toMatchObject({ command: { name: 'model', args: ['a:b'] }, rest: 'please do X' })
  })

  it('cuts the command out and trims what is left at its end', () => {
    expect(cmd('line one\n  line two  \n!/help\n\n  \n').rest).toBe('line one\n  line two')
    expect(cmd('  \n!/help').rest).toBe('')
  })

  it('ignores trailing blank lines and spaces', () => {
    expect(cmd('hi !/hello   \n\n\t\n').command.name).toBe('hello')
  })

  it('a command followed by text on the same line is not one', () => {
    expect(findCommand('!/model(a:b) then text', '!/')).toBeUndefined()
    expect(findCommand('!/help me', '!/')).toBeUndefined()
    expect(findCommand('!/help.', '!/')).toBeUndefined()
  })

  it('a command on an earlier line is not one', () => {
    expect(findCommand('!/model(a:b)\nand more', '!/')).toBeUndefined()
    expect(findCommand('!/help\n\nthanks', '!/')).toBeUndefined()
  })

  it('the prefix must start the line or follow whitespace', () => {
    expect(findCommand('see https://example.com!/help', '!/')).toBeUndefined()
    expect(cmd('x\t!/help').command.name).toBe('help')
  })

  it('a name starts with a letter', () => {
    expect(findCommand('!/2fast', '!/')).toBeUndefined()
    expect(findCommand('!/', '!/')).toBeUndefined()
    expect(findCommand('!/ help', '!/')).toBeUndefined()
  })

  it('of two commands on the last line, the one that reaches the end is taken', () => {
    expect(cmd('!/low !/session')).toMatchObject({ command: { name: 'session' }, rest: '!/low' })
    // The rightmost prefix is inside an argument: the command around it is taken.
    expect(cmd('!/set(command-prefix=!/x)')).toMatchObject({ command: { name: 'set', named: { 'command-prefix': '!/x' } } })
  })

  it('text without the prefix is looked at no further', () => {
    expect(findCommand('no command here', '!/')).toBeUndefined()
    expect(findCommand('', '!/')).toBeUndefined()
  })
})

describe('findCommand: prefixes', () => {
  it('a custom prefix replaces !/', () => {
    expect(cmd('do it ##model(openai:gpt-4.1)', '##')).toMatchObject({ command: { name: 'model', args: ['openai:gpt-4.1'] }, rest: 'do it' })
    expect(findCommand('do it !/model(openai:gpt-4.1)', '##')).toBeUndefined()
  })

  it('a one-character prefix, and prefixes with regex characters', () => {
    expect(cmd('/help', '/').command.name).toBe('help')
    expect(findCommand('see /usr/bin', '/')).toBeUndefined()
    expect(cmd('$.*session', '$.*').command.name).toBe('session')
    expect(cmd('x ^^oneoff(a:b)', '^^').command.args).toEqual(['a:b'])
  })

  it('a prefix that appears in an argument of another prefix', () => {
    expect(cmd('##set(command-prefix="!/")', '##').command.named).toEqual({ 'command-prefix': '!/' })
  })
})
