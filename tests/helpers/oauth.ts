/** Authorization codes and PKCE pairs for token tests, made through the SQL API as the hosted login makes them. */
import { asApp, type Sql } from "@/db/client.ts";
import { base64url, randomSecret, sha256 } from "@/lib/secrets.ts";
import type { SeededProject } from "./identity.ts";

export { seedProject, seedUser } from "./identity.ts";

export type CodeOptions = {
  userId: string;
  scope?: string;
  codeChallenge?: string;
  nonce?: string;
  resource?: string;
  redirectUri?: string;
  ttlSeconds?: number;
  /** The active organization (id or slug) the person chose. */
  organization?: string;
};

/** Issues an authorization code for the project's client, returning the code itself. */
export async function issueCode(sql: Sql, project: SeededProject, options: CodeOptions): Promise<string> {
  const code = randomSecret();
  await asApp(sql, project.id, async (tx) => {
    await tx`select api.issue_authorization_code(
      ${await sha256(code)}, ${project.clientId}, ${options.userId}, ${
      options.redirectUri ?? project.redirectUri
    },
      ${options.scope ?? ""}, ${options.resource ?? null}, ${options.codeChallenge ?? null},
      ${options.codeChallenge ? "S256" : null}, ${options.nonce ?? null}, now(), ${
      options.ttlSeconds ?? 60
    }, '{pwd}', ${options.organization ?? null})`;
  });
  return code;
}

/** Redeems a code (issueCode's, no PKCE) through the SQL API for the project's client; `refresh` starts its family. */
export async function redeemCode(
  sql: Sql,
  project: SeededProject,
  code: string,
  refresh: string,
): Promise<Record<string, unknown>> {
  const [codeHash, refreshHash] = [await sha256(code), await sha256(refresh)];
  return await asApp(
    sql,
    project.id,
    async (tx) =>
      (await tx`select api.redeem_authorization_code(${codeHash}, ${project.clientId}, ${project.redirectUri},
              null, ${refreshHash}) as grant`)[0].grant,
  );
}

/**
 * The lookup id of the refresh token whose secret is `secret` (these tests name tokens by their secret; the
 * token endpoint hands out the id beside it), or null for a row stored without one, as older tokens are.
 */
export async function lookupIdOf(sql: Sql, secret: string): Promise<string | null> {
  const [row] = await sql`select lookup_id from astapa.refresh_tokens where token_hash = ${await sha256(
    secret,
  )}`;
  return row?.lookup_id ?? null;
}

/** A PKCE pair (RFC 7636): a random verifier and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomSecret();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url.encode(digest) };
}

export function basic(clientId: string, secret: string): string {
  const encode = (part: string) => encodeURIComponent(part).replace(/%20/g, "+");
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}
