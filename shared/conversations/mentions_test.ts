import assert from "node:assert/strict";
import { parseMentions } from "./mentions.ts";

const none = { usernames: [], everyone: false, here: false };

Deno.test("parseMentions() finds @usernames, lowercased and once each", () => {
  assert.deepEqual(parseMentions("hi @Bob and @carol, also @BOB"), {
    ...none,
    usernames: ["bob", "carol"],
  });
  assert.deepEqual(parseMentions("(@dave) @e.f-g_h"), { ...none, usernames: ["dave", "e.f-g_h"] });
  assert.deepEqual(parseMentions("no mentions here"), none);
});

Deno.test("parseMentions() ignores code spans and fenced code blocks", () => {
  assert.deepEqual(parseMentions("see `@bob` and @carol"), { ...none, usernames: ["carol"] });
  assert.deepEqual(
    parseMentions("before\n```\nping @bob\n@channel\n```\nafter @dave"),
    { ...none, usernames: ["dave"] },
  );
  assert.deepEqual(parseMentions("@erin\n```\n@bob never closed"), {
    ...none,
    usernames: ["erin"],
  });
});

Deno.test("parseMentions() reads @channel, @all and @everyone as everyone", () => {
  for (const word of ["@channel", "@all", "@everyone", "@Channel"]) {
    assert.deepEqual(parseMentions(`hey ${word}!`), { ...none, everyone: true }, word);
  }
  assert.deepEqual(parseMentions("@channel and @bob"), {
    usernames: ["bob"],
    everyone: true,
    here: false,
  });
});

Deno.test("parseMentions() reads @here as the members online now", () => {
  assert.deepEqual(parseMentions("@here: standup"), { ...none, here: true });
  assert.deepEqual(parseMentions("@HERE"), { ...none, here: true });
});

Deno.test("parseMentions() drops trailing punctuation from a username", () => {
  assert.deepEqual(parseMentions("thanks @bob."), { ...none, usernames: ["bob"] });
  assert.deepEqual(parseMentions("@bob, @carol! @dave? @erin... @frank-"), {
    ...none,
    usernames: ["bob", "carol", "dave", "erin", "frank"],
  });
  assert.deepEqual(parseMentions("ask @all."), { ...none, everyone: true });
});

Deno.test("parseMentions() does not read e-mail addresses or URLs as mentions", () => {
  assert.deepEqual(parseMentions("write to a@b.com"), none);
  assert.deepEqual(parseMentions("bob@example.com and carol_x@here.org"), none);
  assert.deepEqual(parseMentions("https://social.example/@bob"), none);
  assert.deepEqual(parseMentions("@@bob"), none);
});
