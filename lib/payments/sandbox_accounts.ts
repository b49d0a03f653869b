/**
 * Each project's account at the offline Xendit simulator: a secret key (`xnd_development_sim_…`) and a
 * callback token, generated on first use, sealed with the payments master key like the project's real Xendit
 * keys, and found again from the key the simulator receives (by SHA-256). Instances share them through
 * Postgres, so any instance's simulator accepts the key and any instance's webhook accepts the token.
 */
import { asApp, type Sql } from "@/db/client.ts";
import {
  createSandboxAccount,
  isSandboxCallbackToken,
  sandboxAccount,
  sandboxAccountProject,
  type SealedSandboxAccount,
} from "@/db/sandbox_accounts.ts";
import { randomSecret, sha256 } from "../secrets.ts";
import { open, seal } from "../tokens/master_key.ts";

export type SandboxKeys = { secretKey: string; callbackToken: string };
type Deps = { sql: Sql; masterKeys: { payments: CryptoKey } };

/** What a simulator account's secret key or callback token is sealed for. */
export const sandboxKeyContext = (projectId: string, field: string) =>
  `astapa sandbox xendit ${projectId} ${field}`;
const bytes = (text: string) => new TextEncoder().encode(text);
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The project's simulator keys, made (once, race-safe across instances) when it has none. */
export async function sandboxKeys(deps: Deps, projectId: string): Promise<SandboxKeys> {
  const existing = await asApp(deps.sql, projectId, (tx) => sandboxAccount(tx));
  if (existing) return await openAccount(deps, projectId, existing);
  const fresh = { secretKey: randomSecret("xnd_development_sim_"), callbackToken: randomSecret("simcb_") };
  const key = deps.masterKeys.payments;
  const made = await asApp(deps.sql, projectId, async (tx) =>
    createSandboxAccount(tx, {
      keyHash: await sha256(fresh.secretKey),
      callbackTokenHash: await sha256(fresh.callbackToken),
      secretKey: await seal(key, bytes(fresh.secretKey), sandboxKeyContext(projectId, "secret_key")),
      callbackToken: await seal(
        key,
        bytes(fresh.callbackToken),
        sandboxKeyContext(projectId, "callback_token"),
      ),
    }));
  return await openAccount(deps, projectId, made);
}

/**
 * The project's simulator keys when it already has them, else null (never made here): what a publishable key
 * (Xendit.js, public) may reach, so guessing a project id makes nothing. Errors (no such project) are null too.
 */
export async function existingSandboxKeys(deps: Deps, projectId: string): Promise<SandboxKeys | null> {
  try {
    const existing = await asApp(deps.sql, projectId, (tx) => sandboxAccount(tx));
    return existing ? await openAccount(deps, projectId, existing) : null;
  } catch {
    return null;
  }
}

/** The project a simulator secret key belongs to, with its keys; null for any other key. */
export async function sandboxAccountForKey(
  deps: Deps,
  secretKey: string,
): Promise<{ projectId: string; keys: SandboxKeys } | null> {
  if (!secretKey.startsWith("xnd_development_sim_") || secretKey.length > 200) return null;
  const projectId = await sandboxAccountProject(deps.sql, await sha256(secretKey));
  return projectId ? { projectId, keys: await sandboxKeys(deps, projectId) } : null;
}

/** Whether `token` is some project's simulator callback token. */
export async function isSandboxToken(deps: Deps, token: string): Promise<boolean> {
  return token.length <= 200 && await isSandboxCallbackToken(deps.sql, await sha256(token));
}

async function openAccount(
  deps: Deps,
  projectId: string,
  sealed: SealedSandboxAccount,
): Promise<SandboxKeys> {
  const text = async (value: string, field: string) =>
    new TextDecoder().decode(
      await open(deps.masterKeys.payments, fromBase64(value), sandboxKeyContext(projectId, field)),
    );
  return {
    secretKey: await text(sealed.secret_key_sealed, "secret_key"),
    callbackToken: await text(sealed.callback_token_sealed, "callback_token"),
  };
}
