import type { JSX } from "preact";
import { type Presence, presence } from "../state/presence.ts";
import { useState } from "preact/hooks";
import type { Channel, ConvRef, Dm } from "../api/endpoints.ts";
import { canOpenAdmin, isModerator, openReports, REPORT_PAGE } from "../state/moderation.ts";
import { me } from "../state/session.ts";
import { adminTab, dialog, sidebarOpen } from "../state/ui.ts";
import {
  channels,
  current,
  dmName,
  dms,
  open,
  openAdmin,
  sameConv,
  selectWorkspace,
  workspace,
  workspaces,
} from "../state/workspace.ts";
import { UserMenu } from "./UserMenu.tsx";

function Badges({ unread, mentions }: { unread: number; mentions: number }) {
  if (mentions > 0) {
    return (
      <span class="badge urgent" aria-label={`${mentions} mention${mentions === 1 ? "" : "s"}`}>
        {mentions}
      </span>
    );
  }
  if (unread > 0) {
    return <span class="badge" aria-label={`${unread} unread`}>{unread}</span>;
  }
  return null;
}

/** The other person's presence in a 1:1 DM (a DM with yourself shows yours). */
function dmPresence(participants: string[]): Presence | undefined {
  if (participants.length > 2) return undefined;
  const other = participants.find((id) => id !== me.value?.id) ?? participants[0];
  return other ? presence.value[other] ?? "offline" : undefined;
}

function Item(
  { conv, label, icon, unread, mentions, dim, privateMark, status }: {
    conv: ConvRef;
    label: string;
    icon: string;
    /** A 1:1 DM: the other person's presence. */
    status?: Presence;
    unread: number;
    mentions: number;
    dim?: boolean;
    privateMark?: boolean;
  },
) {
  const active = adminTab.value === null && sameConv(conv, current.value);
  return (
    <li>
      <a
        href={`/w/${workspace.value?.slug}/${conv.kind}/${conv.id}`}
        class={`nav-item${active ? " active" : ""}${unread || mentions ? " unread" : ""}${
          dim ? " archived" : ""
        }`}
        aria-current={active ? "page" : undefined}
        onClick={(e) => {
          e.preventDefault();
          open(conv);
          sidebarOpen.value = false;
        }}
      >
        <span class={`nav-icon${status ? ` presence-${status}` : ""}`} aria-hidden="true">
          {icon}
        </span>
        <span class="nav-label">{label}</span>
        {status && <span class="sr-only">({status})</span>}
        {privateMark && <span class="sr-only">(private)</span>}
        {dim && <span class="sr-only">(archived)</span>}
        <Badges unread={unread} mentions={mentions} />
      </a>
    </li>
  );
}

function WorkspaceSwitcher() {
  const [openMenu, setOpenMenu] = useState(false);
  const w = workspace.value;
  return (
    <div class="workspace-switcher">
      <button
        type="button"
        class="workspace-button"
        aria-haspopup="menu"
        aria-expanded={openMenu}
        onClick={() => setOpenMenu(!openMenu)}
      >
        <span class="workspace-name">{w?.name ?? "CoLink"}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {openMenu && (
        <ul
          class="menu"
          role="menu"
          aria-label="Workspaces"
          onKeyDown={(e) => e.key === "Escape" && setOpenMenu(false)}
        >
          {workspaces.value.map((x) => (
            <li role="none" key={x.id}>
              <button
                type="button"
                role="menuitemradio"
                aria-checked={x.id === w?.id}
                onClick={() => {
                  setOpenMenu(false);
                  void selectWorkspace(x);
                }}
              >
                {x.name} <span class="muted">{x.slug}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Moderators and workspace admins: the admin view, with the open reports as a badge. */
function AdminEntry() {
  if (!canOpenAdmin.value) return null;
  const active = adminTab.value !== null;
  const n = openReports.value;
  const tab = isModerator.value ? "reports" : "members";
  return (
    <ul class="admin-entry">
      <li>
        <a
          href={`/w/${workspace.value?.slug}/admin/${tab}`}
          class={`nav-item${active ? " active" : ""}${n ? " unread" : ""}`}
          aria-current={active ? "page" : undefined}
          onClick={(e) => {
            e.preventDefault();
            openAdmin(adminTab.value ?? tab);
            sidebarOpen.value = false;
          }}
        >
          <span class="nav-icon" aria-hidden="true">🛡</span>
          <span class="nav-label">Admin</span>
          {n > 0 && (
            <span class="badge urgent" aria-label={`${n} open report${n === 1 ? "" : "s"}`}>
              {n >= REPORT_PAGE ? `${REPORT_PAGE - 1}+` : n}
            </span>
          )}
        </a>
      </li>
    </ul>
  );
}

const byName = (a: Channel, b: Channel) => a.name.localeCompare(b.name);
const byActivity = (a: Dm, b: Dm) =>
  (b.last_message_at ?? b.created_at).localeCompare(a.last_message_at ?? a.created_at);

/** Workspace switcher, channels (private marked, archived dimmed), DMs, and the user menu. */
export function Sidebar(): JSX.Element {
  const joined = channels.value.filter((c) => c.role !== null).sort(byName);
  const visible = [
    ...joined,
    ...channels.value.filter((c) =>
      c.role === null && sameConv({ kind: "channel", id: c.id }, current.value)
    ),
  ];
  return (
    <nav class={`sidebar${sidebarOpen.value ? " open" : ""}`} aria-label="Conversations">
      <WorkspaceSwitcher />
      <div class="sidebar-scroll">
        <AdminEntry />
        <section>
          <header class="section-head">
            <h2>Channels</h2>
            <button
              type="button"
              class="icon-button"
              aria-label="Browse channels"
              title="Browse channels"
              onClick={() => (dialog.value = { kind: "browse-channels" })}
            >
              ☰
            </button>
            <button
              type="button"
              class="icon-button"
              aria-label="Create channel"
              title="Create channel"
              onClick={() => (dialog.value = { kind: "create-channel" })}
            >
              +
            </button>
          </header>
          <ul>
            {visible.map((c) => (
              <Item
                key={c.id}
                conv={{ kind: "channel", id: c.id }}
                label={c.name}
                icon={c.is_private ? "🔒" : "#"}
                privateMark={c.is_private}
                unread={c.role === null ? 0 : c.unread_count}
                mentions={c.role === null ? 0 : c.mention_count}
                dim={!!c.archived_at}
              />
            ))}
          </ul>
        </section>
        <section>
          <header class="section-head">
            <h2>Direct messages</h2>
            <button
              type="button"
              class="icon-button"
              aria-label="New direct message"
              title="New direct message"
              onClick={() => (dialog.value = { kind: "new-dm" })}
            >
              +
            </button>
          </header>
          <ul>
            {[...dms.value].sort(byActivity).map((d) => (
              <Item
                key={d.id}
                conv={{ kind: "dm", id: d.id }}
                label={dmName(d)}
                icon={d.participant_ids.length > 2 ? "👥" : "●"}
                status={dmPresence(d.participant_ids)}
                unread={d.unread_count}
                mentions={d.mention_count}
              />
            ))}
          </ul>
        </section>
      </div>
      <UserMenu />
    </nav>
  );
}
