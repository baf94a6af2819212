import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { deflateSync } from "node:zlib";
import type { Locator, Page } from "playwright-core";
import { formatBytes } from "../src/components/format.ts";
import {
  assertNoInlineCode,
  assertNoProblems,
  composer,
  launchChromium,
  messageItem,
  messageLog,
  newPerson,
  screenshot,
  signIn,
  startColink,
} from "./harness.ts";

const LIVE = { timeout: 20_000 };
/** A small upload limit, so a file over it is cheap to make. */
const MAX_BYTES = 2 * 1024 * 1024;

// ---- test files ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A real RGB PNG: a sunset over hills, so the preview is something to look at. */
function sunsetPng(width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0; // no filter
    for (let x = 0; x < width; x++) {
      const t = y / height;
      let r = 255 - 90 * t, g = 140 + 60 * t, b = 90 + 150 * t;
      const dx = x - width * 0.68, dy = y - height * 0.5;
      if (dx * dx + dy * dy < (height * 0.16) ** 2) [r, g, b] = [255, 214, 102];
      const hill = height * (0.72 + 0.08 * Math.sin(x / width * 7));
      if (y > hill) [r, g, b] = [46 + 30 * Math.sin(x / 40), 110, 70];
      raw.set([r, g, b], row + 1 + x * 3);
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function notesTxt(lines: number): Uint8Array {
  const topics = ["budget", "venue", "travel", "agenda", "catering", "speakers", "follow-ups"];
  let s = "";
  for (let i = 1; i <= lines; i++) {
    s += `${String(i).padStart(5, "0")}  ${topics[i % topics.length]}: notes from the planning ` +
      `call, item ${i} of ${lines}, owner @alice, due next week.\n`;
  }
  return new TextEncoder().encode(s);
}

const sha256 = async (b: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>))]
    .map((x) => x.toString(16).padStart(2, "0")).join("");

// ---- page helpers ----

const fileInput = (scope: Locator) => scope.locator('input[type="file"]');
const chips = (scope: Locator) => scope.getByRole("list", { name: "Files to send" });
const chip = (scope: Locator, name: string) =>
  chips(scope).getByRole("listitem").filter({ hasText: name });
const mainPane = (page: Page) => page.locator("main.conversation");

/** A DataTransfer in the page holding text files, for a synthetic drop or paste. */
function transfer(page: Page, files: { name: string; text: string; type: string }[]) {
  return page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([f.text], f.name, { type: f.type }));
    return dt;
  }, files);
}

Deno.test({
  name:
    "files in the browser: attach, progress, scan, send; previews and cards for the other person; drop, paste, threads, DMs; refusals",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startColink({ FILES_MAX_BYTES: String(MAX_BYTES) });
    const browser = await launchChromium();
    // Later steps build on earlier ones: after a failure they are skipped, not piled up.
    let failed = false;
    const step = async (name: string, fn: () => Promise<void> | void) => {
      if (!await t.step({ name, fn, ignore: failed })) failed = true;
    };
    try {
      const alice = await newPerson(browser, app.base);
      const bob = await newPerson(browser, app.base);
      const tag = crypto.randomUUID().slice(0, 6);
      const image = sunsetPng(640, 400);
      const notes = notesTxt(12_000);
      assert.ok(notes.length > 1_000_000 && notes.length < MAX_BYTES);
      const imageName = `offsite-${tag}.png`;
      const notesName = `meeting-notes-${tag}.txt`;
      const blobPuts: string[] = [];
      alice.page.on("request", (r) => {
        if (r.method() === "PUT" && new URL(r.url()).pathname.startsWith("/blobs/")) {
          blobPuts.push(r.url());
        }
      });

      await step("sign in", async () => {
        await signIn(alice.page, app.base, "alice");
        await signIn(bob.page, app.base, "bob");
      });

      const aliceMain = mainPane(alice.page);

      await step("the attach button opens a file picker for several files", async () => {
        const [chooser] = await Promise.all([
          alice.page.waitForEvent("filechooser"),
          aliceMain.getByRole("button", { name: "Attach files" }).click(),
        ]);
        assert.ok(chooser.isMultiple());
        assert.equal(await fileInput(aliceMain).getAttribute("hidden"), "");
      });

      await step(
        "alice attaches an image and a text file: chips with real progress, then ready",
        async () => {
          // A slow uplink, so the progress bar has something to show.
          const cdp = await alice.context.newCDPSession(alice.page);
          await cdp.send("Network.enable");
          await cdp.send("Network.emulateNetworkConditions", {
            offline: false,
            latency: 0,
            downloadThroughput: -1,
            uploadThroughput: 250 * 1024,
          });
          await fileInput(aliceMain).setInputFiles([
            { name: imageName, mimeType: "image/png", buffer: Buffer.from(image) },
            { name: notesName, mimeType: "text/plain", buffer: Buffer.from(notes) },
          ]);
          const send = aliceMain.getByRole("button", { name: "Send" });
          const bar = chip(aliceMain, notesName).getByRole("progressbar");
          await bar.waitFor();
          assert.equal(await send.isDisabled(), true, "Send waits for unfinished uploads");
          assert.match(await chip(aliceMain, notesName).textContent() ?? "", /Uploading \d+%/);
          const seen = new Set<number>();
          for (let i = 0; i < 40; i++) {
            const now = Number(await bar.getAttribute("aria-valuenow").catch(() => null));
            if (Number.isFinite(now)) seen.add(now);
            if (now >= 40) break;
            await alice.page.waitForTimeout(100);
          }
          const values = [...seen].sort((a, b) => a - b);
          assert.ok(
            values.some((v) => v > 0 && v < 100) && values.length >= 3,
            `progress moves: ${values}`,
          );
          await chip(aliceMain, imageName).getByText("Ready").waitFor(LIVE);
          assert.equal(await send.isDisabled(), true, "still waiting for the text file");
          await screenshot(alice.page, "files-composer");
          await assertNoInlineCode(alice.page);

          await chip(aliceMain, notesName).getByText("Ready").waitFor({ timeout: 30_000 });
          await cdp.send("Network.emulateNetworkConditions", {
            offline: false,
            latency: 0,
            downloadThroughput: -1,
            uploadThroughput: -1,
          });
          await cdp.detach();
          assert.equal(await send.isDisabled(), false);
          assert.equal(blobPuts.length, 2, "one PUT per file");
          // The image chip shows the server's preview once it is ready.
          await chip(aliceMain, imageName).locator("img").waitFor();
        },
      );

      await step("send: the chips clear and the message carries both files", async () => {
        const box = composer(alice.page);
        await box.fill(`Plans for the offsite ${tag}`);
        await box.press("Enter");
        await chips(aliceMain).waitFor({ state: "detached" });
        const mine = messageItem(alice.page, `Plans for the offsite ${tag}`);
        await mine.locator(".sending").waitFor({ state: "detached" });
        await mine.getByRole("img", { name: imageName }).waitFor();
        await mine.getByRole("link", { name: new RegExp(`Download ${notesName}`) }).waitFor();
      });

      await step(
        "bob sees the image preview and the file card, and downloads the same bytes",
        async () => {
          const m = messageItem(bob.page, `Plans for the offsite ${tag}`);
          await m.waitFor(LIVE);
          const img = m.getByRole("img", { name: imageName });
          await img.waitFor();
          // The preview's box comes from the image's size (no layout shift), within 360 px.
          assert.equal(await img.getAttribute("width"), "360");
          assert.equal(await img.getAttribute("height"), "225");
          await bob.page.waitForFunction(
            (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
            await img.elementHandle(),
          );
          const box = (await img.boundingBox())!;
          assert.ok(Math.abs(box.width - 360) <= 1 && Math.abs(box.height - 225) <= 1);
          const link = img.locator("xpath=ancestor::a[1]");
          assert.equal(await link.getAttribute("target"), "_blank");
          assert.match(await link.getAttribute("rel") ?? "", /noopener/);

          const card = m.getByRole("link", { name: new RegExp(`Download ${notesName}`) });
          assert.match(await card.textContent() ?? "", new RegExp(formatBytes(notes.length)));
          assert.match(await card.textContent() ?? "", /TXT/);
          const href = (await card.getAttribute("href"))!;
          const got = await bob.page.evaluate(async (url) => {
            const res = await fetch(url);
            const bytes = new Uint8Array(await res.arrayBuffer());
            const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
              .map((x) => x.toString(16).padStart(2, "0")).join("");
            return { status: res.status, redirected: res.redirected, size: bytes.length, hash };
          }, href);
          assert.deepEqual(got, {
            status: 200,
            redirected: true,
            size: notes.length,
            hash: await sha256(notes),
          });
          await screenshot(bob.page, "files-message");
          await assertNoInlineCode(bob.page);

          // The preview opens the original in a new tab.
          const [tab] = await Promise.all([bob.context.waitForEvent("page"), img.click()]);
          await tab.waitForLoadState();
          assert.match(new URL(tab.url()).pathname, /^\/blobs\//);
          const original = await tab.evaluate(async () => {
            const bytes = new Uint8Array(await (await fetch(location.href)).arrayBuffer());
            return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
              .map((x) => x.toString(16).padStart(2, "0")).join("");
          }).catch(() => null);
          if (original !== null) assert.equal(original, await sha256(image));
          await tab.close();
        },
      );

      await step(
        "an HTML file named .png fails with the server's reason and a Retry",
        async () => {
          const before = blobPuts.length;
          await fileInput(aliceMain).setInputFiles({
            name: "not-a-picture.png",
            mimeType: "image/png",
            buffer: Buffer.from(
              "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            ),
          });
          const c = chip(aliceMain, "not-a-picture.png");
          const reason = c.getByRole("alert");
          await reason.waitFor(LIVE);
          assert.match(
            await reason.textContent() ?? "",
            /HTML, SVG or XML document, not image\/png/,
          );
          assert.equal(await c.getByRole("progressbar").count(), 0);
          await screenshot(alice.page, "files-failed");
          assert.equal(blobPuts.length, before + 1);
          await c.getByRole("button", { name: "Retry" }).click();
          // A retry starts over (a new upload URL, the bytes again) and is refused the same way.
          for (let i = 0; i < 100 && blobPuts.length < before + 2; i++) {
            await alice.page.waitForTimeout(100);
          }
          assert.equal(blobPuts.length, before + 2);
          await c.getByRole("alert").filter({ hasText: /HTML/ }).waitFor(LIVE);
          await c.getByRole("button", { name: "Remove not-a-picture.png" }).click();
          await chips(aliceMain).waitFor({ state: "detached" });
        },
      );

      await step("a file over the limit fails at once with the server's message", async () => {
        const before = blobPuts.length;
        await fileInput(aliceMain).setInputFiles({
          name: "too-big.bin",
          mimeType: "application/octet-stream",
          buffer: Buffer.alloc(MAX_BYTES + 1),
        });
        const c = chip(aliceMain, "too-big.bin");
        await c.getByRole("alert").filter({ hasText: "A file holds at most 2,097,152 bytes" })
          .waitFor(LIVE);
        assert.equal(blobPuts.length, before, "no bytes were sent");
        // Send stays off with nothing ready to go, and the failed chip can be dismissed.
        assert.equal(await aliceMain.getByRole("button", { name: "Send" }).isDisabled(), true);
        await c.getByRole("button", { name: "Remove too-big.bin" }).click();
        await chips(aliceMain).waitFor({ state: "detached" });
      });

      await step("dark mode at 360 px: the preview and the card fit the phone", async () => {
        const phone = await newPerson(browser, app.base, {
          colorScheme: "dark",
          width: 360,
          height: 740,
        });
        await signIn(phone.page, app.base, "carol");
        const m = messageItem(phone.page, `Plans for the offsite ${tag}`);
        await m.waitFor(LIVE);
        const img = m.getByRole("img", { name: imageName });
        await phone.page.waitForFunction(
          (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
          await img.elementHandle(),
        );
        await m.scrollIntoViewIfNeeded();
        for (const el of [img, m.getByRole("link", { name: /Download/ })]) {
          const b = (await el.boundingBox())!;
          assert.ok(b.x >= 0 && b.x + b.width <= 360, `within the screen: ${JSON.stringify(b)}`);
        }
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(overflow <= 360, `no sideways scrolling (${overflow})`);
        // At the newest message, a growing composer (files attached) does not hide it.
        const log = messageLog(phone.page);
        await log.evaluate((el) => el.scrollTop = el.scrollHeight);
        await fileInput(mainPane(phone.page)).setInputFiles({
          name: "a-rather-long-file-name-for-a-small-screen.txt",
          mimeType: "text/plain",
          buffer: Buffer.from("small"),
        });
        await chip(mainPane(phone.page), "a-rather-long").getByText("Ready").waitFor(LIVE);
        const chipBox = (await chip(mainPane(phone.page), "a-rather-long").boundingBox())!;
        assert.ok(chipBox.x >= 0 && chipBox.x + chipBox.width <= 360);
        await phone.page.waitForFunction(() => {
          const list = document.querySelector(".messages")!;
          return list.scrollHeight - list.scrollTop - list.clientHeight < 2;
        });
        await screenshot(phone.page, "files-phone-dark");
        await assertNoInlineCode(phone.page);
        assertNoProblems("phone", phone.problems);
        await phone.context.close();
      });

      await step("bob pastes a file into a thread and sends it with no text", async () => {
        const parent = messageItem(bob.page, `Plans for the offsite ${tag}`);
        await parent.hover();
        await parent.getByRole("button", { name: "Reply in thread" }).click();
        const thread = bob.page.getByRole("complementary", { name: "Thread" });
        const box = thread.getByRole("textbox", { name: "Reply in thread" });
        const dt = await transfer(bob.page, [
          { name: `agenda-${tag}.md`, text: "# Agenda\n\n- Welcome\n- Roadmap\n", type: "" },
        ]);
        await box.evaluate(
          (el, data) =>
            el.dispatchEvent(
              new ClipboardEvent("paste", {
                clipboardData: data as DataTransfer,
                bubbles: true,
                cancelable: true,
              }),
            ),
          dt,
        );
        await chip(thread, `agenda-${tag}.md`).getByText("Ready").waitFor(LIVE);
        assert.equal(await box.inputValue(), "", "the paste adds no text");
        await box.press("Enter");
        await chips(thread).waitFor({ state: "detached" });
        const reply = thread.locator("article.msg").filter({
          has: bob.page.getByRole("link", { name: new RegExp(`Download agenda-${tag}.md`) }),
        });
        await reply.locator(".sending").waitFor({ state: "detached" });
        assert.match(await reply.textContent() ?? "", /MD/);

        const aliceParent = messageItem(alice.page, `Plans for the offsite ${tag}`);
        await aliceParent.getByRole("button", { name: /1 reply/ }).click(LIVE);
        await alice.page.getByRole("complementary", { name: "Thread" })
          .getByRole("link", { name: new RegExp(`Download agenda-${tag}.md`) }).waitFor(LIVE);
        await screenshot(alice.page, "files-thread");
        await alice.page.keyboard.press("Escape");
        await bob.page.keyboard.press("Escape");
      });

      await step(
        "alice drops a file on a DM: an overlay while dragging, then it sends",
        async () => {
          await alice.page.getByRole("button", { name: "New direct message" }).click();
          const dlg = alice.page.getByRole("dialog", { name: "New direct message" });
          await dlg.getByRole("searchbox").fill("bob");
          await dlg.getByRole("button", { name: /Bob/ }).first().click();
          await dlg.getByRole("button", { name: "Start conversation" }).click();
          await alice.page.getByRole("textbox", { name: /^Message Bob Builder$/ }).waitFor();
          const pane = mainPane(alice.page);
          const dt = await transfer(alice.page, [
            {
              name: `budget-${tag}.csv`,
              text: "item,cost\nvenue,1200\nfood,800\n",
              type: "text/csv",
            },
          ]);
          await pane.dispatchEvent("dragenter", { dataTransfer: dt });
          await pane.dispatchEvent("dragover", { dataTransfer: dt });
          const overlay = pane.locator(".drop-overlay");
          await overlay.waitFor();
          assert.match(await overlay.textContent() ?? "", /Upload to Bob Builder/);
          await screenshot(alice.page, "files-drop");
          await pane.dispatchEvent("drop", { dataTransfer: dt });
          await overlay.waitFor({ state: "detached" });
          await chip(pane, `budget-${tag}.csv`).getByText("Ready").waitFor(LIVE);
          await composer(alice.page).press("Enter");
          await chips(pane).waitFor({ state: "detached" });

          const dmLink = bob.page.getByRole("navigation", { name: "Conversations" })
            .getByRole("link", { name: /Alice/ });
          await dmLink.click(LIVE);
          await mainPane(bob.page).getByRole("link", {
            name: new RegExp(`Download budget-${tag}.csv`),
          })
            .waitFor(LIVE);
        },
      );

      await step("a deleted message shows no files", async () => {
        await alice.page.getByRole("navigation", { name: "Conversations" })
          .getByRole("link", { name: /general/ }).click();
        await bob.page.getByRole("navigation", { name: "Conversations" })
          .getByRole("link", { name: /general/ }).click();
        const mine = messageItem(alice.page, `Plans for the offsite ${tag}`);
        const id = (await mine.getAttribute("data-id"))!;
        await mine.hover();
        await mine.getByRole("button", { name: "Delete message" }).click();
        const confirm = alice.page.getByRole("dialog", { name: "Delete message" });
        await confirm.getByRole("button", { name: "Delete" }).click();
        const gone = bob.page.locator(`article.msg[data-id="${id}"]`);
        await gone.locator(".tombstone").waitFor(LIVE);
        assert.equal(await gone.locator(".attachments, img").count(), 0);
      });

      await step("nothing went wrong in either page", () => {
        // Chrome logs the refusals the steps above asked for; nothing else may be there.
        alice.problems.errors = alice.problems.errors.filter((e) =>
          !/status of 400 .*\/api\/v1\/files\/[0-9a-f-]+\/confirm\)$/.test(e) &&
          !/status of 413 .*\/api\/v1\/files\/upload-url\)$/.test(e)
        );
        assertNoProblems("alice", alice.problems);
        assertNoProblems("bob", bob.problems);
      });
    } finally {
      await browser.close();
      await app.close();
    }
  },
});
