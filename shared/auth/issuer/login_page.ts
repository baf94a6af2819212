const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f4f7; color: #1d1f23; }
  main { background: #fff; width: min(22rem, 92vw); padding: 2rem; border-radius: 12px; box-shadow: 0 4px 20px #0002; }
  h1 { margin: 0 0 .25rem; font-size: 1.4rem; } p.sub { margin: 0 0 1.25rem; color: #5b606a; }
  label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .6rem .7rem; border: 1px solid #c9cdd4; border-radius: 8px; font: inherit; }
  input:focus { outline: 2px solid #4a6cf7; border-color: transparent; }
  button { margin-top: 1.25rem; width: 100%; padding: .7rem; border: 0; border-radius: 8px; background: #4a6cf7; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
  .error { background: #fdecec; color: #a12020; padding: .6rem .8rem; border-radius: 8px; margin-bottom: .5rem; }
  .hint { color: #5b606a; font-size: .85rem; margin-top: 1rem; }`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** Step one: username and password. Field names match Keycloak's form. */
export function loginPage(o: { action: string; username?: string; error?: string }): string {
  return page(
    "Sign in to CoLink",
    `<h1>Sign in to CoLink</h1><p class="sub">Development sign-in (embedded issuer)</p>
${o.error ? `<div class="error" role="alert">${esc(o.error)}</div>` : ""}
<form id="kc-form-login" method="post" action="${esc(o.action)}">
  <label for="username">Username or email</label>
  <input id="username" name="username" value="${
      esc(o.username ?? "")
    }" autocomplete="username" autofocus required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button id="kc-login" type="submit">Sign in</button>
</form>
<p class="hint">Dev users: alice, bob, carol, admin, dave (TOTP) — password <code>colink-dev</code>.</p>`,
  );
}

/** Step two, for users who enrolled TOTP: the one-time code (field `otp`, as in Keycloak). */
export function otpPage(o: { action: string; error?: string }): string {
  return page(
    "Two-factor authentication",
    `<h1>One-time code</h1><p class="sub">Enter the 6-digit code from your authenticator app.</p>
${o.error ? `<div class="error" role="alert">${esc(o.error)}</div>` : ""}
<form id="kc-otp-login-form" method="post" action="${esc(o.action)}">
  <label for="otp">One-time code</label>
  <input id="otp" name="otp" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" autofocus required>
  <button id="kc-login" type="submit">Verify</button>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>`);
}

/** GET on the logout endpoint: confirm with a POST, so a link alone cannot sign anyone out. */
export function logoutConfirmPage(o: { action: string; fields: Record<string, string> }): string {
  const hidden = Object.entries(o.fields)
    .filter(([k]) =>
      ["client_id", "post_logout_redirect_uri", "state", "id_token_hint"].includes(k)
    )
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
  return page(
    "Sign out",
    `<h1>Sign out of CoLink?</h1><p class="sub">You will need to sign in again.</p>
<form id="kc-logout" method="post" action="${esc(o.action)}">${hidden}
  <button id="kc-logout-confirm" type="submit">Sign out</button>
</form>`,
  );
}
