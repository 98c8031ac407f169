import { describe, expect, it } from 'vitest'
import { classifyLiteral, internalName, parseIPv4, parseIPv6 } from '../../src/access/addresses'
import { UpstreamGuard } from '../../src/access/upstream-guard'
import { GatewayError } from '../../src/hub/errors'

describe('address classes (multi-user refusals)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['2130706433', 'loopback'], // decimal
    ['0x7f000001', 'loopback'], // hex
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'], // octal
    ['127.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'], // CGNAT
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['0xa9fea9fe', 'cloud metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped
    ['[::ffff:7f00:1]', 'loopback'], // the same, as the URL parser writes it
    ['::ffff:a9fe:a9fe', 'cloud metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'], // NAT64
    ['2002:7f00:1::', 'loopback'], // 6to4
    ['fd00:ec2::254', 'cloud metadata'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast or reserved'],
    ['224.0.0.1', 'multicast or reserved'],
  ])('%s is refused as %s', (host, why) => {
    expect(classifyLiteral(host)).toEqual({ literal: true, refused: why })
  })

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '[2001:4860:4860::8888]'])('%s is public', (host) => {
    expect(classifyLiteral(host)).toEqual({ literal: true, refused: undefined })
  })

  it('names are not literals; parsing rejects what is not an address', () => {
    expect(classifyLiteral('api.openai.com')).toEqual({ literal: false })
    expect(parseIPv4('1.2.3.256')).toBeUndefined()
    expect(parseIPv4('08.1.1.1')).toBeUndefined()
    expect(parseIPv4('1.2.3.4.5')).toBeUndefined()
    expect(parseIPv6('1::2::3')).toBeUndefined()
    expect(parseIPv6('12345::')).toBeUndefined()
  })

  it.each([
    ['localhost', 'loopback'],
    ['api.localhost', 'loopback'],
    ['metadata.google.internal', 'cloud metadata'],
    ['metadata', 'cloud metadata'],
    ['host.docker.internal', 'private'],
    ['printer.local', 'private'],
    ['nas', 'private'],
  ])('the name %s is refused as %s without a lookup', (host, why) => {
    expect(internalName(host)).toBe(why)
  })

  it('public names pass the name check', () => {
    expect(internalName('api.openai.com')).toBeUndefined()
  })
})

describe('UpstreamGuard', () => {
  const refusedWith = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).status).toBe(403)
    return (err as GatewayError).message
  }

  it('resolves a name first: one that resolves to 127.0.0.1 is refused', async () => {
    const asked: string[] = []
    const guard = new UpstreamGuard(async (host) => {
      asked.push(host)
      return host === 'sneaky.example.com' ? ['93.184.216.34', '127.0.0.1'] : ['93.184.216.34']
    })
    expect(await refusedWith(guard.check('http://sneaky.example.com/v1', 'Registry endpoint "x"'))).toMatch(
      /^Registry endpoint "x" points at sneaky\.example\.com, a loopback \(it resolves to 127\.0\.0\.1\) address: ACCESS_MODE=multi-user refuses/,
    )
    await expect(guard.check('https://api.example.com/v1', 'x')).resolves.toBeUndefined()
    // The verdict is kept: the second check of the same host asks nothing.
    await expect(guard.check('https://api.example.com/v2', 'x')).resolves.toBeUndefined()
    expect(asked).toEqual(['sneaky.example.com', 'api.example.com'])
  })

  it('a name that resolves to an IPv4-mapped IPv6 loopback is refused', async () => {
    const guard = new UpstreamGuard(async () => ['::ffff:127.0.0.1'])
    expect(await refusedWith(guard.check('http://mapped.example.com/', 'x'))).toContain('loopback')
  })

  it('literal addresses in every spelling, without a resolver (a Worker)', async () => {
    const guard = new UpstreamGuard()
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/'])
      expect(await refusedWith(guard.check(url, 'x'))).toContain('ACCESS_MODE=multi-user')
    await expect(guard.check('https://api.openai.com/v1', 'x')).resolves.toBeUndefined()
  })

  it('the guarded transport refuses before anything is sent', async () => {
    let sent = 0
    const transport = new UpstreamGuard().wrap(async () => {
      sent++
      return new Response('{}')
    })
    await refusedWith(transport({ url: 'http://10.0.0.5/v1/chat/completions', method: 'POST', headers: new Headers() }))
    expect(sent).toBe(0)
    await transport({ url: 'https://api.example.com/v1/chat/completions', method: 'POST', headers: new Headers() })
    expect(sent).toBe(1)
  })
})
