import assert from "node:assert/strict";
import {
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

Deno.test({
  name:
    "two people chat in their browsers: sign-in, messages, a thread, reactions, edit, delete, DMs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startColink();
    const browser = await launchChromium();
    try {
      const alice = await newPerson(browser, app.base);
      const bob = await newPerson(browser, app.base);
      const tag = crypto.randomUUID().slice(0, 6);

      await t.step(
        "sign in through the identity provider's login page; no token in the page",
        async () => {
          await signIn(alice.page, app.base, "alice");
          await signIn(bob.page, app.base, "bob");
          assert.match(
            await composer(alice.page).getAttribute("aria-label") ?? "",
            /^Message #general$/,
          );
          const stored = await alice.page.evaluate(() =>
            JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) +
            document.cookie
          );
          assert.doesNotMatch(
            stored,
            /eyJ[\w-]+\.[\w-]+\./,
            "no JWT in storage or readable cookies",
          );
          const cookies = await alice.context.cookies();
          assert.ok(
            cookies.length > 0 && cookies.every((c) => c.httpOnly),
            "session cookie is HttpOnly",
          );
        },
      );

      await t.step("a message from alice reaches bob, and bob's answer reaches alice", async () => {
        await send(alice.page, `Hello @bob, **lunch** at noon? ${tag}`);
        await messageItem(bob.page, `at noon? ${tag}`).waitFor(LIVE);
        assert.equal(
          await messageItem(bob.page, `at noon? ${tag}`).locator(".md strong").textContent(),
          "lunch",
        );
        await send(bob.page, `Sure, see you there ${tag}`);
        await messageItem(alice.page, `see you there ${tag}`).waitFor(LIVE);
        await screenshot(alice.page, "channel");
      });

      await t.step(
        "a thread reply shows in the thread and as a reply count on its parent",
        async () => {
          const parent = messageItem(alice.page, `at noon? ${tag}`);
          await parent.hover();
          await parent.getByRole("button", { name: "Reply in thread" }).click();
          const thread = alice.page.getByRole("complementary", { name: "Thread" });
          await thread.getByRole("textbox", { name: "Reply in thread" }).fill(`Pizza place ${tag}`);
          await thread.getByRole("textbox", { name: "Reply in thread" }).press("Enter");
          await thread.locator("article.msg").filter({ hasText: `Pizza place ${tag}` }).waitFor();
          const bobParent = messageItem(bob.page, `at noon? ${tag}`);
          await bobParent.getByRole("button", { name: /1 reply/ }).click(LIVE);
          await bob.page.getByRole("complementary", { name: "Thread" }).locator("article.msg")
            .filter({ hasText: `Pizza place ${tag}` }).waitFor(LIVE);
          await screenshot(bob.page, "thread");
          await assertNoInlineCode(bob.page);
          await bob.page.keyboard.press("Escape");
          await bob.page.getByRole("complementary", { name: "Thread" }).waitFor({
            state: "detached",
          });
        },
      );

      await t.step("a reaction from the picker is counted for both", async () => {
        const m = messageItem(bob.page, `at noon? ${tag}`);
        await m.hover();
        await m.getByRole("button", { name: "Add reaction" }).click();
        await m.getByRole("button", { name: "React with 🎉" }).click();
        const chip = messageItem(alice.page, `at noon? ${tag}`).locator("button.reaction");
        await chip.filter({ hasText: "1" }).waitFor(LIVE);
        await chip.click();
        await chip.filter({ hasText: "2" }).waitFor();
        assert.equal(await chip.getAttribute("aria-pressed"), "true");
        await messageItem(bob.page, `at noon? ${tag}`).locator("button.reaction", { hasText: "2" })
          .waitFor(LIVE);
      });

      await t.step("an edit (Up arrow) and a deletion are seen by the other person", async () => {
        await send(alice.page, `Typo hree ${tag}`);
        await messageItem(alice.page, `Typo hree ${tag}`).locator(".sending").waitFor({
          state: "detached",
        });
        await composer(alice.page).press("ArrowUp");
        const edit = alice.page.getByRole("textbox", { name: "Edit message" });
        await edit.fill(`Typo fixed here ${tag}`);
        await edit.press("Enter");
        const seen = messageItem(bob.page, `Typo fixed here ${tag}`);
        await seen.waitFor(LIVE);
        assert.equal(await seen.locator(".edited").textContent(), "(edited)");

        const doomed = messageItem(alice.page, `see you there ${tag}`);
        await send(alice.page, `To be deleted ${tag}`);
        const mine = messageItem(alice.page, `To be deleted ${tag}`);
        await mine.locator(".sending").waitFor({ state: "detached" });
        await messageItem(bob.page, `To be deleted ${tag}`).waitFor(LIVE);
        await mine.hover();
        await mine.getByRole("button", { name: "Delete message" }).click();
        const confirm = alice.page.getByRole("dialog", { name: "Delete message" });
        await screenshot(alice.page, "dialog-delete");
        await assertNoInlineCode(alice.page);
        await confirm.getByRole("button", { name: "Delete" }).click();
        await confirm.waitFor({ state: "detached" });
        await bob.page.locator("article.msg .tombstone").first().waitFor(LIVE);
        assert.equal(await messageItem(bob.page, `To be deleted ${tag}`).count(), 0);
        assert.equal(await doomed.count(), 1, "other messages stay");
      });

      await t.step("@ offers the channel's people; Enter picks one", async () => {
        const box = composer(alice.page);
        await box.fill("");
        await box.pressSequentially("Ping @bo");
        const option = alice.page.getByRole("option", { name: /Bob Builder/ });
        await option.waitFor();
        await screenshot(alice.page, "mention-autocomplete");
        await box.press("Enter");
        assert.equal(await box.inputValue(), "Ping @bob ");
        await box.pressSequentially(`now ${tag}`);
        await box.press("Enter");
        await messageItem(bob.page, `Ping @bob now ${tag}`).locator(".mention").waitFor(LIVE);
      });

      await t.step(
        "sends: retried with the same client_msg_id, or failed with Retry and Discard",
        async () => {
          const bodies: { client_msg_id: string; content: string }[] = [];
          let failures = 1;
          await alice.page.route("**/api/v1/channels/*/messages", async (route) => {
            if (route.request().method() !== "POST") return await route.continue();
            bodies.push(route.request().postDataJSON());
            if (failures-- > 0) {
              return await route.fulfill({
                status: 503,
                contentType: "application/json",
                body: JSON.stringify({
                  error: { code: "dependency_unavailable", message: "Try again", request_id: "t" },
                }),
              });
            }
            await route.continue();
          });
          await send(alice.page, `Retried automatically ${tag}`);
          const retried = messageItem(alice.page, `Retried automatically ${tag}`);
          await retried.locator(".sending").waitFor({ state: "detached", timeout: 10_000 });
          assert.equal(bodies.length, 2);
          assert.equal(
            bodies[0]!.client_msg_id,
            bodies[1]!.client_msg_id,
            "the same client_msg_id",
          );
          await messageItem(bob.page, `Retried automatically ${tag}`).waitFor(LIVE);
          assert.equal(await messageItem(bob.page, `Retried automatically ${tag}`).count(), 1);

          // A refusal is not retried by itself: the message waits for the person to decide.
          await alice.page.unroute("**/api/v1/channels/*/messages");
          bodies.length = 0;
          let refuse = true;
          await alice.page.route("**/api/v1/channels/*/messages", async (route) => {
            if (route.request().method() !== "POST") return await route.continue();
            bodies.push(route.request().postDataJSON());
            if (refuse) {
              return await route.fulfill({
                status: 403,
                contentType: "application/json",
                body: JSON.stringify({
                  error: { code: "muted", message: "You are muted", request_id: "t" },
                }),
              });
            }
            await route.continue();
          });
          await send(alice.page, `Refused once ${tag}`);
          const failed = messageItem(alice.page, `Refused once ${tag}`);
          await failed.getByRole("alert").filter({ hasText: "You are muted" }).waitFor();
          await screenshot(alice.page, "send-failed");
          refuse = false;
          await failed.getByRole("button", { name: "Retry" }).click();
          await failed.getByRole("alert").waitFor({ state: "detached" });
          assert.equal(bodies[0]!.client_msg_id, bodies[1]!.client_msg_id);
          await messageItem(bob.page, `Refused once ${tag}`).waitFor(LIVE);

          refuse = true;
          await send(alice.page, `Thrown away ${tag}`);
          const discarded = messageItem(alice.page, `Thrown away ${tag}`);
          await discarded.getByRole("button", { name: "Discard" }).click();
          await discarded.waitFor({ state: "detached" });
          await alice.page.unroute("**/api/v1/channels/*/messages");
          // Chrome logs the failures this step made up; nothing else may be there.
          alice.problems.errors = alice.problems.errors.filter((e) =>
            !/status of (503|403) .*\/api\/v1\/channels\/[0-9a-f-]+\/messages\)$/.test(e)
          );
        },
      );

      await t.step("a DM started from the dialog arrives with an unread badge", async () => {
        await alice.page.getByRole("button", { name: "New direct message" }).click();
        const dlg = alice.page.getByRole("dialog", { name: "New direct message" });
        await dlg.getByRole("searchbox").fill("bob");
        await dlg.getByRole("button", { name: /Bob/ }).first().click();
        await screenshot(alice.page, "dialog-new-dm");
        await dlg.getByRole("button", { name: "Start conversation" }).click();
        await alice.page.getByRole("textbox", { name: /^Message Bob Builder$/ }).waitFor();
        await send(alice.page, `Psst, a secret ${tag}`);
        const dmLink = bob.page.getByRole("navigation", { name: "Conversations" })
          .getByRole("link", { name: /Alice/ });
        await dmLink.getByText("1").waitFor(LIVE);
        await dmLink.click();
        await messageItem(bob.page, `a secret ${tag}`).waitFor(LIVE);
        await screenshot(bob.page, "dm");
      });

      await t.step("nothing went wrong in either page", () => {
        assertNoProblems("alice", alice.problems);
        assertNoProblems("bob", bob.problems);
      });
    } finally {
      await browser.close();
      await app.close();
    }
  },
});
