/**
 * Which addresses a multi-user gateway must never call: loopback, private (RFC 1918, CGNAT
 * 100.64/10, IPv6 ULA fc00::/7), link-local (169.254/16, fe80::/10), cloud metadata
 * (169.254.169.254, fd00:ec2::254, Alibaba's 100.100.100.200), unspecified, multicast and reserved.
 * Every spelling counts: IPv4 in decimal, hex or octal parts (`2130706433`, `0x7f.1`, `0177.0.0.1`),
 * IPv4 inside IPv6 (`::ffff:127.0.0.1`, `::ffff:7f00:1`, NAT64 `64:ff9b::`, 6to4 `2002::/16`).
 */

/** Why an address is refused ('cloud metadata', 'loopback'…), or undefined for a public one. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'cloud metadata' | 'unspecified' | 'multicast or reserved'

/**
 * An IPv4 address written the way inet_aton reads it (1 to 4 parts, each decimal, `0x` hex or
 * `0` octal; the last part fills the remaining bytes), as a 32-bit number; undefined if it is not one.
 */
export function parseIPv4(host: string): number | undefined {
  const parts = host.split('.')
  if (parts.length > 4 || parts.some((p) => p === '')) {
    // A trailing dot is allowed once (`127.0.0.1.`).
    if (parts.length > 1 && parts.at(-1) === '' && !parts.slice(0, -1).some((p) => p === '')) return parseIPv4(host.slice(0, -1))
    return undefined
  }
  const nums: number[] = []
  for (const p of parts) {
    let n: number
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16)
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p.slice(1), 8)
    else if (/^(0|[1-9]\d*)$/.test(p)) n = Number(p)
    else return undefined
    if (!Number.isFinite(n)) return undefined
    nums.push(n)
  }
  const last = nums.pop()!
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return undefined
  let value = 0
  for (const n of nums) value = value * 256 + n
  return value * 256 ** (4 - nums.length) + last
}

/** An IPv6 address (brackets and a `%zone` allowed) as 8 groups of 16 bits; undefined if it is not one. */
export function parseIPv6(raw: string): number[] | undefined {
  let host = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw
  const zone = host.indexOf('%')
  if (zone !== -1) host = host.slice(0, zone)
  if (!host.includes(':') || !/^[0-9a-f:.]+$/i.test(host)) return undefined
  const halves = host.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string): number[] | undefined => {
    if (s === '') return []
    const out: number[] = []
    const items = s.split(':')
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      if (i === items.length - 1 && item.includes('.')) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(item)) return undefined
        const v4 = parseIPv4(item.split('.').map((x) => String(Number(x))).join('.'))
        if (v4 === undefined) return undefined
        out.push(Math.floor(v4 / 65536), v4 % 65536)
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(item)) return undefined
        out.push(parseInt(item, 16))
      }
    }
    return out
  }
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  if (!head || !tail) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const fill = 8 - head.length - tail.length
  if (fill < 1) return undefined
  return [...head, ...new Array<number>(fill).fill(0), ...tail]
}

const inV4 = (ip: number, base: string, bits: number) => {
  const b = parseIPv4(base)!
  const size = 2 ** (32 - bits)
  return Math.floor(ip / size) === Math.floor(b / size)
}

/** An IPv4 address's class (see AddressClass); undefined for a public address. */
export function classifyIPv4(ip: number): AddressClass | undefined {
  if (ip === parseIPv4('169.254.169.254') || ip === parseIPv4('100.100.100.200') || ip === parseIPv4('192.0.0.192')) return 'cloud metadata'
  if (inV4(ip, '0.0.0.0', 8)) return 'unspecified'
  if (inV4(ip, '127.0.0.0', 8)) return 'loopback'
  if (inV4(ip, '10.0.0.0', 8) || inV4(ip, '172.16.0.0', 12) || inV4(ip, '192.168.0.0', 16) || inV4(ip, '100.64.0.0', 10)) return 'private'
  if (inV4(ip, '169.254.0.0', 16)) return 'link-local'
  if (inV4(ip, '224.0.0.0', 4) || inV4(ip, '240.0.0.0', 4) || inV4(ip, '192.0.0.0', 24) || inV4(ip, '198.18.0.0', 15)) return 'multicast or reserved'
  return undefined
}

/** An IPv6 address's class; IPv4 carried inside it (mapped, compatible, NAT64, 6to4) is classified as IPv4. */
export function classifyIPv6(g: number[]): AddressClass | undefined {
  const v4 = (hi: number, lo: number) => classifyIPv4(hi * 65536 + lo)
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 8)) return 'unspecified'
  if (zeros(0, 7) && g[7] === 1) return 'loopback'
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated)
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4(g[6]!, g[7]!) ?? (g[5] === 0 ? 'multicast or reserved' : undefined)
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6]!, g[7]!)
  // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48)
  if (g[0] === 0x64 && g[1] === 0xff9b) return v4(g[6]!, g[7]!) ?? (g[2] === 1 ? 'private' : undefined)
  // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!)
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return 'cloud metadata'
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private' // fc00::/7 unique local
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local' // fe80::/10
  if ((g[0]! & 0xffc0) === 0xfec0) return 'private' // fec0::/10 site-local (deprecated)
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast or reserved'
  if (g[0] === 0x100 && zeros(1, 4)) return 'multicast or reserved' // 100::/64 discard
  return undefined
}

/** A literal IP address's class, or undefined when `host` is public or not a literal address at all. */
export function classifyLiteral(host: string): { literal: boolean; refused?: AddressClass } {
  const v6 = parseIPv6(host)
  if (v6) return { literal: true, refused: classifyIPv6(v6) }
  const v4 = parseIPv4(host)
  if (v4 !== undefined) return { literal: true, refused: classifyIPv4(v4) }
  return { literal: false }
}

/** Names that always mean this machine, its network or a cloud's metadata service, whatever DNS says. */
export function internalName(host: string): AddressClass | undefined {
  const h = host.toLowerCase().replace(/\.$/, '')
  if (h === 'localhost' || h.endsWith('.localhost') || h === 'ip6-localhost' || h === 'ip6-loopback' || h === 'localhost.localdomain') return 'loopback'
  if (h === 'metadata' || h === 'metadata.google.internal' || h === 'instance-data' || h.startsWith('instance-data.') || h === 'metadata.azure.internal')
    return 'cloud metadata'
  if (h.endsWith('.internal') || h === 'internal' || h.endsWith('.local') || h.endsWith('.localdomain') || h.endsWith('.home.arpa') || h.endsWith('.lan') || h.endsWith('.intranet') || h.endsWith('.corp'))
    return 'private'
  // A single label (`router`, `nas`) is looked up on the local search domains.
  if (!h.includes('.') && !h.includes(':')) return 'private'
  return undefined
}
