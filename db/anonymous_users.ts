/** Typed calls to the guest functions in SQL (db/api/anonymous_users.sql; docs/anonymous-users.md). */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { userGrant } from "./tokens.ts";
import type { UserGrant } from "../lib/tokens/access_tokens.ts";

export const AnonymousUserSettings = z.object({
  enabled: z.boolean().describe("Whether the project's front end may make guests (default false)."),
  sweep_after_days: z.number().int().describe(
    "A guest with no token refresh for this many days is deleted (1–365, default 30); never one with a " +
      "subscription or a checkout.",
  ),
  hourly_limit: z.number().int().describe("New guests the project allows an hour (1–100000, default 1000)."),
});
export type AnonymousUserSettings = z.infer<typeof AnonymousUserSettings>;

/** settings.anonymous_users with its defaults. */
export function anonymousUserSettings(tx: Tx, projectId: string): Promise<AnonymousUserSettings> {
  return result(tx`select api.anonymous_user_settings(${projectId}) as result`, AnonymousUserSettings);
}

/**
 * Changes some of settings.anonymous_users (null: back to the default; a value of the wrong type is SQL's to refuse,
 * with its reason); answers them all.
 */
export function updateAnonymousUserSettings(
  tx: Tx,
  projectId: string,
  changes: Partial<Record<keyof AnonymousUserSettings, boolean | number | string | null>>,
): Promise<AnonymousUserSettings> {
  return result(
    tx`select api.update_anonymous_user_settings(${projectId}, ${tx.json(changes)}) as result`,
    AnonymousUserSettings,
  );
}

export type GuestRequest = { clientId: string; address: string; refreshHash: Uint8Array; scope: string };

/** Makes a guest of the project and starts its refresh-token family: the claims to sign. */
export async function signInAnonymously(sql: Sql, projectId: string, r: GuestRequest): Promise<UserGrant> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.sign_in_anonymously(${r.clientId}, ${r.address}, ${r.refreshHash}, ${r.scope}) as result`,
  );
  return userGrant(row.result);
}
