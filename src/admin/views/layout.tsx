import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'

/** The page's own style: no external stylesheet, font or CDN. */
const STYLE = `
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--ok:#12805c;--warn:#b54708;--bad:#c01048;--accent:#2f5bd3}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:center;gap:20px;padding:10px 24px;background:#101828;color:#fff}
header h1{font-size:16px;margin:0;font-weight:600}header nav a{color:#d0d5dd;text-decoration:none;margin-right:14px}
header nav a.on{color:#fff;border-bottom:2px solid #fff}header form{margin-left:auto}
main{padding:18px 24px;max-width:1280px}section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin-bottom:16px}
h2{font-size:15px;margin:0 0 10px}h3{font-size:13px;margin:12px 0 6px;color:var(--muted)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td code{white-space:nowrap}code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre{white-space:pre-wrap;word-break:break-all;background:#f2f4f7;padding:8px;border-radius:6px;margin:4px 0;max-height:420px;overflow:auto}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eef4ff;color:var(--accent)}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.muted{color:var(--muted)}
.pill.ok{background:#ecfdf3}.pill.warn{background:#fffaeb}.pill.bad{background:#fff1f3}
.flash{padding:8px 12px;border-radius:6px;margin-bottom:12px;background:#ecfdf3;color:var(--ok)}.flash.error{background:#fff1f3;color:var(--bad)}
button{font:inherit;padding:4px 12px;border-radius:6px;border:1px solid #98a2b3;background:#fff;cursor:pointer}button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
input,select,textarea{font:inherit;padding:4px 8px;border:1px solid #98a2b3;border-radius:6px}
form.inline{display:inline}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px}
.login{max-width:380px;margin:12vh auto}.login input{width:100%;margin:8px 0 12px}
tr.new{animation:flash 2s}@keyframes flash{from{background:#fef0c7}to{background:transparent}}
.legend span{display:inline-flex;align-items:center;margin-right:12px;font-size:12px}.legend i{width:10px;height:10px;display:inline-block;margin-right:4px;border-radius:2px}
`

export type Tab = 'overview' | 'usage' | 'traffic' | 'capture'

export function Page(props: { title: string; tab?: Tab; children?: Child }) {
  const link = (tab: Tab, href: string, label: string) => (
    <a href={href} class={props.tab === tab ? 'on' : ''}>
      {label}
    </a>
  )
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{props.title} · LLM gateway admin</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <header>
          <h1>LLM gateway</h1>
          {props.tab && (
            <>
              <nav>
                {link('overview', '/admin', 'Overview')}
                {link('usage', '/admin/usage', 'Usage')}
                {link('traffic', '/admin/traffic', 'Traffic')}
              </nav>
              <form method="post" action="/admin/logout">
                <button type="submit">Log out</button>
              </form>
            </>
          )}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  )
}

/** A notice from the last action (`?done=…` / an error while rendering the answer to a form). */
export function Flash(props: { message?: string; error?: boolean }) {
  if (!props.message) return null
  return <div class={props.error ? 'flash error' : 'flash'} role={props.error ? 'alert' : 'status'}>{props.message}</div>
}
