/** Password grant against any issuer with Keycloak's layout (the embedded one or Keycloak). */
export async function passwordGrant(
  fetcher: (url: string, init: RequestInit) => Response | Promise<Response>,
  tokenUrl: string,
  username: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetcher(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "colink-cli",
      username,
      password: "colink-dev",
      scope: "openid profile email",
      ...extra,
    }),
  });
  return { status: res.status, body: await res.json() };
}
