import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { showReconnecting } from "../realtime/status.ts";
import { closeThread, thread } from "../state/messages.ts";
import { authError, authState, signInUrl } from "../state/session.ts";
import {
  adminTab,
  dialog,
  focusSearch,
  membersOpen,
  notice,
  search,
  sidebarOpen,
} from "../state/ui.ts";
import { currentChannel, workspace, workspaces } from "../state/workspace.ts";
import { Conversation } from "./Conversation.tsx";
import {
  AddMembersDialog,
  BrowseChannelsDialog,
  ConfirmDeleteDialog,
  CreateChannelDialog,
  NewDmDialog,
  ReportDialog,
} from "./dialogs.tsx";
import { MembersPanel } from "./MembersPanel.tsx";
import { BanNotice, ModerationBanner } from "./ModerationNotices.tsx";
import { QuickSwitcher } from "./QuickSwitcher.tsx";
import { Sidebar } from "./Sidebar.tsx";
import { ThreadPanel } from "./ThreadPanel.tsx";
import { StatusDialog } from "./UserMenu.tsx";

function SignIn() {
  return (
    <main class="sign-in">
      <div class="card">
        <div class="logo" aria-hidden="true">◆</div>
        <h1>CoLink</h1>
        <p class="muted">Team chat you can host yourself.</p>
        <BanNotice />
        <a class="button primary big" href={signInUrl()}>Sign in</a>
      </div>
    </main>
  );
}

function Dialogs() {
  const d = dialog.value;
  if (!d) return null;
  const close = () => (dialog.value = null);
  switch (d.kind) {
    case "create-channel":
      return <CreateChannelDialog onClose={close} />;
    case "browse-channels":
      return <BrowseChannelsDialog onClose={close} />;
    case "add-members":
      return <AddMembersDialog onClose={close} />;
    case "new-dm":
      return <NewDmDialog onClose={close} />;
    case "status":
      return <StatusDialog onClose={close} />;
    case "switcher":
      return <QuickSwitcher onClose={close} />;
    case "confirm-delete":
      return <ConfirmDeleteDialog message={d.message} onClose={close} />;
    case "report":
      return <ReportDialog message={d.message} onClose={close} />;
  }
}

/** A module loaded the first time it is needed (most people never need the admin view's code). */
function lazyModule<M>(load: () => Promise<M>): () => { mod: M | null; failed: boolean } {
  let loading: Promise<M> | undefined;
  let loaded: M | null = null;
  return () => {
    const [mod, setMod] = useState<M | null>(loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      (loading ??= load()).then((m) => setMod(loaded = m), () => {
        loading = undefined;
        setFailed(true);
      });
    }, []);
    return { mod, failed };
  };
}

function LoadState({ failed, what }: { failed: boolean; what: string }) {
  return failed
    ? (
      <p class="error" role="alert">
        The {what} could not be loaded (a new version may be out).{" "}
        <button type="button" class="link" onClick={() => location.reload()}>Reload</button>
      </p>
    )
    : <p class="loading" role="status">Loading…</p>;
}

const useAdminModule = lazyModule(() => import("./admin/AdminView.tsx"));
const useSearchModule = lazyModule(() => import("./search/SearchView.tsx"));

/** The admin view, loaded the first time it opens. */
function AdminPane() {
  const { mod, failed } = useAdminModule();
  if (mod) return <mod.AdminView />;
  return (
    <main class="conversation empty" aria-label="Admin">
      <LoadState failed={failed} what="admin view" />
    </main>
  );
}

/** The search results, loaded the first time a search is made. */
function SearchPane() {
  const { mod, failed } = useSearchModule();
  if (mod) return <mod.SearchView />;
  return (
    <aside class="side-panel search-panel" aria-label="Search results">
      <LoadState failed={failed} what="search" />
    </aside>
  );
}

const editable = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

/**
 * Keys that work everywhere: Ctrl/Cmd+K to switch, Ctrl/Cmd+Shift+F (or "/" outside a text
 * field) to search, Escape to close the top panel.
 */
function useGlobalKeys() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        dialog.value = dialog.value?.kind === "switcher" ? null : { kind: "switcher" };
        return;
      }
      const slash = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !editable(e.target);
      const find = (e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "f";
      if ((slash || find) && !dialog.value && !adminTab.value) {
        e.preventDefault();
        focusSearch.value++;
        return;
      }
      if (e.key !== "Escape" || e.defaultPrevented || dialog.value) return;
      if (adminTab.value) {
        sidebarOpen.value = false;
        return;
      }
      if (thread.value) closeThread();
      else if (search.value) search.value = null;
      else if (membersOpen.value) membersOpen.value = false;
      else if (sidebarOpen.value) sidebarOpen.value = false;
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}

function Shell() {
  useGlobalKeys();
  const ch = currentChannel.value;
  const readOnly = !!ch?.archived_at || (ch !== undefined && ch.role === null);
  const admin = adminTab.value !== null;
  if (workspaces.value.length === 0 && !workspace.value) {
    return (
      <main class="sign-in">
        <div class="card">
          <h1>No workspace yet</h1>
          <p class="muted">Ask a workspace admin to add you.</p>
        </div>
      </main>
    );
  }
  return (
    <div class="app">
      {showReconnecting.value && (
        <div class="banner" role="status">
          Reconnecting… messages update every few seconds meanwhile.
        </div>
      )}
      <ModerationBanner />
      <div
        class={`shell${
          !admin && (thread.value || search.value || membersOpen.value) ? " with-panel" : ""
        }${!admin && !thread.value && search.value ? " with-search" : ""}`}
      >
        <Sidebar />
        {sidebarOpen.value && (
          <div class="scrim" aria-hidden="true" onClick={() => (sidebarOpen.value = false)} />
        )}
        {admin ? <AdminPane /> : <Conversation />}
        {!admin &&
          (thread.value
            ? <ThreadPanel readOnly={readOnly} />
            : search.value
            ? <SearchPane />
            : membersOpen.value && <MembersPanel />)}
      </div>
      {notice.value && (
        <div class="toast" role="alert">
          {notice.value.text}
          <button
            type="button"
            class="icon-button"
            aria-label="Dismiss"
            onClick={() => (notice.value = null)}
          >
            ✕
          </button>
        </div>
      )}
      <Dialogs />
    </div>
  );
}

export function App(): JSX.Element {
  switch (authState.value) {
    case "loading":
      return <div class="splash" role="status" aria-label="Loading">◆</div>;
    case "signed_out":
      return <SignIn />;
    case "error":
      return (
        <main class="sign-in">
          <div class="card">
            <h1>CoLink is unreachable</h1>
            <p class="muted">{authError.value}</p>
            <button type="button" class="button primary" onClick={() => location.reload()}>
              Try again
            </button>
          </div>
        </main>
      );
    case "signed_in":
      return <Shell />;
  }
}
