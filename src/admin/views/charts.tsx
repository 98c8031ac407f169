/** Charts drawn as inline SVG on the server: no script, no library, no CDN. */

const PALETTE = ['#2f5bd3', '#12805c', '#b54708', '#c01048', '#6941c6', '#0e7090', '#667085', '#93370d']
export const colour = (i: number) => PALETTE[i % PALETTE.length]!

export interface Series {
  name: string
  values: number[]
  /** Its own colour (else the palette's, by position). */
  colour?: string
}

/** 1234567 → 1.2M. */
export function short(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`
  return String(Math.round(n * 100) / 100)
}

/** A round upper bound for the axis. */
function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

function Legend(props: { series: Series[] }) {
  return (
    <div class="legend">
      {props.series.map((s, i) => (
        <span>
          <i style={`background:${s.colour ?? colour(i)}`}></i>
          {s.name}
        </span>
      ))}
    </div>
  )
}

/** Bars over time (one per bucket), stacked by series. */
export function StackedBars(props: { title: string; buckets: string[]; series: Series[]; unit: string; id?: string }) {
  const { buckets, series } = props
  const W = 600
  const H = 180
  const left = 44
  const bottom = 22
  const plotW = W - left - 6
  const plotH = H - bottom - 8
  const totals = buckets.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0))
  const max = niceMax(Math.max(0, ...totals))
  const step = plotW / Math.max(buckets.length, 1)
  const barW = Math.max(2, step * 0.7)
  const y = (v: number) => 8 + plotH - (v / max) * plotH
  const labelEvery = Math.ceil(buckets.length / 8)
  return (
    <figure style="margin:0" id={props.id}>
      <figcaption>
        <h3>{props.title}</h3>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={props.title} data-total={String(totals.reduce((a, b) => a + b, 0))}>
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g>
            <line x1={left} x2={W - 6} y1={y(max * f)} y2={y(max * f)} stroke="#e4e7ec" />
            <text x={left - 4} y={y(max * f) + 4} font-size="10" text-anchor="end" fill="#667085">
              {short(max * f)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let base = 0
          return (
            <g>
              {series.map((s, j) => {
                const v = s.values[i] ?? 0
                if (v <= 0) return null
                const top = y(base + v)
                const h = y(base) - top
                base += v
                return (
                  <rect x={left + i * step + (step - barW) / 2} y={top} width={barW} height={Math.max(h, 0.5)} fill={s.colour ?? colour(j)}>
                    <title>{`${b} · ${s.name}: ${short(v)} ${props.unit}`}</title>
                  </rect>
                )
              })}
              {i % labelEvery === 0 && (
                <text x={left + i * step + step / 2} y={H - 6} font-size="10" text-anchor="middle" fill="#667085">
                  {b}
                </text>
              )}
            </g>
          )
        })}
      </svg>
      <Legend series={series} />
    </figure>
  )
}

/** One horizontal bar per group (totals), the value written beside it. */
export function Bars(props: { title: string; rows: Array<{ label: string; value: number; note?: string }>; unit: string }) {
  const rows = props.rows.slice(0, 12)
  const W = 600
  const rowH = 20
  const labelW = 190
  const H = Math.max(rows.length, 1) * rowH + 4
  const max = Math.max(1, ...rows.map((r) => r.value))
  return (
    <figure style="margin:0">
      <figcaption>
        <h3>{props.title}</h3>
      </figcaption>
      {rows.length === 0 ? (
        <p class="muted">Nothing recorded yet.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={props.title}>
          {rows.map((r, i) => {
            const w = ((W - labelW - 90) * r.value) / max
            return (
              <g>
                <text x={labelW - 6} y={i * rowH + 15} font-size="11" text-anchor="end" fill="#1d2330">
                  {r.label.length > 30 ? `${r.label.slice(0, 29)}…` : r.label}
                </text>
                <rect x={labelW} y={i * rowH + 4} width={Math.max(w, 1)} height={rowH - 7} fill={colour(i)}>
                  <title>{`${r.label}: ${r.value} ${props.unit}${r.note ? ` (${r.note})` : ''}`}</title>
                </rect>
                <text x={labelW + Math.max(w, 1) + 4} y={i * rowH + 15} font-size="11" fill="#667085">
                  {short(r.value)} {r.note ?? ''}
                </text>
              </g>
            )
          })}
        </svg>
      )}
    </figure>
  )
}
