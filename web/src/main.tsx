import { effect } from "@preact/signals";
import { render } from "preact";
import { endpoints } from "./api/endpoints.ts";
import { App } from "./components/App.tsx";
import { guardWindowDrops } from "./components/FileDrop.tsx";
import { startRealtime, stopRealtime } from "./realtime/mod.ts";
import { closeThread, resetMessages } from "./state/messages.ts";
import { authState, loadSession, myProfile } from "./state/session.ts";
import { startSync } from "./state/sync.ts";
import { resetUploads } from "./state/uploads.ts";
import { loadDirectory, rememberUsers } from "./state/users.ts";
import { canOpenAdmin, resetModeration, watchReports } from "./state/moderation.ts";
import { search } from "./state/ui.ts";
import {
  ensureChannel,
  lastWorkspaceSlug,
  loadWorkspaces,
  open,
  openAdmin,
  parseRoute,
  parseSearch,
  selectWorkspace,
  syncSearchUrl,
  workspace,
  workspaces,
} from "./state/workspace.ts";

/** After sign-in: workspaces, the conversation the URL names, the directory, then live updates. */
async function boot(): Promise<void> {
  const route = parseRoute();
  search.value = parseSearch();
  const list = await loadWorkspaces();
  const w = list.find((x) => x.slug === route.slug) ??
    list.find((x) => x.slug === lastWorkspaceSlug()) ?? list[0];
  void endpoints.me().then((p) => {
    myProfile.value = p;
    rememberUsers([p]);
  }).catch(() => {});
  void loadDirectory().catch(() => {});
  if (w) await selectWorkspace(w, w.slug === route.slug ? route.conv : undefined);
  if (w && w.slug === route.slug && route.admin && canOpenAdmin.value) {
    openAdmin(route.admin, { replace: true });
  }
}

addEventListener("popstate", async () => {
  const route = parseRoute();
  const w = workspaces.value.find((x) => x.slug === route.slug);
  if (!w) return;
  search.value = route.admin ? search.value : parseSearch();
  if (w.id !== workspace.value?.id) return void selectWorkspace(w, route.conv);
  if (route.admin) return openAdmin(route.admin, { replace: true });
  if (route.conv?.kind === "channel") await ensureChannel(route.conv.id);
  closeThread();
  open(route.conv ?? null, { replace: true });
});

let stopSync: (() => void) | undefined;
let stopReports: (() => void) | undefined;
effect(() => {
  if (authState.value === "signed_in" && !stopSync) {
    stopSync = startSync();
    stopReports = watchReports();
    void boot().catch(() => {}).finally(startRealtime);
  } else if (authState.value === "signed_out" && stopSync) {
    stopSync();
    stopSync = undefined;
    stopReports?.();
    stopReports = undefined;
    stopRealtime();
    resetMessages();
    resetUploads();
    resetModeration();
    search.value = null;
  }
});

// The search on screen is in the URL (?search=), so a reload shows it again.
effect(() => {
  void search.value;
  if (authState.value === "signed_in") syncSearchUrl();
});

guardWindowDrops();
render(<App />, document.getElementById("app")!);
void loadSession();
