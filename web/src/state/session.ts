import { signal } from "@preact/signals";
import { setCsrfToken, setUnauthorizedHandler } from "../api/client.ts";
import { endpoints, type SessionInfo, type UserProfile } from "../api/endpoints.ts";

export type AuthState = "loading" | "signed_out" | "signed_in" | "error";

export const authState = signal<AuthState>("loading");
export const me = signal<SessionInfo["user"] | null>(null);
/** The caller's profile with status (GET /me), loaded after sign-in. */
export const myProfile = signal<UserProfile | null>(null);
export const authError = signal("");
/** Why the last session ended, when it was a ban (the event's reason, or the server's 403). */
export const banNotice = signal<{ reason: string | null; until: string | null } | null>(null);

/** Asks the gateway who is signed in; a 401 means the sign-in screen. */
export async function loadSession(): Promise<void> {
  try {
    const s = await endpoints.session();
    setCsrfToken(s.csrf_token);
    me.value = s.user;
    authState.value = "signed_in";
  } catch (e) {
    const { status, code } = e as { status?: number; code?: string };
    if (status === 401 || status === 403) {
      if (code === "account_banned") banNotice.value ??= { reason: null, until: null };
      authState.value = "signed_out";
    } else {
      authError.value = (e as Error).message;
      authState.value = "error";
    }
  }
}

setUnauthorizedHandler((e) => {
  if (e.code === "account_banned") banNotice.value ??= { reason: null, until: null };
  if (authState.value === "signed_in") {
    me.value = null;
    authState.value = "signed_out";
  }
});

/** Where the gateway's sign-in should bring the browser back to. */
export const signInUrl = (): string =>
  `/auth/login?return_to=${encodeURIComponent(location.pathname + location.search)}`;

export async function signOut(): Promise<void> {
  banNotice.value = null;
  try {
    await endpoints.logout();
  } finally {
    setCsrfToken("");
    me.value = null;
    myProfile.value = null;
    authState.value = "signed_out";
    history.replaceState(null, "", "/");
  }
}
