import type { JSX } from "preact";
import { canManageRoles, isModerator, isRealmAdmin } from "../../state/moderation.ts";
import { type AdminTab, adminTab, sidebarOpen } from "../../state/ui.ts";
import { current, open, openAdmin, workspace } from "../../state/workspace.ts";
import { ActionsTab } from "./ActionsTab.tsx";
import { AuditTab } from "./AuditTab.tsx";
import { MembersTab } from "./MembersTab.tsx";
import { ReportsTab } from "./ReportsTab.tsx";

const TABS: {
  id: AdminTab;
  label: string;
  shown: () => boolean;
  Panel: () => JSX.Element | null;
}[] = [
  { id: "reports", label: "Reports", shown: () => isModerator.value, Panel: ReportsTab },
  {
    id: "actions",
    label: "Moderation actions",
    shown: () => isModerator.value,
    Panel: ActionsTab,
  },
  {
    id: "members",
    label: "Members & roles",
    shown: () => canManageRoles.value,
    Panel: MembersTab,
  },
  { id: "audit", label: "Audit log", shown: () => isRealmAdmin.value, Panel: AuditTab },
];

/**
 * The admin view, in place of the conversation: the report queue and moderation actions
 * (realm moderators and admins), members and roles (workspace owners and admins), and the
 * audit log (realm admins). Each tab shows only to those the server lets use it.
 */
export function AdminView(): JSX.Element {
  const tabs = TABS.filter((t) => t.shown());
  const tab = tabs.find((t) => t.id === adminTab.value) ?? tabs[0];
  const onKeyDown = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === tab?.id);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step === undefined || i < 0) return;
    e.preventDefault();
    const next = tabs[(i + step + tabs.length) % tabs.length]!;
    openAdmin(next.id, { replace: true });
    document.getElementById(`admin-tab-${next.id}`)?.focus();
  };
  return (
    <main class="conversation admin" aria-label="Admin">
      <header class="conv-head">
        <button
          type="button"
          class="icon-button menu-toggle"
          aria-label="Show conversations"
          aria-expanded={sidebarOpen.value}
          onClick={() => (sidebarOpen.value = !sidebarOpen.value)}
        >
          ☰
        </button>
        <div class="conv-title">
          <h1>Admin</h1>
          <p class="description">{workspace.value?.name} · moderation, roles and the record</p>
        </div>
        <button
          type="button"
          class="icon-button"
          aria-label="Close admin"
          title="Back to the conversation"
          onClick={() => open(current.value)}
        >
          ✕
        </button>
      </header>
      {tab
        ? (
          <>
            <div class="tabs" role="tablist" aria-label="Admin sections" onKeyDown={onKeyDown}>
              {tabs.map((t) => (
                <button
                  key={t.id}
                  type="button"
                  role="tab"
                  id={`admin-tab-${t.id}`}
                  aria-selected={t.id === tab.id}
                  aria-controls="admin-panel"
                  tabIndex={t.id === tab.id ? 0 : -1}
                  onClick={() => openAdmin(t.id, { replace: true })}
                >
                  {t.label}
                </button>
              ))}
            </div>
            <div
              class="admin-body"
              role="tabpanel"
              id="admin-panel"
              aria-labelledby={`admin-tab-${tab.id}`}
            >
              <tab.Panel />
            </div>
          </>
        )
        : (
          <div class="admin-body">
            <p class="muted">This needs a moderator or a workspace admin.</p>
          </div>
        )}
    </main>
  );
}
