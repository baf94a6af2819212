import { passwordGrant } from "@colink/testing";
/**
 * What the browser tests share: CoLink started in-process on a free port (every service on the
 * embedded adapters, dev users and the seeded `colink` workspace), the freshly built web client
 * served the way the gateway serves it, and Debian's chromium driven by playwright-core.
 */
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { seedDevData } from "@colink/db";
import { startProcess } from "@colink/testing";
// The one list of services, as the gateway's own tests and the benchmarks take it.
import { SERVICES } from "../../services/gateway/registry.ts";
import { buildIfStale, DIST_DIR } from "../build.ts";
import { webClient } from "../serve.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;
export const PASSWORD = "colink-dev";

export interface Colink {
  base: string;
  close(): Promise<void>;
}

/**
 * CoLink as `deno task dev` runs it, on a private port and data directory; `env` adds or
 * overrides settings (a smaller upload limit, say).
 */
export async function startColink(env: Record<string, string> = {}): Promise<Colink> {
  await buildIfStale();
  const p = await startProcess(SERVICES, {
    COLINK_ENV: "development",
    // A test sends far more than a person would in a minute.
    RATE_LIMIT_READS_PER_MIN: "1000000",
    RATE_LIMIT_WRITES_PER_MIN: "1000000",
    RATE_LIMIT_IP_PER_MIN: "1000000",
    RATE_LIMIT_LOGIN_PER_MIN: "1000000",
    ...env,
  });
  await seedDevData(p.proc.infra.sql!);
  p.proc.app.use(
    "/*",
    webClient({ dir: DIST_DIR, isApi: (path) => p.proc.routes.match(path) !== undefined }),
  );
  return { base: p.base, close: () => p.close() };
}

/** Chromium from Debian's package; its absence is a failure, never a skip. */
export async function launchChromium(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium)`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

/** What went wrong in a page: console errors, uncaught exceptions and dialogs (alert, confirm). */
export interface PageProblems {
  errors: string[];
  dialogs: string[];
}

/** A browser context for one person (its own cookies), with a page that records problems. */
export async function newPerson(
  browser: Browser,
  base: string,
  o: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: { width: o.width ?? 1280, height: o.height ?? 800 },
    colorScheme: o.colorScheme ?? "light",
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], dialogs: [] };
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location().url;
    // Before sign-in the client asks who is signed in; the answer is a 401 Chrome logs.
    if (/Failed to load resource.*401/.test(msg.text()) && where.endsWith("/auth/session")) return;
    problems.errors.push(`${msg.text()} (${where})`);
  });
  page.on("pageerror", (e) => problems.errors.push(`uncaught: ${e.message}`));
  page.on("dialog", async (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  return { context, page, problems };
}

/** Signs in the way a person does: the app's Sign in button, the IdP's form, and back. */
export async function signIn(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.waitForURL(/\/realms\/colink\/protocol\/openid-connect\/auth/);
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("#kc-login").click();
  await page.waitForURL((u) => u.origin === new URL(base).origin && u.pathname.startsWith("/w/"));
  await composer(page).waitFor();
}

export const composer = (page: Page): Locator => page.getByRole("textbox", { name: /^Message / });
export const messageLog = (page: Page): Locator => page.getByRole("log", { name: /^Messages in / });

/** The message whose text contains `text`, in the main list. */
export const messageItem = (page: Page, text: string): Locator =>
  messageLog(page).locator("article.msg").filter({ hasText: text });

export async function send(page: Page, text: string): Promise<void> {
  const box = composer(page);
  await box.fill(text);
  await box.press("Enter");
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/**
 * The gateway's CSP allows inline styles only for the IdP's login page; the client itself must
 * need neither inline scripts nor inline styles, so none may be in its document.
 */
export async function assertNoInlineCode(page: Page): Promise<void> {
  const found = await page.evaluate(() =>
    [...document.querySelectorAll('[style]:not([style=""]), style, script:not([src])')].map((el) =>
      el.outerHTML.slice(0, 120)
    )
  );
  if (found.length) throw new Error(`inline styles or scripts in the client: ${found.join(", ")}`);
}

export function assertNoProblems(who: string, p: PageProblems): void {
  if (p.errors.length || p.dialogs.length) {
    throw new Error(
      `${who}: console errors ${JSON.stringify(p.errors)}, dialogs ${JSON.stringify(p.dialogs)}`,
    );
  }
}

/** A token for setting the scene over the API (what a bot would do). */
/** A caller's API calls as a function: JSON in, JSON out, an error for any non-2xx. */
export type ApiCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export async function apiAs(base: string, username: string): Promise<ApiCall> {
  const g = await passwordGrant(
    fetch,
    `${base}/realms/colink/protocol/openid-connect/token`,
    username,
  );
  const token = g.body.access_token as string;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined as T : await res.json() as T;
  };
}
