import { startProcess } from "@colink/testing";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { identitySuite } from "./testdata/identity_suite.ts";

identitySuite("embedded issuer", async () => {
  const proc = await startProcess([gatewayService, usersService], { COLINK_ENV: "development" });
  return {
    proc,
    tokenUrl: `${proc.base}/realms/colink/protocol/openid-connect/token`,
    close: () => proc.close(),
  };
});
