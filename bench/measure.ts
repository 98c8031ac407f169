import autocannon from 'autocannon'
import { Client, request } from 'undici'
import type { HttpCall } from './scenarios'

export interface LoadResult {
  rps: number
  /** Latency of whole responses (first byte sent → last byte received), ms, from every 2xx response. */
  p50: number
  p99: number
  ok: number
  errors: number
  non2xx: number
}

export const percentile = (sorted: ArrayLike<number>, p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (!s.length) return NaN
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * Closed-loop load with autocannon: `connections` keep-alive connections, each
 * sending the next request when the previous answer has fully arrived, for
 * `durationS` seconds. Latencies are taken from autocannon's per-response
 * timings (sub-millisecond; its own histogram rounds to whole ms).
 */
export function load(origin: string, call: HttpCall, connections: number, durationS: number): Promise<LoadResult> {
  const lat: number[] = []
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      { url: origin + call.path, method: 'POST', headers: call.headers, body: call.body, connections, duration: durationS, pipelining: 1, timeout: 10 },
      (err, r) => {
        if (err) return reject(err)
        lat.sort((a, b) => a - b)
        resolve({
          rps: r['2xx'] / r.duration,
          p50: percentile(lat, 50),
          p99: percentile(lat, 99),
          ok: r['2xx'],
          errors: r.errors + r.timeouts,
          non2xx: r.non2xx,
        })
      },
    )
    inst.on('response', (_c, status, _bytes, ms) => {
      if (status >= 200 && status < 300) lat.push(ms)
    })
  })
}

export interface TtfbResult {
  /** Time to the first body byte. */
  p50: number
  p99: number
  /** Time to the last body byte: the whole response. */
  wholeP50: number
  wholeP99: number
  n: number
}

/**
 * Unloaded latency over one keep-alive connection: `count` sequential requests
 * (bounded by `maxMs` in all), each timed from sending the request to the first
 * body byte and to the last.
 */
export async function ttfb(origin: string, call: HttpCall, count: number, maxMs = 30_000): Promise<TtfbResult> {
  const client = new Client(origin, { pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 })
  const samples: number[] = []
  const whole: number[] = []
  const deadline = performance.now() + maxMs
  try {
    for (let i = 0; i < count && performance.now() < deadline; i++) {
      const t0 = performance.now()
      const res = await client.request({ method: 'POST', path: call.path, headers: call.headers, body: call.body })
      let first = 0
      for await (const _chunk of res.body) if (!first) first = performance.now()
      const last = performance.now()
      if (res.statusCode === 200 && first) {
        samples.push(first - t0)
        whole.push(last - t0)
      }
    }
  } finally {
    await client.close()
  }
  samples.sort((a, b) => a - b)
  whole.sort((a, b) => a - b)
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), wholeP50: percentile(whole, 50), wholeP99: percentile(whole, 99), n: samples.length }
}

/** One request, the whole answer as text (for the correctness check). */
export async function once(origin: string, call: HttpCall): Promise<{ status: number; text: string }> {
  const res = await request(origin + call.path, {
    method: 'POST',
    headers: call.headers,
    body: call.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  })
  return { status: res.statusCode, text: await res.body.text() }
}
