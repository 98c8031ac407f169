import type { UsageRow } from '../../state/ports'
import type { UsageCharts } from '../usage-data'
import { Bars, StackedBars } from './charts'
import { Page } from './layout'

const rowsOf = (rows: UsageRow[]) =>
  rows.map((r) => ({ label: r.group, value: r.input_tokens + r.output_tokens, note: `· ${r.requests} req${r.errors ? `, ${r.errors} err` : ''}` }))

export function UsagePage(props: { data: UsageCharts }) {
  const d = props.data
  return (
    <Page title="Usage" tab="usage">
      <section>
        <h2>
          Last {d.days} days <span class="muted">(usage ledger)</span>
        </h2>
        <form method="get" action="/admin/usage">
          Days:{' '}
          {[1, 7, 14, 30, 90].map((n) => (
            <>
              <a href={`/admin/usage?days=${n}`}>{n === d.days ? <b>{n}</b> : n}</a>{' '}
            </>
          ))}
        </form>
        <div class="grid">
          <StackedBars id="requests-per-day" title="Requests per day, by client" buckets={d.dayBuckets.map((b) => b.slice(5))} series={d.requestsPerDay} unit="requests" />
          <StackedBars id="tokens-per-day" title="Tokens (in + out) per day, by client" buckets={d.dayBuckets.map((b) => b.slice(5))} series={d.tokensPerDay} unit="tokens" />
        </div>
        <div class="grid">
          <Bars title="Tokens by model" rows={rowsOf(d.byModel)} unit="tokens" />
          <Bars title="Tokens by back end" rows={rowsOf(d.byBackend)} unit="tokens" />
          <Bars title="Tokens by client" rows={rowsOf(d.byClient)} unit="tokens" />
        </div>
      </section>
      <section>
        <h2>
          Last 24 hours <span class="muted">(this process's traffic feed: the latest 500 exchanges it served; on Workers, one isolate's)</span>
        </h2>
        <div class="grid">
          <StackedBars id="requests-per-hour" title="Requests per hour" buckets={d.hourBuckets} series={d.requestsPerHour} unit="requests" />
          <StackedBars id="tokens-per-hour-model" title="Tokens per hour, by model" buckets={d.hourBuckets} series={d.tokensPerHour.model} unit="tokens" />
          <StackedBars id="tokens-per-hour-backend" title="Tokens per hour, by back end" buckets={d.hourBuckets} series={d.tokensPerHour.backend} unit="tokens" />
          <StackedBars id="tokens-per-hour-client" title="Tokens per hour, by client" buckets={d.hourBuckets} series={d.tokensPerHour.client} unit="tokens" />
        </div>
      </section>
    </Page>
  )
}
