import { realServers, requireServer, startProcess } from "@colink/testing";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { identitySuite } from "./testdata/identity_suite.ts";

identitySuite("keycloak", async () => {
  const issuer = `${realServers().KEYCLOAK_URL}/realms/colink`;
  await requireServer("Keycloak", issuer, async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    await res.body?.cancel();
  });
  const proc = await startProcess([gatewayService, usersService], { OIDC_ISSUER: issuer });
  return { proc, tokenUrl: `${issuer}/protocol/openid-connect/token`, close: () => proc.close() };
});
