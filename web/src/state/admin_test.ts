import assert from "node:assert/strict";
import type { ModerationActionRecord } from "../api/endpoints.ts";
import {
  actionBody,
  type ActionForm,
  actionStatus,
  appendPage,
  assignableRoles,
  auditSummary,
  csvFilename,
  roleError,
  scopesFor,
  sinceIso,
} from "./admin.ts";

const form = (over: Partial<ActionForm>): ActionForm => ({
  type: "warn",
  targetId: "u1",
  reason: " Spam ",
  scope: "workspace",
  channelId: "c1",
  workspaceId: "w1",
  seconds: 3600,
  ...over,
});

Deno.test("actionBody(): the schema's rules for scope and duration, before the server says so", () => {
  assert.deepEqual(actionBody(form({})).body, {
    action_type: "warn",
    target_user_id: "u1",
    reason: "Spam",
  });
  assert.deepEqual(actionBody(form({ type: "mute", scope: "channel" })).body, {
    action_type: "mute",
    target_user_id: "u1",
    reason: "Spam",
    channel_id: "c1",
    duration_seconds: 3600,
  });
  assert.deepEqual(actionBody(form({ type: "mute", scope: "everywhere", seconds: null })).body, {
    action_type: "mute",
    target_user_id: "u1",
    reason: "Spam",
  });
  assert.deepEqual(actionBody(form({ type: "kick" })).body, {
    action_type: "kick",
    target_user_id: "u1",
    reason: "Spam",
    workspace_id: "w1",
  });
  assert.match(actionBody(form({ type: "kick", scope: "everywhere" })).error!, /channel or/);
  // A ban is account-wide and may last; a warning never carries a duration.
  assert.deepEqual(actionBody(form({ type: "ban", scope: "channel", seconds: 604800 })).body, {
    action_type: "ban",
    target_user_id: "u1",
    reason: "Spam",
    duration_seconds: 604800,
  });
  assert.match(actionBody(form({ targetId: "" })).error!, /person/);
  assert.match(actionBody(form({ reason: "   " })).error!, /reason/);
  assert.match(actionBody(form({ reason: "x".repeat(1001) })).error!, /1000/);
  assert.match(
    actionBody(form({ type: "mute", scope: "channel", channelId: "" })).error!,
    /channel/,
  );
  assert.deepEqual(scopesFor("ban"), []);
  assert.deepEqual(scopesFor("kick"), ["channel", "workspace"]);
});

Deno.test("actionStatus(): in force, undone, run out; warnings and kicks are done", () => {
  const base: ModerationActionRecord = {
    id: "a",
    action_type: "mute",
    target_user_id: "u",
    channel_id: null,
    workspace_id: null,
    reason: "r",
    expires_at: null,
    created_at: "2026-12-02T10:00:00Z",
    actor_id: "m",
    revoked_at: null,
    revoked_by: null,
    active: true,
  };
  const now = Date.parse("2026-12-02T12:00:00Z");
  assert.equal(actionStatus(base, now), "active");
  assert.equal(
    actionStatus({ ...base, active: false, revoked_at: "2026-12-02T11:00:00Z" }, now),
    "revoked",
  );
  assert.equal(
    actionStatus({ ...base, active: false, expires_at: "2026-12-02T11:00:00Z" }, now),
    "expired",
  );
  assert.equal(actionStatus({ ...base, action_type: "warn", active: false }, now), "done");
  assert.equal(actionStatus({ ...base, action_type: "kick", active: false }, now), "done");
});

Deno.test("appendPage() keeps each row once, in order", () => {
  const a = [{ id: "1" }, { id: "2" }];
  assert.deepEqual(appendPage(a, [{ id: "2" }, { id: "3" }]), [{ id: "1" }, { id: "2" }, {
    id: "3",
  }]);
});

Deno.test("assignableRoles(): only owners make or unmake owners; members change nothing", () => {
  const all = ["owner", "admin", "member", "guest"];
  assert.deepEqual(
    assignableRoles({ myRole: "owner", realmAdmin: false, targetRole: "member" }),
    all,
  );
  assert.deepEqual(assignableRoles({ myRole: null, realmAdmin: true, targetRole: "owner" }), all);
  assert.deepEqual(
    assignableRoles({ myRole: "admin", realmAdmin: false, targetRole: "member" }),
    ["admin", "member", "guest"],
  );
  assert.deepEqual(
    assignableRoles({ myRole: "admin", realmAdmin: false, targetRole: "owner" }),
    [],
  );
  assert.deepEqual(
    assignableRoles({ myRole: "member", realmAdmin: false, targetRole: "guest" }),
    [],
  );
});

Deno.test("roleError() says what to do about the last owner", () => {
  assert.match(
    roleError("last_owner", "The workspace's last owner cannot be demoted", "Ada"),
    /Ada is the workspace's last owner\. Make someone else owner first/,
  );
  assert.equal(
    roleError("member_not_found", "They are not a member", "Ada"),
    "They are not a member",
  );
});

Deno.test("sinceIso(), auditSummary(), csvFilename()", () => {
  assert.equal(sinceIso(""), undefined);
  assert.equal(sinceIso("nonsense"), undefined);
  assert.equal(sinceIso("2026-12-02T13:00"), new Date(2026, 11, 2, 13, 0).toISOString());
  assert.equal(
    auditSummary(
      { reason: "Spam", action_type: "mute", expires_at: "2026-12-02T13:00:00Z" },
      (iso) => `<${iso}>`,
    ),
    "“Spam” · until <2026-12-02T13:00:00Z>",
  );
  assert.equal(auditSummary({ from: "member", to: "admin", user_id: "u" }), "member → admin");
  assert.equal(auditSummary({ role: "admin", channel_id: "c" }), "as admin");
  assert.equal(auditSummary({ note: "handled", message_id: "m" }), "note: “handled”");
  assert.equal(auditSummary({ code: "forbidden", ip: null }), "forbidden");
  assert.equal(auditSummary({}), "");
  assert.equal(csvFilename(new Date("2026-12-02T13:00:00Z")), "colink-audit-log-2026-12-02.csv");
});
