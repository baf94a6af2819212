import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import { loadMembers, members } from "../state/members.ts";
import { attempt, dialog, membersOpen } from "../state/ui.ts";
import { activeStatus, displayName, username, users } from "../state/users.ts";
import { currentChannel } from "../state/workspace.ts";
import { Avatar } from "./Avatar.tsx";

export function MembersPanel(): JSX.Element | null {
  const ch = currentChannel.value;
  useEffect(() => {
    if (ch) void attempt(() => loadMembers(ch.id));
  }, [ch?.id]);
  if (!ch) return null;
  const list = members.value[ch.id] ?? [];
  return (
    <aside class="side-panel members" aria-label="Members">
      <header class="panel-head">
        <div>
          <h2>Members</h2>
          <span class="muted">#{ch.name} · {list.length || ch.member_count}</span>
        </div>
        <button
          type="button"
          class="icon-button"
          aria-label="Close members"
          onClick={() => (membersOpen.value = false)}
        >
          ✕
        </button>
      </header>
      {ch.role !== null && !ch.archived_at && (
        <button
          type="button"
          class="button wide-button"
          onClick={() => (dialog.value = { kind: "add-members" })}
        >
          Add people
        </button>
      )}
      <ul class="member-list">
        {list.map((m) => {
          const st = activeStatus(users.value[m.user_id]);
          return (
            <li key={m.user_id}>
              <Avatar userId={m.user_id} small />
              <span class="name">{displayName(m.user_id)}</span>
              <span class="muted">@{username(m.user_id)}</span>
              {st && <span class="status-emoji" title={st.status_text}>{st.status_emoji}</span>}
              {m.role !== "member" && <span class="role">{m.role}</span>}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
