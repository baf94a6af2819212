import assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";
import {
  apiAs,
  assertNoInlineCode,
  assertNoProblems,
  composer,
  launchChromium,
  messageItem,
  newPerson,
  screenshot,
  send,
  signIn,
  startColink,
} from "./harness.ts";

const LIVE = { timeout: 20_000 };

const nav = (page: Page) => page.getByRole("navigation", { name: "Conversations" });
const adminLink = (page: Page) => nav(page).getByRole("link", { name: /^Admin/ });
const adminView = (page: Page) => page.getByRole("main", { name: "Admin" });
const toast = (page: Page, text: string | RegExp) =>
  page.locator(".toast").filter({ hasText: text });

async function openMenu(page: Page, item: Locator, entry: string): Promise<void> {
  await item.hover();
  await item.getByRole("button", { name: "More actions" }).click();
  await page.getByRole("menuitem", { name: entry }).click();
}

/** The page may not scroll sideways: nothing is wider than the window. */
async function assertNoSidewaysScroll(page: Page): Promise<void> {
  const [scroll, width] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    innerWidth,
  ]);
  assert.ok(scroll <= width, `page is ${scroll} px wide in a ${width} px window`);
}

Deno.test({
  name:
    "moderation in the browser: report, queue, resolve, mute (and the muted composer), thread lock, ban, audit log, roles",
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
      const bob = await newPerson(browser, app.base);
      const mia = await newPerson(browser, app.base);
      const tag = crypto.randomUUID().slice(0, 6);
      const spam = `Buy cheap watches at example.invalid ${tag}`;
      // Older entries, enough for a second page of the audit log (it shows 50 at a time).
      const asMia = await apiAs(app.base, "mia");
      for (let i = 0; i < 30; i++) {
        await asMia("PUT", `/api/v1/admin/threads/00000000-0000-4000-b000-000001000002/lock`);
        await asMia("DELETE", `/api/v1/admin/threads/00000000-0000-4000-b000-000001000002/lock`);
      }

      await step("a plain member sees no Admin entry; bob posts, alice reports it", async () => {
        await signIn(alice.page, app.base, "alice");
        await signIn(bob.page, app.base, "bob");
        assert.equal(await adminLink(alice.page).count(), 0, "no Admin entry for a member");
        await send(bob.page, spam);
        const item = messageItem(alice.page, spam);
        await item.waitFor(LIVE);
        await openMenu(alice.page, item, "Report message");
        const dlg = alice.page.getByRole("dialog", { name: "Report message" });
        assert.equal(
          await dlg.getByRole("button", { name: "Report" }).isDisabled(),
          true,
          "a reason is needed",
        );
        await dlg.getByRole("radio", { name: "Spam" }).check();
        await dlg.getByLabel(/^Details/).fill("Advertising in #general");
        await screenshot(alice.page, "admin-report-dialog");
        await dlg.getByRole("button", { name: "Report" }).click();
        await dlg.waitFor({ state: "detached" });
        await toast(alice.page, "the moderators will look at this message").waitFor();
        // Reporting again is no second report: the client says it is already in.
        await openMenu(alice.page, item, "Report message");
        await dlg.getByRole("radio", { name: "Spam" }).check();
        await dlg.getByRole("button", { name: "Report" }).click();
        await toast(alice.page, "You reported this message already").waitFor();
        // One's own message offers no report; a member never sees the lock.
        const own = messageItem(bob.page, spam);
        await own.hover();
        assert.equal(await own.getByRole("button", { name: "More actions" }).count(), 0);
        const root = messageItem(bob.page, "Hi all! Threads");
        await root.hover();
        await root.getByRole("button", { name: "More actions" }).click();
        await bob.page.getByRole("menuitem", { name: "Report message" }).waitFor();
        assert.equal(await bob.page.getByRole("menuitem", { name: "Lock thread" }).count(), 0);
        await bob.page.keyboard.press("Escape");
        await bob.page.getByRole("menu", { name: "More actions" }).waitFor({ state: "detached" });
      });

      await step("mia sees the report in the queue, in context, with who and why", async () => {
        await signIn(mia.page, app.base, "mia");
        const link = adminLink(mia.page);
        await link.getByLabel("1 open report").waitFor(LIVE);
        await link.click();
        await mia.page.waitForURL(/\/w\/colink\/admin\/reports$/);
        const view = adminView(mia.page);
        // The view is its own chunk: it may still be on its way.
        await view.getByRole("tab", { name: "Reports" }).waitFor();
        const tabs = await view.getByRole("tab").allTextContents();
        assert.deepEqual(tabs, ["Reports", "Moderation actions"], "no audit log for a moderator");
        const card = view.locator("li.report").filter({ hasText: spam });
        await card.waitFor();
        assert.match(await card.innerText(), /Alice Liddell reported a message by Bob Builder/);
        assert.match(await card.innerText(), /Reason: Spam: Advertising in #general/);
        await card.getByRole("button", { name: "Show context" }).click();
        await card.locator(".quoted-msg.context").first().waitFor();
        await screenshot(mia.page, "admin-reports");
      });

      await step("mia mutes the author for an hour from the report, then resolves it", async () => {
        const view = adminView(mia.page);
        const card = view.locator("li.report").filter({ hasText: spam });
        await card.getByRole("button", { name: "Mute author" }).click();
        const dlg = mia.page.getByRole("dialog", { name: "Mute Bob Builder" });
        assert.ok(await dlg.getByRole("radio", { name: "A channel" }).isChecked());
        await dlg.getByRole("radio", { name: "1 hour" }).check();
        await dlg.getByLabel("Reason").fill("Advertising: take an hour off");
        await dlg.getByRole("button", { name: "Mute Bob Builder" }).click();
        await dlg.waitFor({ state: "detached" });
        await toast(mia.page, /Bob Builder is muted until/).waitFor();
        await card.getByPlaceholder(/Note for the record/).fill("Muted for an hour");
        await card.getByRole("button", { name: "Resolve" }).click();
        await card.waitFor({ state: "detached" });
        await view.getByText("Nothing to review: the queue is empty.").waitFor();
        assert.equal(await adminLink(mia.page).getByLabel(/open report/).count(), 0);
        await view.getByRole("radio", { name: "Resolved" }).check();
        const closed = view.locator("li.report").filter({ hasText: spam });
        await closed.getByText(/Resolved by Mia Moderator .*Muted for an hour/).waitFor();
      });

      await step("bob is told, and his composer says until when when he sends", async () => {
        await bob.page.locator(".mod-banner").filter({
          hasText: /Mia Moderator muted you in #general until/,
        })
          .waitFor(LIVE);
        assert.match(
          await bob.page.locator(".mod-banner").innerText(),
          /Reason: Advertising: take an hour off/,
        );
        // Dismissed, the banner stays away; the composer still knows.
        await bob.page.locator(".mod-banner").getByRole("button", { name: "Dismiss" }).click();
        await send(bob.page, `Can I still talk? ${tag}`);
        const notice = bob.page.locator(".composer-notice");
        await notice.filter({ hasText: /You are muted here until/ }).waitFor(LIVE);
        assert.doesNotMatch(await notice.innerText(), /\d{4}-\d{2}-\d{2}T/, "a time people read");
        await messageItem(bob.page, `Can I still talk? ${tag}`).getByText(/Not sent/).waitFor();
        await screenshot(bob.page, "admin-muted-composer");
        bob.problems.errors = bob.problems.errors.filter((e) =>
          !/status of 403 .*\/api\/v1\/channels\/[0-9a-f-]+\/messages\)$/.test(e)
        );
      });

      await step(
        "the actions tab lists the mute in force; a warning from its form reaches bob",
        async () => {
          const view = adminView(mia.page);
          await view.getByRole("tab", { name: "Moderation actions" }).click();
          await mia.page.waitForURL(/\/admin\/actions$/);
          const row = view.locator("tbody tr").filter({ hasText: "Bob Builder" }).filter({
            hasText: "mute",
          });
          await row.getByText("In force").waitFor();
          assert.match(await row.innerText(), /#general/);
          await view.getByRole("button", { name: "Take an action" }).click();
          const form = mia.page.getByRole("dialog", { name: "Take an action" });
          await form.getByRole("combobox", { name: "Person" }).fill("bob");
          await form.getByRole("option", { name: /Bob Builder/ }).click();
          await form.getByLabel("Reason").fill("Last friendly reminder: no ads");
          await form.getByRole("button", { name: "Warn Bob Builder" }).click();
          await toast(mia.page, "Bob Builder was warned.").waitFor();
          await form.waitFor({ state: "detached" });
          await bob.page.locator(".mod-banner").filter({
            hasText: "Mia Moderator sent you a warning",
          })
            .waitFor(LIVE);
          assert.match(await bob.page.locator(".mod-banner").innerText(), /no ads/);
          await screenshot(bob.page, "admin-warned");
          await view.getByRole("radio", { name: "All" }).check();
          await view.locator("tbody tr").filter({ hasText: "warn" }).first().waitFor();
          await screenshot(mia.page, "admin-actions");
          await view.getByRole("radio", { name: "In force" }).check();
          await row.waitFor();
        },
      );

      await step("mia locks a thread: the thread says so and takes no replies", async () => {
        await adminView(mia.page).getByRole("button", { name: "Close admin" }).click();
        await composer(mia.page).waitFor();
        await openMenu(mia.page, messageItem(mia.page, "Hi all! Threads"), "Lock thread");
        await toast(mia.page, "Thread locked.").waitFor();
        const root = messageItem(alice.page, "Hi all! Threads");
        await root.getByText("🔒 Locked").waitFor(LIVE);
        await root.getByRole("button", { name: /1 reply/ }).click();
        const thread = alice.page.getByRole("complementary", { name: "Thread" });
        await thread.getByText(/Thread locked: a moderator closed it to new replies/).waitFor();
        assert.equal(await thread.getByRole("textbox", { name: "Reply in thread" }).count(), 0);
        assert.equal(await thread.getByRole("button", { name: "Unlock" }).count(), 0);
        // A toast from before would cover the composer (it may go by itself meanwhile).
        for (const b of await alice.page.locator(".toast button").all()) {
          await b.click({ timeout: 1_000 }).catch(() => {});
        }
        await screenshot(alice.page, "admin-thread-locked");
        await openMenu(mia.page, messageItem(mia.page, "Hi all! Threads"), "Unlock thread");
        await thread.getByRole("textbox", { name: "Reply in thread" }).waitFor(LIVE);
      });

      await step("mia undoes the mute: bob is told and can send again", async () => {
        await adminLink(mia.page).click();
        const view = adminView(mia.page);
        await view.getByRole("tab", { name: "Moderation actions" }).click();
        await view.getByRole("button", { name: "Undo mute of Bob Builder" }).click();
        await toast(mia.page, "Bob Builder is no longer muted.").waitFor();
        await bob.page.locator(".mod-banner").filter({ hasText: "Mia Moderator lifted your mute" })
          .waitFor(LIVE);
        assert.equal(await bob.page.locator(".composer-notice").count(), 0);
        await send(bob.page, `Back, and sorry ${tag}`);
        await messageItem(alice.page, `Back, and sorry ${tag}`).waitFor(LIVE);
      });

      await step(
        "a kick from #general: bob is told and sees the channel from outside",
        async () => {
          await asMia("POST", "/api/v1/admin/moderation-actions", {
            action_type: "kick",
            target_user_id: "00000000-0000-4000-8000-000000000002",
            channel_id: "00000000-0000-4000-b000-000000000001",
            reason: "Take a break from #general",
          });
          await bob.page.locator(".mod-banner").filter({
            hasText: "Mia Moderator removed you in #general.",
          }).waitFor(LIVE);
          const join = bob.page.getByRole("button", { name: "Join channel" });
          await join.waitFor(LIVE);
          await join.click();
          await composer(bob.page).waitFor();
        },
      );

      await step("a ban signs carol out at once, and the sign-in screen says why", async () => {
        const carol = await newPerson(browser, app.base);
        await signIn(carol.page, app.base, "carol");
        await adminView(mia.page).getByRole("button", { name: "Take an action" }).click();
        const form = mia.page.getByRole("dialog", { name: "Take an action" });
        await form.getByRole("radio", { name: "Ban" }).check();
        await form.getByRole("combobox", { name: "Person" }).fill("carol");
        await form.getByRole("option", { name: /Carol Danvers/ }).click();
        await form.getByRole("radio", { name: "1 day" }).check();
        await form.getByLabel("Reason").fill("Spam bot behaviour");
        await screenshot(mia.page, "admin-action-form");
        await form.getByRole("button", { name: "Ban Carol Danvers" }).click();
        await toast(mia.page, /Carol Danvers is banned until/).waitFor();
        const card = carol.page.locator(".ban-notice");
        await card.waitFor(LIVE);
        assert.match(await card.innerText(), /Your account has been banned until .*Spam bot/s);
        await carol.page.getByRole("link", { name: "Sign in" }).waitFor();
        await screenshot(carol.page, "admin-banned");
        await adminView(mia.page).getByRole("button", { name: "Undo ban of Carol Danvers" })
          .click();
        await toast(mia.page, "Carol Danvers is no longer banned.").waitFor();
        // Unbanned, she signs in again (the identity provider still knows her: no form).
        await carol.page.getByRole("link", { name: "Sign in" }).click();
        await composer(carol.page).waitFor(LIVE);
        // The session ended with the ban: Chrome logs the refusals on the way out.
        carol.problems.errors = carol.problems.errors.filter((e) => !/status of 40[13]/.test(e));
        assertNoProblems("carol", carol.problems);
        await carol.context.close();
      });

      await step("on a phone the admin view fits", async () => {
        await mia.page.setViewportSize({ width: 360, height: 740 });
        await adminView(mia.page).getByRole("tab", { name: "Moderation actions" }).click();
        await adminView(mia.page).getByRole("radio", { name: "All" }).check();
        await adminView(mia.page).locator("tbody tr").first().waitFor();
        await assertNoSidewaysScroll(mia.page);
        await adminView(mia.page).getByRole("tab", { name: "Reports" }).click();
        // The queue remembers the filter: the resolved report.
        await adminView(mia.page).locator("li.report").filter({ hasText: spam }).waitFor();
        await assertNoSidewaysScroll(mia.page);
        await screenshot(mia.page, "admin-phone");
        await mia.page.setViewportSize({ width: 1280, height: 800 });
      });

      const admin = await newPerson(browser, app.base, { colorScheme: "dark" });
      await step("the admin reads the audit log: entries, filters, more pages, CSV", async () => {
        await signIn(admin.page, app.base, "admin");
        await adminLink(admin.page).click();
        const view = adminView(admin.page);
        await view.getByRole("tab", { name: "Audit log" }).click();
        await admin.page.waitForURL(/\/admin\/audit$/);
        const rows = view.locator("tbody tr");
        await rows.first().waitFor();
        assert.equal(await rows.count(), 50);
        await screenshot(admin.page, "admin-audit");
        await view.getByRole("button", { name: "Load more" }).click();
        await admin.page.waitForFunction(
          () => document.querySelectorAll(".audit-table tbody tr").length > 50,
        );
        const all = await view.locator("tbody").innerText();
        for (const a of ["moderation.ban", "moderation.unban", "thread.lock"]) {
          assert.ok(all.includes(a), `${a} is in the log`);
        }
        await view.getByLabel("Action").fill("moderation.mute");
        await view.getByRole("button", { name: "Apply" }).click();
        await admin.page.waitForFunction(() =>
          [...document.querySelectorAll(".audit-table tbody tr")].length === 1
        );
        const mute = rows.first();
        assert.match(await mute.innerText(), /Mia Moderator\s+moderation\.mute\s+user Bob Builder/);
        assert.match(await mute.innerText(), /Advertising: take an hour off/);
        await view.getByLabel("Action").fill("");
        await view.getByLabel("Resource type").selectOption("report");
        await view.getByRole("button", { name: "Apply" }).click();
        await rows.filter({ hasText: "report.resolve" }).waitFor();
        assert.equal(await rows.count(), 1);
        await rows.first().getByText(/note: “Muted for an hour”/).click();
        await rows.first().locator("pre").waitFor();
        await screenshot(admin.page, "admin-audit-filtered");
        const [download] = await Promise.all([
          admin.page.waitForEvent("download"),
          view.getByRole("button", { name: "Export CSV" }).click(),
        ]);
        assert.match(download.suggestedFilename(), /^colink-audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = await Deno.readTextFile((await download.path())!);
        const lines = csv.trim().split(/\r?\n/);
        assert.equal(lines[0], "id,created_at,actor_id,action,resource_type,resource_id,metadata");
        assert.equal(lines.length, 2, "the export has the filter's one entry");
        assert.match(lines[1]!, /report\.resolve/);
      });

      await step(
        "roles: the admin makes frank a workspace admin; the last owner stays",
        async () => {
          const view = adminView(admin.page);
          await view.getByRole("tab", { name: "Members & roles" }).click();
          const frank = view.getByRole("combobox", { name: "Role of Frank Channeladmin" });
          await frank.selectOption("admin");
          await toast(admin.page, "Frank Channeladmin is now admin of CoLink.").waitFor();
          const ada = view.getByRole("combobox", { name: "Role of Ada Admin" });
          await ada.selectOption("member");
          const err = view.getByRole("alert").filter({ hasText: "last owner" });
          await err.waitFor();
          assert.match(
            await err.innerText(),
            /Ada Admin is the workspace's last owner\. Make someone else owner first/,
          );
          assert.equal(await ada.inputValue(), "owner", "the select shows the role kept");
          await screenshot(admin.page, "admin-roles");
          // The URL names the view and its tab: a reload comes back to it, Back leaves it.
          await admin.page.reload();
          await adminView(admin.page).getByRole("tab", { name: "Members & roles", selected: true })
            .waitFor();
          await admin.page.goBack();
          await composer(admin.page).waitFor();
          assert.equal(await adminView(admin.page).count(), 0);
          admin.problems.errors = admin.problems.errors.filter((e) =>
            !/status of 409 .*\/api\/v1\/workspaces\/[0-9a-f-]+\/members\/[0-9a-f-]+\)$/.test(e)
          );
        },
      );

      await step("no inline code, nothing went wrong in any page", async () => {
        for (const p of [alice, bob, mia, admin]) await assertNoInlineCode(p.page);
        assertNoProblems("alice", alice.problems);
        assertNoProblems("bob", bob.problems);
        assertNoProblems("mia", mia.problems);
        assertNoProblems("admin", admin.problems);
      });
    } finally {
      await browser.close();
      await app.close();
    }
  },
});
