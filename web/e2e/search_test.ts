import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { deflateSync } from "node:zlib";
import type { Locator, Page } from "playwright-core";
import { DEV_CHANNEL, DEV_WORKSPACE } from "@colink/db";
import {
  apiAs,
  assertNoInlineCode,
  assertNoProblems,
  composer,
  launchChromium,
  messageLog,
  newPerson,
  screenshot,
  send,
  signIn,
  startColink,
} from "./harness.ts";

const LIVE = { timeout: 20_000 };

// ---- a small real PNG (a diagonal gradient), for the image hit's thumbnail ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  let c = 0xffffffff;
  for (const b of out.subarray(4, 8 + data.length)) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  view.setUint32(8 + data.length, (c ^ 0xffffffff) >>> 0);
  return out;
}

function gradientPng(width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height);
      raw.set([60 + 160 * t, 90 + 60 * t, 220 - 120 * t], y * (1 + width * 3) + 1 + x * 3);
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", new Uint8Array(deflateSync(raw))),
    pngChunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- page helpers ----

const searchBox = (page: Page) => page.getByRole("combobox", { name: "Search messages and files" });
const results = (page: Page) => page.getByRole("complementary", { name: "Search results" });
const messageHits = (page: Page) =>
  results(page).getByRole("list", { name: "Messages found" }).getByRole("listitem");
const fileHits = (page: Page) =>
  results(page).getByRole("list", { name: "Files found" }).getByRole("listitem");
const hints = (page: Page) => page.getByRole("listbox", { name: "Search suggestions" });

/** Waits until the results panel shows an answer: hits, "no match" or an error. */
async function answered(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const body = document.querySelector(".search-body");
      return !!body && !body.querySelector(".loading") &&
        !!body.querySelector(".search-count, .search-state, [role=alert]");
    },
    undefined,
    LIVE,
  );
}

/**
 * Searches `q` from the box (Enter) until `count` hits show: the index follows sends by well
 * under a second, so the first ask right after a send may be early. Returns the hits shown.
 */
async function searchFor(
  page: Page,
  q: string,
  count: number,
  hitsOf: (p: Page) => Locator = messageHits,
): Promise<number> {
  let n = -1;
  for (let i = 0; i < 30 && n !== count; i++) {
    if (i) await page.waitForTimeout(300);
    const box = searchBox(page);
    await box.fill(q);
    await box.press("Enter");
    await answered(page);
    n = await hitsOf(page).count();
  }
  return n;
}

const marks = async (scope: Locator) =>
  (await scope.locator("mark").allTextContents()).map((s) => s.toLowerCase());

/** `el` is wholly inside `container`'s box (scrolled into view). */
async function inView(container: Locator, el: Locator): Promise<boolean> {
  const [c, e] = [await container.boundingBox(), await el.boundingBox()];
  return !!c && !!e && e.y >= c.y - 1 && e.y + e.height <= c.y + c.height + 1;
}

async function assertNoSidewaysScroll(page: Page): Promise<void> {
  const [scroll, width] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    innerWidth,
  ]);
  assert.ok(scroll <= width, `page is ${scroll} px wide in a ${width} px window`);
}

Deno.test({
  name:
    "search in the browser: hints and completion, partial and CJK words, in:/from:, jump to a hit (history around it, threads), files, reload, empty and error states, phone and dark",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startColink();
    const browser = await launchChromium();
    let failed = false;
    const step = async (name: string, fn: () => Promise<void> | void) => {
      if (!await t.step({ name, fn, ignore: failed })) failed = true;
    };
    try {
      const alice = await newPerson(browser, app.base);
      const page = alice.page;
      const asAlice = await apiAs(app.base, "alice");
      const asBob = await apiAs(app.base, "bob");
      const general = DEV_CHANNEL.id;
      const old = "Quarterly deployment checklist is ready for review";
      const cjk = "明天的会议改到下午三点，请大家准时参加";
      const hotfix = "Heads-up: deploying the hotfix at noon";
      const reply = "I will redeploy the staging cluster after lunch";
      const design = "Deployment of the new design tokens is done";
      let oldId = "";
      let replyId = "";

      await step(
        "the scene: alice writes in #general, bob chats on, a thread, a second channel",
        async () => {
          await signIn(page, app.base, "alice");
          await send(page, old);
          await messageLog(page).locator("article.msg").filter({ hasText: old })
            .locator(".sending").waitFor({ state: "detached" });
          // Two pages of chat after it, so jumping to it needs the history around it (a window
          // into the past that does not meet the newest page).
          for (let i = 1; i <= 100; i++) {
            await asBob("POST", `/api/v1/channels/${general}/messages`, {
              content: `filler message number ${i}`,
            });
          }
          await send(page, cjk);
          await send(page, hotfix);
          await messageLog(page).locator("article.msg").filter({ hasText: hotfix })
            .locator(".sending").waitFor({ state: "detached" });
          const { messages } = await asAlice<{ messages: { id: string; content: string }[] }>(
            "GET",
            `/api/v1/channels/${general}/messages?limit=200`,
          );
          oldId = messages.find((m) => m.content === old)!.id;
          const hotfixMsg = messages.find((m) => m.content === hotfix);
          assert.ok(hotfixMsg, "alice's messages are in");
          replyId = (await asBob<{ id: string }>(
            "POST",
            `/api/v1/messages/${hotfixMsg.id}/replies`,
            { content: reply },
          )).id;
          const ch = await asAlice<{ id: string }>(
            "POST",
            `/api/v1/workspaces/${DEV_WORKSPACE.id}/channels`,
            { name: "design-review", description: "Design crits" },
          );
          await asAlice("POST", `/api/v1/channels/${ch.id}/messages`, { content: design });
          await page.getByRole("link", { name: /design-review/ }).waitFor(LIVE);
          // A fresh load holds the newest page only (the chat above arrived live, all of it).
          await page.reload();
          await composer(page).waitFor();
        },
      );

      await step(
        "Ctrl+Shift+F focuses the box; operators, then channels and people, complete",
        async () => {
          await composer(page).click();
          await page.keyboard.press("Control+Shift+F");
          const box = searchBox(page);
          await page.waitForFunction(() =>
            document.activeElement?.getAttribute("aria-label") === "Search messages and files"
          );
          // An empty box offers every operator.
          const ops = await hints(page).getByRole("option").allTextContents();
          for (
            const op of [
              "in:#channel",
              "from:@person",
              "before:",
              "after:",
              "has:file",
              "is:thread",
              '"exact phrase"',
            ]
          ) {
            assert.ok(ops.some((o) => o.includes(op)), `${op} offered: ${ops}`);
          }
          await box.pressSequentially("deploy in:#des");
          await hints(page).getByRole("option", { name: /#design-review/ }).waitFor();
          assert.equal(await box.getAttribute("aria-expanded"), "true");
          await screenshot(page, "search-hints");
          await assertNoInlineCode(page);
          await box.press("Tab");
          assert.equal(await box.inputValue(), "deploy in:#design-review ");
          // from:@ completes people the client knows, by name too; arrows and Enter take one.
          await box.pressSequentially("from:@bui");
          await hints(page).getByRole("option", { name: /Bob Builder/ }).waitFor();
          await box.press("ArrowDown");
          assert.ok(await box.getAttribute("aria-activedescendant"));
          await box.press("Enter");
          assert.equal(await box.inputValue(), "deploy in:#design-review from:@bob ");
          assert.equal(await results(page).count(), 0, "taking a hint does not search yet");
          // Escape hides the hints, and the box keeps its text.
          await box.pressSequentially("bef");
          await hints(page).getByRole("option", { name: /before:/ }).waitFor();
          await box.press("Escape");
          await hints(page).waitFor({ state: "detached" });
          assert.equal(await box.inputValue(), "deploy in:#design-review from:@bob bef");
        },
      );

      await step("a partial word finds every form of it, with the matches marked", async () => {
        assert.equal(await searchFor(page, "deploy", 4), 4);
        const texts = await messageHits(page).allTextContents();
        for (const m of [old, hotfix, reply, design]) {
          assert.ok(texts.some((x) => x.includes(m)), `${m} in ${texts}`);
        }
        for (let i = 0; i < 4; i++) {
          assert.deepEqual(await marks(messageHits(page).nth(i)), ["deploy"]);
        }
        const hit = messageHits(page).filter({ hasText: reply });
        assert.match(await hit.textContent() ?? "", /Bob Builder/);
        assert.match(await hit.textContent() ?? "", /#general/);
        assert.match(await hit.textContent() ?? "", /thread reply/);
        assert.match(
          await messageHits(page).filter({ hasText: design }).textContent() ?? "",
          /#design-review/,
        );
        assert.match(page.url(), /\?search=deploy$/);
        await results(page).getByRole("status").filter({ hasText: "4 messages" }).waitFor();
        await screenshot(page, "search-results");
        await assertNoInlineCode(page);
      });

      await step("CJK: a substring of a Chinese sentence", async () => {
        assert.equal(await searchFor(page, "会议", 1), 1);
        assert.deepEqual(await marks(messageHits(page).first()), ["会议"]);
        assert.equal(await searchFor(page, "下午三", 1), 1);
      });

      await step("markup in a message is text in its hit, never HTML", async () => {
        const evil = `<img src=x onerror="alert('hit')"> <b>zebra</b> & "quotes"`;
        await asBob("POST", `/api/v1/channels/${general}/messages`, { content: evil });
        assert.equal(await searchFor(page, "zebra", 1), 1);
        const hit = messageHits(page).first();
        assert.equal(await hit.locator(".hit-text").textContent(), evil);
        assert.deepEqual(await marks(hit), ["zebra"]);
        assert.equal(await hit.locator("img, b").count(), 0);
      });

      await step("in:#channel and from:@person narrow the hits", async () => {
        assert.equal(await searchFor(page, "deploy in:#design-review", 1), 1);
        assert.match(await messageHits(page).first().textContent() ?? "", /design tokens/);
        assert.equal(await searchFor(page, "deploy from:@bob", 1), 1);
        assert.match(await messageHits(page).first().textContent() ?? "", /redeploy/);
        assert.equal(await searchFor(page, "deploy is:thread", 1), 1);
        assert.equal(await searchFor(page, '"design tokens"', 1), 1);
      });

      await step(
        "a hit far back: its history is loaded around it, it is scrolled to and flashed",
        async () => {
          assert.equal(await searchFor(page, "quarterly", 1), 1);
          await messageHits(page).first().getByRole("button").click();
          const target = messageLog(page).locator(`article[data-id="${oldId}"]`);
          await target.waitFor(LIVE);
          await page.waitForURL(new RegExp(`/channel/${general}\\?search=quarterly$`));
          assert.match(await target.getAttribute("class") ?? "", /\bflash\b/);
          assert.ok(await inView(messageLog(page), target), "the message is on screen");
          await screenshot(page, "search-jump");
          assert.equal(
            await page.evaluate(() => document.activeElement?.getAttribute("data-id")),
            oldId,
            "and has the focus",
          );
          // The messages just before and after it are there; the newest are not loaded yet.
          await messageLog(page).getByText("filler message number 1", { exact: true }).waitFor();
          assert.equal(await messageLog(page).getByText(hotfix).count(), 0);
          assert.ok(await results(page).isVisible(), "the results stay beside it");
          await page.getByRole("button", { name: /Jump to newest/ }).click();
          await messageLog(page).getByText(hotfix).waitFor(LIVE);
          await page.waitForTimeout(200);
          assert.ok(await inView(messageLog(page), messageLog(page).getByText(hotfix)));
        },
      );

      await step(
        "a thread reply opens its thread at the reply; Back returns to the results",
        async () => {
          // Another conversation on screen first: the jump goes across.
          await page.getByRole("link", { name: /design-review/ }).click();
          assert.equal(await searchFor(page, "redeploy", 1), 1);
          await messageHits(page).first().getByRole("button").click();
          const panel = page.getByRole("complementary", { name: "Thread" });
          const r = panel.locator(`article[data-id="${replyId}"]`);
          await r.waitFor(LIVE);
          assert.match(await r.getAttribute("class") ?? "", /\bflash\b/);
          await page.getByRole("textbox", { name: "Message #general" }).waitFor();
          await messageLog(page).getByText(hotfix).waitFor();
          await panel.getByRole("button", { name: "Back to search results" }).click();
          await messageHits(page).first().waitFor();
        },
      );

      await step("the search survives a reload", async () => {
        await page.reload();
        await composer(page).waitFor();
        await answered(page);
        assert.equal(await searchBox(page).inputValue(), "redeploy");
        assert.equal(await messageHits(page).count(), 1);
      });

      await step("empty and error states", async () => {
        assert.equal(await searchFor(page, "xylophone", 0), 0);
        await results(page).getByText("No messages match “xylophone”.").waitFor();
        await searchBox(page).fill("deploy before:yesterday");
        await searchBox(page).press("Enter");
        const alert = results(page).getByRole("alert");
        await alert.waitFor(LIVE);
        assert.match(await alert.textContent() ?? "", /not a date/);
        await alert.getByRole("button", { name: "Try again" }).waitFor();
        // Escape closes the results (the box is not showing hints).
        await searchBox(page).press("Escape");
        await results(page).waitFor({ state: "detached" });
        assert.doesNotMatch(page.url(), /search=/);
        // "/" outside a text field goes to the search box.
        await messageLog(page).focus();
        await page.keyboard.press("/");
        await page.waitForFunction(() =>
          document.activeElement?.getAttribute("aria-label") === "Search messages and files"
        );
      });

      await step(
        "files: by name, with the image's thumbnail, filtered by type, downloadable",
        async () => {
          await page.getByRole("link", { name: /design-review/ }).click();
          const main = page.locator("main.conversation");
          await main.locator('input[type="file"]').setInputFiles([
            {
              name: "roadmap-2026.png",
              mimeType: "image/png",
              buffer: Buffer.from(gradientPng(320, 200)),
            },
            {
              name: "roadmap-notes.txt",
              mimeType: "text/plain",
              buffer: Buffer.from("Q1: search. Q2: calls.\n"),
            },
          ]);
          const chips = main.getByRole("list", { name: "Files to send" });
          await chips.getByRole("listitem").filter({ hasText: "roadmap-notes.txt" }).getByText(
            "Ready",
          )
            .waitFor(LIVE);
          await chips.getByRole("listitem").filter({ hasText: "roadmap-2026.png" }).getByText(
            "Ready",
          )
            .waitFor(LIVE);
          await send(page, "The roadmap, as discussed");
          await chips.waitFor({ state: "detached" });

          await searchFor(page, "roadmap", 1);
          await results(page).getByRole("tab", { name: "Files" }).click();
          assert.match(page.url(), /[?&]tab=files/);
          await answered(page);
          for (let i = 0; i < 20 && await fileHits(page).count() < 2; i++) {
            await page.waitForTimeout(300);
            await searchBox(page).press("Enter");
            await answered(page);
          }
          assert.equal(await fileHits(page).count(), 2);
          const png = fileHits(page).filter({ hasText: "roadmap-2026.png" });
          assert.deepEqual(await marks(png), ["roadmap"]);
          assert.match(await png.textContent() ?? "", /image\/png/);
          assert.match(await png.textContent() ?? "", /#design-review/);
          const thumb = png.locator("img.file-thumb");
          await page.waitForFunction(
            (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
            await thumb.elementHandle(),
          );
          const link = png.getByRole("link", { name: /Download roadmap-2026\.png/ });
          const href = (await link.getAttribute("href"))!;
          const status = await page.evaluate(async (u) => (await fetch(u)).status, href);
          assert.equal(status, 200);
          await fileHits(page).filter({ hasText: "roadmap-notes.txt" }).locator(".file-icon")
            .waitFor();
          await screenshot(page, "search-files");
          await results(page).getByLabel("Type").selectOption({ label: "Images" });
          await page.waitForFunction(() =>
            document.querySelectorAll('[aria-label="Files found"] > li').length === 1
          );
          // "Show message" opens the message the file came with.
          await fileHits(page).first().getByRole("button", { name: "Show message" }).click();
          await messageLog(page).locator("article.msg.flash").filter({ hasText: "The roadmap" })
            .waitFor(LIVE);
          await assertNoInlineCode(page);
        },
      );

      await step("Load more pages through next_cursor", async () => {
        await results(page).getByRole("tab", { name: "Messages" }).click();
        assert.equal(await searchFor(page, "filler", 20), 20);
        await results(page).getByRole("status").filter({ hasText: "20+ messages" }).waitFor();
        await results(page).getByRole("button", { name: "Load more" }).click();
        await page.waitForFunction(() =>
          document.querySelectorAll('[aria-label="Messages found"] > li').length === 40
        );
        await results(page).getByRole("button", { name: "Load more" }).click();
        await page.waitForFunction(() =>
          document.querySelectorAll('[aria-label="Messages found"] > li').length === 60
        );
        const texts = await messageHits(page).allTextContents();
        assert.equal(new Set(texts).size, 60, "no hit twice");
        await results(page).getByRole("status").filter({ hasText: "60+ messages" }).waitFor();
      });

      await step("dark mode: the results and marks follow the system", async () => {
        const dark = await newPerson(browser, app.base, { colorScheme: "dark" });
        await signIn(dark.page, app.base, "alice");
        await dark.page.goto(`${app.base}/w/colink/channel/${general}?search=deploy`);
        await answered(dark.page);
        assert.equal(await messageHits(dark.page).count(), 4);
        const [bg, markBg] = await dark.page.evaluate(() => [
          getComputedStyle(document.querySelector(".search-panel")!).backgroundColor,
          getComputedStyle(document.querySelector(".search-panel mark")!).backgroundColor,
        ]);
        assert.equal(bg, "rgb(23, 25, 30)");
        assert.equal(markBg, "rgb(107, 83, 0)");
        await screenshot(dark.page, "search-results-dark");
        // Between 700 and 1000 px the results cover the conversation, with their own search box.
        await dark.page.setViewportSize({ width: 900, height: 700 });
        await searchBox(dark.page).waitFor();
        assert.equal(await searchBox(dark.page).count(), 1, "one search box on screen");
        assert.ok(await results(dark.page).locator(".search-box").isVisible());
        await assertNoSidewaysScroll(dark.page);
        assertNoProblems("dark", dark.problems);
        await dark.context.close();
      });

      await step(
        "a 360 px phone in dark mode: the results cover the screen, a hit shows its message",
        async () => {
          const phone = await newPerson(browser, app.base, {
            colorScheme: "dark",
            width: 360,
            height: 740,
          });
          await signIn(phone.page, app.base, "alice");
          const p = phone.page;
          await p.getByRole("button", { name: "Search", exact: true }).click();
          await searchBox(p).pressSequentially("from:@");
          await hints(p).getByRole("option", { name: /Bob Builder/ }).waitFor();
          await assertNoSidewaysScroll(p);
          await screenshot(p, "search-hints-phone-dark");
          await searchBox(p).fill("");
          assert.equal(await searchFor(p, "deploy", 4), 4);
          const panel = (await results(p).boundingBox())!;
          assert.ok(panel.x === 0 && panel.width === 360, `full width: ${JSON.stringify(panel)}`);
          await assertNoSidewaysScroll(p);
          const bg = await p.evaluate(() =>
            getComputedStyle(document.querySelector(".search-panel")!).backgroundColor
          );
          assert.equal(bg, "rgb(23, 25, 30)");
          await screenshot(p, "search-phone-dark");
          await messageHits(p).filter({ hasText: hotfix }).getByRole("button").click();
          await results(p).waitFor({ state: "detached" });
          const m = messageLog(p).locator("article.msg").filter({ hasText: hotfix });
          await m.waitFor(LIVE);
          assert.ok(await inView(messageLog(p), m));
          // Back brings the results again.
          await p.goBack();
          await messageHits(p).first().waitFor(LIVE);
          assertNoProblems("phone", phone.problems);
          await phone.context.close();
        },
      );

      // Chrome logs the refusal the error step asked for; nothing else may be there.
      alice.problems.errors = alice.problems.errors.filter((e) =>
        !/status of 400 .*\/api\/v1\/search\/messages\?/.test(e)
      );
      assertNoProblems("alice", alice.problems);
    } finally {
      await browser.close();
      await app.close();
    }
  },
});
