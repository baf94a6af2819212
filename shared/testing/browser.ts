/**
 * A tiny scripted browser for sign-in tests: keeps cookies per host, follows redirects one hop
 * at a time, and fills and submits the HTML login forms of Keycloak or the embedded issuer.
 */
export interface Browser {
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** Follows redirects until a non-redirect answer or a URL that `stop` accepts. */
  follow(
    url: string,
    opts?: { stop?: (url: URL) => boolean; init?: RequestInit },
  ): Promise<{ res: Response; url: URL }>;
  cookie(url: string, name: string): string | undefined;
}

const decodeEntities = (s: string) =>
  s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

export function createBrowser(): Browser {
  const jars = new Map<string, Map<string, string>>();
  const jarFor = (u: URL) => {
    let jar = jars.get(u.host);
    if (!jar) jars.set(u.host, jar = new Map());
    return jar;
  };

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const jar = jarFor(u);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(u, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim(), value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires=/i.test(a) && new Date(a.split("=")[1]!) < new Date());
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  return {
    fetch: request,
    async follow(url, opts = {}) {
      let current = new URL(url);
      let res = await request(current.toString(), opts.init);
      for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
        await res.body?.cancel();
        current = new URL(res.headers.get("location")!, current);
        if (opts.stop?.(current)) return { res, url: current };
        res = await request(current.toString());
      }
      return { res, url: current };
    },
    cookie: (url, name) => jars.get(new URL(url).host)?.get(name),
  };
}

/** The first form of a page: where it posts and the fields it already carries (hidden inputs). */
export function parseForm(
  html: string,
  base: URL,
): { action: URL; fields: Record<string, string> } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
    if (!name) continue;
    fields[name] = decodeEntities(/\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? "");
  }
  return { action: new URL(decodeEntities(form[1]!), base), fields };
}

/**
 * Drives the identity provider's sign-in pages from `start` (a page with the login form) until
 * it redirects to a URL accepted by `done`: username and password first, then the one-time
 * code if the provider asks for one (field `otp`, as both Keycloak and the embedded issuer name it).
 */
export async function signInWithForms(
  browser: Browser,
  start: { res: Response; url: URL },
  creds: { username: string; password: string; otp?: () => string },
  done: (url: URL) => boolean,
): Promise<URL> {
  let page = start;
  for (let step = 0; step < 4; step++) {
    if (page.res.status !== 200) {
      throw new Error(`sign-in page answered ${page.res.status} at ${page.url}`);
    }
    const html = await page.res.text();
    const form = parseForm(html, page.url);
    const body = new URLSearchParams(form.fields);
    if ("username" in form.fields || /name="username"/.test(html)) {
      body.set("username", creds.username);
      body.set("password", creds.password);
    } else if ("otp" in form.fields || /name="otp"/.test(html)) {
      if (!creds.otp) throw new Error("the provider asks for a one-time code");
      body.set("otp", creds.otp());
    } else {
      throw new Error(`unexpected sign-in page: ${html.slice(0, 300)}`);
    }
    const res = await browser.fetch(form.action.toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const next = new URL(res.headers.get("location")!, form.action);
      if (done(next)) return next;
      page = await browser.follow(next.toString(), { stop: done });
      if (done(page.url)) return page.url;
    } else {
      page = { res, url: form.action };
      const text = await res.clone().text();
      if (/invalid|error|locked|too many/i.test(text) && !/name="otp"/.test(text)) {
        throw new Error(
          `sign-in refused: ${
            /class="[^"]*(error|alert)[^"]*"[^>]*>([^<]*)/i.exec(text)?.[2] ?? text.slice(0, 200)
          }`,
        );
      }
    }
  }
  throw new Error("sign-in did not finish");
}
