import { describe, expect, it } from 'vitest'
import { POLICIES, routeSelector } from '../../../src/interceptors/commands/route-policy'
import type { SessionData } from '../../../src/interceptors/types'
import { run } from './context'

/** Runs commands one after another on the same session data. */
function script(lines: string[], data: SessionData = {}) {
  let last: ReturnType<typeof run> | undefined
  for (const l of lines) last = run(l, data)
  return { data, last: last! }
}

describe('failover route commands', () => {
  it('create, append, prepend build a route in the session; policy defaults to km', () => {
    const { data, last } = script([
      '!/create-failover-route(name=fast)',
      '!/route-append(name=fast, element=openai:gpt-4.1-mini)',
      '!/route-append(fast, anthropic:claude-haiku-4-5)',
      '!/route-prepend(name=fast, element=anthropic:claude-sonnet-4-5)',
    ])
    expect(data.routes).toEqual({ fast: { policy: 'km', elements: ['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1-mini', 'anthropic:claude-haiku-4-5'] } })
    expect(last.reply).toContain('Served as: anthropic:claude-sonnet-4-5|openai:gpt-4.1-mini|anthropic:claude-haiku-4-5')
  })

  it('each command touches the session', () => {
    expect(run('!/create-failover-route(name=r, policy=k)').touched).toBe(1)
    expect(run('!/route-append(name=r, element=openai:gpt-4.1)', { routes: { r: { policy: 'k', elements: [] } } }).touched).toBe(1)
  })

  it('create takes a policy, checked; an approximate policy says so', () => {
    expect(run('!/create-failover-route(name=r, policy=MK)').data.routes).toEqual({ r: { policy: 'mk', elements: [] } })
    expect(run('!/create-failover-route(name=r, policy=mk)').reply).toContain('approximate')
    expect(run('!/create-failover-route(name=r, policy=k)').reply).not.toContain('approximate')
    expect(run('!/create-failover-route(name=r, policy=x)').reply).toContain('policy must be k, m, km or mk, got "x"')
  })

  it('create refuses a taken name, a bad name, a missing name and unknown arguments', () => {
    const data: SessionData = { routes: { r: { policy: 'km', elements: ['openai:gpt-4.1'] } } }
    expect(run('!/create-failover-route(name=r)', data).reply).toContain('route "r" exists already (!/delete-failover-route(name=r) first)')
    expect(data.routes!.r!.elements).toEqual(['openai:gpt-4.1'])
    expect(run('!/create-failover-route(name="a|b")').reply).toContain('cannot be a route name')
    expect(run('!/create-failover-route(name="x:y")').reply).toContain('cannot be a route name')
    expect(run('!/create-failover-route()').reply).toContain('needs name=…')
    expect(run('!/create-failover-route(name=r, colour=red)').reply).toContain('does not take "colour"')
  })

  it('append checks the element: one known back end and model, not already there', () => {
    const data: SessionData = { routes: { r: { policy: 'km', elements: ['openai:gpt-4.1'] } } }
    expect(run('!/route-append(name=r, element=nosuch:x)', data).reply).toContain('unknown back end "nosuch"')
    expect(run('!/route-append(name=r, element="openai:a|openai:b")', data).reply).toContain('is more than one selector')
    expect(run('!/route-append(name=r, element=openai:gpt-4.1)', data).reply).toContain('openai:gpt-4.1 is in route r already')
    expect(run('!/route-append(name=r, element=r)', data).reply).toContain('is a failover route')
    expect(run('!/route-append(name=r)', data).reply).toContain('needs element=…')
    expect(run('!/route-append(name=nope, element=openai:gpt-4.1)', data).reply).toContain('no failover route "nope" in this session (routes: r)')
    expect(data.routes!.r!.elements).toEqual(['openai:gpt-4.1'])
  })

  it('route-list shows one route; list-failover-routes all of them', () => {
    const data: SessionData = {
      routes: { a: { policy: 'k', elements: ['openai:gpt-4.1', 'anthropic:claude-haiku-4-5'] }, b: { policy: 'm', elements: [] } },
    }
    const one = run('!/route-list(name=a)', data).reply
    expect(one).toBe(
      'Route a (policy k: the first element only, with all its keys)\n1. openai:gpt-4.1\n2. anthropic:claude-haiku-4-5\nServed as: openai:gpt-4.1',
    )
    const all = run('!/list-failover-routes', data).reply
    expect(all).toContain('Route a (policy k')
    expect(all).toContain('Route b (policy m')
    expect(all).toContain('(no elements yet)')
    expect(run('!/list-failover-routes').reply).toContain('No failover routes in this session')
    expect(run('!/route-list(name=x)').reply).toContain('none yet: !/create-failover-route(name=…) makes one')
  })

  it('route-clear empties a route; delete-failover-route removes it', () => {
    const data: SessionData = { routes: { a: { policy: 'km', elements: ['openai:gpt-4.1'] }, b: { policy: 'km', elements: [] } } }
    run('!/route-clear(name=a)', data)
    expect(data.routes!.a).toEqual({ policy: 'km', elements: [] })
    run('!/delete-failover-route(a)', data)
    expect(Object.keys(data.routes!)).toEqual(['b'])
    expect(run('!/delete-failover-route(name=a)', data).reply).toContain('no failover route "a"')
    const named = { settings: { model: 'b' }, routes: { b: { policy: 'km' as const, elements: [] } } }
    expect(run('!/delete-failover-route(name=b)', named).reply).toBe('Route b deleted. The session model still names it: !/model() unsets it.')
  })
})

describe('routeSelector', () => {
  const elements = ['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4.1-mini']

  it('k: the first element only (the attempt loop tries all its keys)', () => {
    expect(routeSelector({ policy: 'k', elements })).toBe('openai:gpt-4.1')
  })

  it('km, m and mk: every element in turn', () => {
    for (const policy of ['km', 'm', 'mk'] as const) expect(routeSelector({ policy, elements })).toBe(elements.join('|'))
  })

  it('no elements: no selector', () => {
    expect(routeSelector({ policy: 'km', elements: [] })).toBeUndefined()
  })

  it('the policies the attempt loop cannot honour exactly say so', () => {
    expect(Object.entries(POLICIES).filter(([, p]) => !p.exact).map(([n]) => n).sort()).toEqual(['m', 'mk'])
    for (const p of Object.values(POLICIES)) expect(p.means.includes('approximate')).toBe(!p.exact)
  })
})
