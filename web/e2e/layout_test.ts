import assert from "node:assert/strict";
import {
  apiAs,
  assertNoInlineCode,
  assertNoProblems,
  composer,
  launchChromium,
  messageItem,
  messageLog,
  newPerson,
  screenshot,
  send,
  signIn,
  startColink,
} from "./harness.ts";

const LIVE = { timeout: 20_000 };

Deno.test({
  name:
    "the shell: keyboard, dialogs, channels, status, history paging, polling without the socket, dark and phone layouts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startColink();
    const browser = await launchChromium();
    try {
      const alice = await newPerson(browser, app.base);
      const { page } = alice;
      await signIn(page, app.base, "alice");
      const nav = page.getByRole("navigation", { name: "Conversations" });

      await t.step("interactive within a second of a reload", async () => {
        const started = performance.now();
        await page.reload();
        await composer(page).waitFor();
        await messageLog(page).locator("article.msg").first().waitFor();
        const ms = performance.now() - started;
        console.log(`reload to a usable channel: ${Math.round(ms)} ms`);
        assert.ok(ms < 3_000, `took ${Math.round(ms)} ms`);
      });

      await t.step("a dialog traps focus, Escape closes it and focus returns", async () => {
        const opener = nav.getByRole("button", { name: "Create channel" });
        await opener.click();
        const dlg = page.getByRole("dialog", { name: "Create a channel" });
        await dlg.waitFor();
        assert.equal(await dlg.getAttribute("aria-modal"), "true");
        for (let i = 0; i < 8; i++) await page.keyboard.press("Tab");
        assert.ok(
          await dlg.evaluate((d) => d.contains(document.activeElement)),
          "focus stays inside",
        );
        await page.keyboard.press("Shift+Tab");
        assert.ok(await dlg.evaluate((d) => d.contains(document.activeElement)));
        await page.keyboard.press("Escape");
        await dlg.waitFor({ state: "detached" });
        assert.ok(await opener.evaluate((b) => b === document.activeElement), "focus restored");
      });

      await t.step("create a private channel, add someone, see the member list", async () => {
        await nav.getByRole("button", { name: "Create channel" }).click();
        const dlg = page.getByRole("dialog", { name: "Create a channel" });
        await dlg.getByLabel("Name").fill("Secret Plans");
        await dlg.getByLabel("Description").fill("Where the surprise party is planned");
        await dlg.getByRole("checkbox").check();
        await screenshot(page, "dialog-create-channel");
        await dlg.getByRole("button", { name: "Create" }).click();
        await page.getByRole("textbox", { name: "Message #secret-plans" }).waitFor();
        await nav.getByRole("link", { name: /secret-plans.*\(private\)/ }).waitFor();
        await page.getByRole("button", { name: /^Members/ }).click();
        const panel = page.getByRole("complementary", { name: "Members" });
        await panel.getByRole("button", { name: "Add people" }).click();
        const add = page.getByRole("dialog", { name: "Add people to #secret-plans" });
        await add.getByRole("searchbox").fill("car");
        await add.getByRole("button", { name: /Carol Danvers/ }).click();
        await add.getByText(/Added: Carol Danvers/).waitFor();
        await screenshot(page, "dialog-add-members");
        await add.getByRole("button", { name: "Done" }).click();
        await panel.getByText("Carol Danvers").waitFor();
        await screenshot(page, "members");
        await page.keyboard.press("Escape");
        await panel.waitFor({ state: "detached" });
      });

      await t.step("Ctrl+K switches channels from the keyboard", async () => {
        await page.keyboard.press("Control+k");
        const dlg = page.getByRole("dialog", { name: "Jump to a conversation" });
        await page.keyboard.type("gen");
        await screenshot(page, "dialog-switcher");
        await page.keyboard.press("Enter");
        await dlg.waitFor({ state: "detached" });
        await page.getByRole("textbox", { name: "Message #general" }).waitFor();
      });

      await t.step("a status with emoji, text and expiry shows in the user menu", async () => {
        await page.getByRole("button", { name: /^Account/ }).click();
        await page.getByRole("menuitem", { name: "Set a status" }).click();
        const dlg = page.getByRole("dialog", { name: "Set a status" });
        await dlg.getByRole("button", { name: /In a meeting/ }).click();
        await dlg.getByLabel("Clear after").selectOption({ label: "1 hour" });
        await screenshot(page, "dialog-status");
        await assertNoInlineCode(page);
        await dlg.getByRole("button", { name: "Save" }).click();
        await dlg.waitFor({ state: "detached" });
        await page.getByRole("button", { name: /^Account/ }).getByText("📅 In a meeting").waitFor();
      });

      const api = await apiAs(app.base, "alice");
      const w =
        (await api<{ workspaces: { id: string; slug: string }[] }>("GET", "/api/v1/workspaces"))
          .workspaces.find((x) => x.slug === "colink")!;

      await t.step(
        "history pages in upward without moving what is on screen; jump to newest",
        async () => {
          const ch = await api<{ id: string }>("POST", `/api/v1/workspaces/${w.id}/channels`, {
            name: "history",
          });
          for (let i = 1; i <= 130; i++) {
            await api("POST", `/api/v1/channels/${ch.id}/messages`, {
              content: `line ${i} of history`,
            });
          }
          await page.goto(`${app.base}/w/colink/channel/${ch.id}`);
          const log = messageLog(page);
          await messageItem(page, "line 130 of history").waitFor();
          const oldest = async () => await log.locator("article.msg").first().textContent();
          const first = await oldest();
          assert.match(first ?? "", /line 81 of history/, "the newest page of 50");
          const anchor = messageItem(page, "line 81 of history");
          await log.evaluate((el) => (el.scrollTop = 0));
          await messageItem(page, "line 31 of history").waitFor();
          const y = (await anchor.boundingBox())!.y;
          assert.ok(y > 0, `the message that was at the top is still on screen (y=${y})`);
          await page.waitForTimeout(300);
          assert.ok(Math.abs((await anchor.boundingBox())!.y - y) < 2, "and it stays put");
          await log.evaluate((el) => (el.scrollTop = 0));
          await messageItem(page, "line 1 of history").waitFor();
          await log.getByText("This is the very beginning of #history.").waitFor();
          await page.getByRole("button", { name: /Jump to newest/ }).click();
          await page.waitForTimeout(100);
          assert.ok(await messageItem(page, "line 130 of history").isVisible());
        },
      );

      await t.step("browse public channels and join one", async () => {
        const mia = await newPerson(browser, app.base);
        await signIn(mia.page, app.base, "mia");
        await mia.page.getByRole("button", { name: "Browse channels" }).click();
        const dlg = mia.page.getByRole("dialog", { name: "Browse channels" });
        await dlg.getByRole("button", { name: "Join #history" }).waitFor();
        assert.equal(
          await dlg.getByText("secret-plans").count(),
          0,
          "private channels stay hidden",
        );
        await screenshot(mia.page, "dialog-browse");
        await dlg.getByRole("button", { name: "Join #history" }).click();
        await mia.page.getByRole("textbox", { name: "Message #history" }).waitFor();
        await messageItem(mia.page, "line 130 of history").waitFor();
        assertNoProblems("mia", mia.problems);
        await mia.context.close();
      });

      await t.step("unread and mention badges; read on view", async () => {
        const bobApi = await apiAs(app.base, "bob");
        await bobApi(
          "POST",
          `/api/v1/channels/${
            (await api<{ channels: { id: string; name: string }[] }>(
              "GET",
              `/api/v1/workspaces/${w.id}/channels`,
            )).channels.find((c) => c.name === "general")!.id
          }/messages`,
          { content: "hey @alice, look" },
        );
        const general = nav.getByRole("link", { name: /general/ });
        await general.getByLabel("1 mention").waitFor(LIVE);
        await screenshot(page, "badges");
        await general.click();
        await messageItem(page, "hey @alice, look").waitFor();
        await general.getByLabel("1 mention").waitFor({ state: "detached", timeout: 5_000 });
      });

      await t.step("dark mode follows the system", async () => {
        const dark = await newPerson(browser, app.base, { colorScheme: "dark" });
        await signIn(dark.page, app.base, "bob");
        const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, "rgb(23, 25, 30)");
        const m = messageItem(dark.page, "Hi all!");
        await m.getByRole("button", { name: /1 reply/ }).click();
        await dark.page.getByRole("complementary", { name: "Thread" }).locator("article.msg").nth(1)
          .waitFor();
        await screenshot(dark.page, "dark-mode");
        assertNoProblems("dark", dark.problems);
        await dark.context.close();
      });

      await t.step("usable at 360 px: the sidebar is a drawer, the composer fits", async () => {
        const phone = await newPerson(browser, app.base, { width: 360, height: 740 });
        await signIn(phone.page, app.base, "carol");
        const box = (await composer(phone.page).boundingBox())!;
        assert.ok(
          box.x >= 0 && box.x + box.width <= 360,
          `composer within the screen: ${JSON.stringify(box)}`,
        );
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(overflow <= 360, `no sideways scrolling (${overflow})`);
        await screenshot(phone.page, "phone-channel");
        await phone.page.getByRole("button", { name: "Show conversations" }).click();
        const drawer = phone.page.getByRole("navigation", { name: "Conversations" });
        await drawer.getByRole("link", { name: /secret-plans/ }).waitFor();
        await phone.page.waitForFunction(() => {
          const nav = document.querySelector("nav.sidebar")!.getBoundingClientRect();
          return nav.left === 0;
        });
        await screenshot(phone.page, "phone-sidebar");
        await assertNoInlineCode(phone.page);
        await drawer.getByRole("link", { name: /secret-plans/ }).click();
        await phone.page.getByRole("textbox", { name: "Message #secret-plans" }).waitFor();
        await send(phone.page, "From my phone");
        await messageItem(phone.page, "From my phone").waitFor();
        assertNoProblems("phone", phone.problems);
        await phone.context.close();
      });

      await t.step(
        "without a working socket: a Reconnecting… banner, and polling keeps people in sync",
        async () => {
          const offline = await newPerson(browser, app.base);
          await offline.context.routeWebSocket(
            /\/ws$/,
            (ws) => ws.close({ code: 1011, reason: "test" }),
          );
          await signIn(offline.page, app.base, "bob");
          await offline.page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor(LIVE);
          await send(page, "sent while bob has no socket");
          await messageItem(offline.page, "sent while bob has no socket").waitFor(LIVE);
          await send(offline.page, "and bob answers over REST");
          await messageItem(page, "and bob answers over REST").waitFor(LIVE);
          await screenshot(offline.page, "reconnecting");
          await offline.context.close();
        },
      );

      assertNoProblems("alice", alice.problems);
    } finally {
      await browser.close();
      await app.close();
    }
  },
});
