import assert from "node:assert/strict";
import {
  describeModeration,
  findMute,
  firstTime,
  isModerationEvent,
  localizeTimes,
  type ModerationEvent,
  type Mute,
} from "./moderation.ts";

const fmt = (iso: string) => `<${iso.slice(11, 16)}>`;
const names = { moderator: "Mia", channel: "#general", workspace: "CoLink" };
const event = (over: Partial<ModerationEvent>): ModerationEvent => ({
  action_id: "a1",
  moderator_id: "m1",
  action_type: "warn",
  target_user_id: "u1",
  reason: "Be kind",
  timestamp: "2026-12-02T12:00:00.000Z",
  ...over,
});

Deno.test("describeModeration(): warned with the reason, muted until when, kicked, banned", () => {
  assert.deepEqual(describeModeration(event({}), names, fmt), {
    tone: "warn",
    title: "Mia sent you a warning.",
    detail: "Reason: Be kind",
  });
  assert.equal(
    describeModeration(
      event({ action_type: "mute", workspace_id: "w", expires_at: "2026-12-02T13:00:00Z" }),
      names,
      fmt,
    ).title,
    "Mia muted you in CoLink until <13:00>.",
  );
  assert.equal(
    describeModeration(event({ action_type: "mute" }), names, fmt).title,
    "Mia muted you everywhere until a moderator lifts it.",
  );
  const kick = describeModeration(event({ action_type: "kick", channel_id: "c" }), names, fmt);
  assert.deepEqual([kick.tone, kick.title], ["danger", "Mia removed you in #general."]);
  assert.equal(
    describeModeration(event({ action_type: "ban" }), names, fmt).title,
    "Your account was banned.",
  );
  const lifted = describeModeration(event({ action_type: "mute", lifted: "revoked" }), names, fmt);
  assert.deepEqual([lifted.tone, lifted.title], ["info", "Mia lifted your mute."]);
  assert.equal(
    describeModeration(event({ action_type: "mute", lifted: "expired", channel_id: "c" }), names)
      .title,
    "Your mute in #general has ended.",
  );
  // A place we do not know (yet) still reads as a sentence.
  assert.equal(
    describeModeration(event({ action_type: "kick", channel_id: "c" }), { moderator: "Mia" }).title,
    "Mia removed you in a channel.",
  );
});

Deno.test("isModerationEvent() accepts the event's data and nothing else", () => {
  assert.ok(isModerationEvent(event({ action_type: "ban" })));
  assert.ok(!isModerationEvent(null));
  assert.ok(!isModerationEvent({ ...event({}), action_type: "smite" }));
  assert.ok(!isModerationEvent({ action_id: "a" }));
});

Deno.test("findMute(): by channel, by workspace, everywhere, from a refused send; never once run out", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  const later = "2026-12-02T13:00:00Z", earlier = "2026-12-02T11:00:00Z";
  const general = { conv: { kind: "channel" as const, id: "c1" }, workspaceId: "w1" };
  const random = { conv: { kind: "channel" as const, id: "c2" }, workspaceId: "w1" };
  const dm = { conv: { kind: "dm" as const, id: "d1" }, workspaceId: "w1" };
  const elsewhere = { conv: { kind: "channel" as const, id: "c9" }, workspaceId: "w2" };
  const inChannel: Mute = { id: "1", channelId: "c1", workspaceId: null, expiresAt: later };
  assert.equal(findMute([inChannel], general, now), inChannel);
  assert.equal(findMute([inChannel], random, now), undefined);
  assert.equal(findMute([inChannel], dm, now), undefined);
  const inWorkspace: Mute = { id: "2", channelId: null, workspaceId: "w1", expiresAt: null };
  assert.equal(findMute([inWorkspace], dm, now), inWorkspace);
  assert.equal(findMute([inWorkspace], elsewhere, now), undefined);
  const everywhere: Mute = { id: "3", channelId: null, workspaceId: null, expiresAt: null };
  assert.equal(findMute([everywhere], elsewhere, now), everywhere);
  const refused: Mute = {
    id: "send:d1",
    channelId: null,
    workspaceId: null,
    convId: "d1",
    expiresAt: null,
  };
  assert.equal(findMute([refused], dm, now), refused);
  assert.equal(findMute([refused], general, now), undefined);
  assert.equal(findMute([{ ...everywhere, expiresAt: earlier }], general, now), undefined);
  // The server's words from a refused send win over what an event told us.
  assert.equal(findMute([inWorkspace, refused], dm, now), refused);
});

Deno.test("localizeTimes() and firstTime(): the server's ISO times as people read them", () => {
  const msg = "You are muted here until 2026-12-02T13:59:37.118Z";
  assert.equal(localizeTimes(msg, fmt), "You are muted here until <13:59>");
  assert.equal(firstTime(msg), "2026-12-02T13:59:37.118Z");
  assert.equal(localizeTimes("from 2026-01-01T08:00:00+02:00 on", fmt), "from <08:00> on");
  assert.equal(
    localizeTimes("You are muted here until a moderator lifts it", fmt),
    "You are muted here until a moderator lifts it",
  );
  assert.equal(firstTime("no time here"), null);
});
