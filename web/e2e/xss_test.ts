import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  assertNoInlineCode,
  assertNoProblems,
  launchChromium,
  messageItem,
  messageLog,
  newPerson,
  screenshot,
  send,
  signIn,
  startColink,
} from "./harness.ts";

/**
 * Messages that try to run script or smuggle markup. Each sets window.__pwned or calls alert if
 * it ever runs; `shows` is text that must be visible as typed (raw HTML is shown, not parsed).
 */
const CORPUS: { content: string; shows?: string }[] = [
  { content: "<script>window.__pwned=1;alert(1)</script>", shows: "<script>" },
  { content: '<img src=x onerror="window.__pwned=2;alert(2)">', shows: "<img src=x onerror" },
  {
    content: '<svg onload="window.__pwned=3;alert(3)"><circle r="10"/></svg>',
    shows: "<svg onload",
  },
  { content: "[click me](javascript:window.__pwned=4;alert(4))", shows: "click me" },
  { content: "[encoded](javascript&#58;alert(5))", shows: "encoded" },
  { content: '<a href="javascript:alert(6)">anchor</a>', shows: '<a href="javascript:alert(6)">' },
  { content: '![pic](x" onerror="alert(7))', shows: "pic" },
  { content: '<iframe src="javascript:alert(8)"></iframe>', shows: "<iframe" },
  { content: "<details open ontoggle=alert(9)>x</details>", shows: "<details open ontoggle" },
  { content: "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=)", shows: "data" },
  {
    content: "<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>",
    shows: "<math>",
  },
  { content: "[vb](vbscript:alert(12))", shows: "vb" },
  { content: "`<script>alert(13)</script>` in code", shows: "<script>alert(13)</script>" },
  { content: "<style>body{display:none}</style>after style", shows: "<style>" },
  { content: "<javascript:alert(15)>", shows: "javascript:alert(15)" },
  { content: '[t](https://example.com "x\\" onmouseover=\\"alert(16)")', shows: "t" },
  { content: "[ref][1]\n\n[1]: javascript:alert(17)", shows: "ref" },
  { content: "<form action=/x><input name=q autofocus onfocus=alert(18)></form>", shows: "<form" },
  { content: "[JaVaScRiPt](  JaVaScRiPt:alert(19) )", shows: "JaVaScRiPt" },
  { content: "<object data=javascript:alert(20)></object>", shows: "<object" },
  { content: "safe link https://example.com/ok?a=1&b=2", shows: "example.com/ok" },
];

async function checkPage(page: Page, tag: string): Promise<void> {
  const log = messageLog(page);
  for (const { content, shows } of CORPUS) {
    if (!shows) continue;
    const item = messageItem(page, tag).filter({ hasText: shows });
    assert.ok(await item.count() >= 1, `"${content}" should show "${shows}" as text`);
  }
  // Hover everything a payload might hang a handler on.
  for (const el of await log.locator(".md *").all()) {
    await el.hover({ force: true }).catch(() => {});
  }
  const report = await page.evaluate(() => {
    const w = window as unknown as { __pwned?: number };
    const bodies = [...document.querySelectorAll(".md")];
    const bad: string[] = [];
    for (const b of bodies) {
      for (const el of b.querySelectorAll("*")) {
        const tag = el.tagName.toLowerCase();
        if (
          /^(script|iframe|object|embed|img|svg|math|style|form|input|details|link|meta|base)$/
            .test(tag)
        ) {
          bad.push(`element <${tag}>`);
        }
        for (const a of el.attributes) {
          if (/^on/i.test(a.name) || a.name === "style" || a.name === "src") {
            bad.push(`attribute ${a.name} on <${tag}>`);
          }
        }
        if (tag === "a") {
          const href = el.getAttribute("href");
          if (href !== null && !/^(https?:|mailto:)/i.test(href)) bad.push(`href ${href}`);
          if (
            href !== null &&
            (el.getAttribute("rel") !== "noopener noreferrer" ||
              el.getAttribute("target") !== "_blank")
          ) {
            bad.push(`link without rel/target: ${href}`);
          }
        }
      }
    }
    return { pwned: w.__pwned ?? null, bad, bodyShown: getComputedStyle(document.body).display };
  });
  assert.equal(report.pwned, null, "no payload ran");
  assert.deepEqual(report.bad, [], "no markup got through");
  assert.notEqual(report.bodyShown, "none", "no style got through");
  const links = await log.locator(".md a").evaluateAll((as) =>
    as.map((a) => a.getAttribute("href"))
  );
  assert.ok(links.includes("https://example.com/ok?a=1&b=2"), `safe links stay links: ${links}`);
}

Deno.test({
  name: "an XSS corpus posted as messages runs nothing, injects nothing and reads as text",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await startColink();
    const browser = await launchChromium();
    try {
      const alice = await newPerson(browser, app.base);
      const bob = await newPerson(browser, app.base);
      await signIn(alice.page, app.base, "alice");
      await signIn(bob.page, app.base, "bob");
      const tag = `xss${crypto.randomUUID().slice(0, 6)}`;
      for (const { content } of CORPUS) {
        await send(alice.page, `${content} ${tag}`);
      }
      await messageItem(alice.page, tag).nth(CORPUS.length - 1).waitFor();
      await messageItem(alice.page, tag).locator(".sending").first().waitFor({ state: "detached" })
        .catch(() => {});
      await messageItem(bob.page, tag).nth(CORPUS.length - 1).waitFor({ timeout: 20_000 });
      await checkPage(alice.page, tag);
      await checkPage(bob.page, tag);
      await screenshot(bob.page, "xss-corpus");
      await assertNoInlineCode(alice.page);
      await assertNoInlineCode(bob.page);
      assertNoProblems("alice", alice.problems);
      assertNoProblems("bob", bob.problems);
    } finally {
      await browser.close();
      await app.close();
    }
  },
});
