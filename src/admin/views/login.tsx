import { Page } from './layout'

/** The login form: the key goes in the POST body, never in a URL. */
export function LoginPage(props: { error?: string }) {
  return (
    <Page title="Log in">
      <section class="login">
        <h2>Admin login</h2>
        <p class="muted">Enter the gateway's admin key (ADMIN_API_KEY).</p>
        {props.error && (
          <div class="flash error" role="alert">
            {props.error}
          </div>
        )}
        <form method="post" action="/admin/login">
          <label for="key">Admin key</label>
          <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
          <button class="primary" type="submit">
            Log in
          </button>
        </form>
      </section>
    </Page>
  )
}

/** ADMIN_API_KEY is unset: the page is off, and says how to turn it on. */
export function OffPage() {
  return (
    <Page title="Admin page off">
      <section class="login">
        <h2>The admin page is off</h2>
        <p>
          Set <code>ADMIN_API_KEY</code> in the gateway's settings (environment, <code>.env</code>, or a Worker secret) and
          restart it to use the admin page.
        </p>
      </section>
    </Page>
  )
}
