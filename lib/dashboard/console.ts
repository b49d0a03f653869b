/**
 * The console: a built-in project whose users are the deployment's developers. The dashboard is an OAuth
 * client of its own deployment, so developers sign in through the same hosted login their users see.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { ensureConsoleProject } from "@/db/dashboard.ts";
import { newClientSecret, sha256 } from "../secrets.ts";

export type ConsoleClient = {
  projectId: string;
  clientId: string;
  redirectUri: string;
  /** False when the base URL is plain http off loopback, which no redirect URI may be: no dashboard sign-in. */
  signInAvailable: boolean;
};

/** Where the hosted login sends developers back to. */
export function consoleRedirectUri(baseUrl: string): string {
  return `${baseUrl}/dashboard/callback`;
}

/**
 * Finds or creates the console project (idempotent; concurrent boots queue on an advisory lock) and makes
 * sure this base URL's callback is allowed. The console's client secret is generated and thrown away: the
 * dashboard redeems codes in SQL as the console project (with PKCE), so no secret exists to leak.
 */
export async function ensureConsole(sql: Sql, baseUrl: string): Promise<ConsoleClient> {
  const redirectUri = consoleRedirectUri(baseUrl);
  const secretHash = await sha256(newClientSecret());
  return await asApp(sql, null, async (tx) => {
    const found = await ensureConsoleProject(tx, redirectUri, secretHash);
    return {
      projectId: found.project_id,
      clientId: found.client_id,
      redirectUri,
      signInAvailable: found.redirect_uri_allowed,
    };
  }, { actor: "system" });
}
