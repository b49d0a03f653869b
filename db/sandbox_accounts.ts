/** Typed wrappers around the offline sandbox's per-project accounts (db/api/payments.sql). */
import { z } from "zod";
import type { Sql, Tx } from "./client.ts";
import { asApp } from "./client.ts";
import { result } from "./result.ts";

const SealedAccountSchema = z.object({ secret_key_sealed: z.string(), callback_token_sealed: z.string() });
export type SealedSandboxAccount = z.infer<typeof SealedAccountSchema>;

/** The current project's sealed simulator account, or null when it has none yet. */
export function sandboxAccount(tx: Tx): Promise<SealedSandboxAccount | null> {
  return result(tx`select api.sandbox_account() as result`, SealedAccountSchema.nullable());
}

/** Creates the current project's account unless one exists; answers the one it has. */
export function createSandboxAccount(
  tx: Tx,
  account: {
    keyHash: Uint8Array;
    callbackTokenHash: Uint8Array;
    secretKey: Uint8Array;
    callbackToken: Uint8Array;
  },
): Promise<SealedSandboxAccount> {
  return result(
    tx`select api.create_sandbox_account(${account.keyHash}, ${account.callbackTokenHash}, ${account.secretKey}, ${account.callbackToken}) as result`,
    SealedAccountSchema,
  );
}

/** The project a simulator secret key (as SHA-256) belongs to, or null. */
export function sandboxAccountProject(sql: Sql, keyHash: Uint8Array): Promise<string | null> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.sandbox_account_project(${keyHash}) as result`, z.string().nullable()),
  );
}

/** Whether a callback token (as SHA-256) is some project's simulator token. */
export function isSandboxCallbackToken(sql: Sql, tokenHash: Uint8Array): Promise<boolean> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.is_sandbox_callback_token(${tokenHash}) as result`, z.boolean()),
  );
}
