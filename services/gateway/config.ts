import { z } from "zod";
import { csv, flag } from "@colink/config";

export const DEV_CLIENT_SECRET = "colink-web-dev-secret";

/** The gateway's own settings; defaults are the seed's limits and the embedded dev setup. */
export const GatewayConfig = z.object({
  /** Origins allowed by CORS and for cookie-authenticated WebSockets (default: PUBLIC_URL). */
  WEB_ORIGINS: csv.optional(),
  /** Trust X-Forwarded-For from the load balancer for the client IP (only behind one). */
  TRUST_PROXY: flag.default(false),
  RATE_LIMIT_READS_PER_MIN: z.coerce.number().int().positive().default(100),
  RATE_LIMIT_WRITES_PER_MIN: z.coerce.number().int().positive().default(20),
  RATE_LIMIT_IP_PER_MIN: z.coerce.number().int().positive().default(1000),
  RATE_LIMIT_LOGIN_PER_MIN: z.coerce.number().int().positive().default(20),
  /** The confidential client the gateway signs users in with (authorization code + PKCE). */
  OIDC_CLIENT_ID: z.string().default("colink-web"),
  /** Required in production: the default is the public secret of the dev realm. */
  OIDC_CLIENT_SECRET: z.string().default(DEV_CLIENT_SECRET),
  /** 32-byte key (base64) encrypting tokens kept in server-side sessions; generated in dev. */
  SESSION_ENCRYPTION_KEY: z.string().optional(),
  SESSION_COOKIE: z.string().regex(/^[A-Za-z0-9_-]+$/).default("colink_session"),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
