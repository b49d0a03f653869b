/**
 * Typed calls for passkeys (db/api/passkeys.sql): challenges, credentials, a person's own list, and a user's
 * passkeys on the dashboard (listed; an admin removes one).
 */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

export type PasskeyPurpose = "register" | "sign_in";

/**
 * Opens a ceremony's challenge (its hash); `register` needs the recent session it is bound to. With a limit,
 * counts one request from `limit.address`: 0 when opened, else the seconds to wait (nothing opened).
 */
export async function startPasskeyChallenge(
  sql: Sql,
  projectId: string,
  challengeHash: Uint8Array,
  purpose: PasskeyPurpose,
  sessionHash: Uint8Array | null = null,
  limit: { address: string; perMinute: number } | null = null,
): Promise<number> {
  return await asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.start_passkey_challenge(${challengeHash}, ${purpose}, ${sessionHash},
          ${limit?.address ?? null}, ${limit?.perMinute ?? 30}) as result`,
        z.number().int(),
      ),
  );
}

/** Uses up an open challenge: whose it was (null user for sign-in), or null when it is not open. */
export async function takePasskeyChallenge(
  sql: Sql,
  projectId: string,
  challengeHash: Uint8Array,
  purpose: PasskeyPurpose,
): Promise<{ user_id: string | null } | null> {
  return await asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.take_passkey_challenge(${challengeHash}, ${purpose}) as result`,
        z.object({ user_id: z.string().nullable() }).nullable(),
      ),
  );
}

export type NewPasskey = {
  credentialId: Uint8Array;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
  name: string;
};

/** Stores a verified passkey for `userId`, whose recent session `sessionHash` must be. */
export async function addPasskey(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  userId: string,
  key: NewPasskey,
): Promise<void> {
  await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.add_passkey(${sessionHash}, ${userId}, ${key.credentialId}, ${key.publicKey},
      ${key.signCount}, ${key.transports}, ${key.deviceType}, ${key.backedUp}, ${key.name})`,
    {
      actor: "hosted_login",
    },
  );
}

const StoredPasskey = z.object({
  user_id: z.string(),
  public_key: z.string(),
  transports: z.array(z.string()),
});
export type StoredPasskey = z.infer<typeof StoredPasskey>;

/** The credential's user and public key (hex), or null for one this project does not know. */
export async function passkeyForSignIn(
  sql: Sql,
  projectId: string,
  credentialId: Uint8Array,
): Promise<StoredPasskey | null> {
  return await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.passkey_for_sign_in(${credentialId}) as result`, StoredPasskey.nullable()),
  );
}

/** Whether a presented credential was this project's (its handle names a user of it) and is gone. */
export async function passkeyForgotten(
  sql: Sql,
  projectId: string,
  credentialId: Uint8Array,
  userHandle: string,
): Promise<boolean> {
  return await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.passkey_forgotten(${credentialId}, ${userHandle}) as result`, z.boolean()),
  );
}

const Use = z.union([
  z.object({ accepted: z.literal(true), user_id: z.string(), synced: z.boolean() }),
  z.object({ accepted: z.literal(false), reason: z.enum(["unknown", "cloned"]) }),
]);

/** Records a verified assertion's counter; refused when the counter went backwards (a cloned key). */
export async function usePasskey(
  sql: Sql,
  projectId: string,
  credentialId: Uint8Array,
  signCount: number,
  backedUp: boolean,
): Promise<z.infer<typeof Use>> {
  return await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.use_passkey(${credentialId}, ${signCount}, ${backedUp}) as result`, Use),
    { actor: "hosted_login" },
  );
}

/** Audits a refused ceremony with its reason and details (the address, never key material). */
export async function passkeyRefused(
  sql: Sql,
  projectId: string,
  reason: string,
  details: Record<string, string>,
): Promise<void> {
  await asApp(sql, projectId, (tx) => tx`select api.passkey_refused(${reason}, ${tx.json(details)})`, {
    actor: "hosted_login",
  });
}

/** A passkey as every list shows it (astapa.passkey_json): never the public key or the sign counter. */
export const ListedPasskeySchema = z.object({
  /** The credential id, hex. */
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  /** A multi-device (synced) passkey; else bound to one authenticator. */
  synced: z.boolean(),
  backed_up: z.boolean(),
  /** When a sign counter went backwards: the key is refused at sign-in from then on. */
  cloned_at: z.string().nullable(),
  transports: z.array(z.string()),
});
export type ListedPasskey = z.infer<typeof ListedPasskeySchema>;

const OwnPasskeys = z.object({
  user_id: z.string(),
  user_name: z.string(),
  recent: z.boolean(),
  /** An impersonation opened the session: support staff may not add or remove the person's keys. */
  impersonated: z.boolean(),
  passkeys: z.array(ListedPasskeySchema),
});
export type OwnPasskeys = z.infer<typeof OwnPasskeys>;

/** The signed-in person's passkeys behind a session token hash, or null without a live session. */
export async function ownPasskeys(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
): Promise<OwnPasskeys | null> {
  return await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.own_passkeys(${sessionHash}) as result`, OwnPasskeys.nullable()),
  );
}

/** Renames one of the signed-in person's passkeys. */
export async function renameOwnPasskey(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  credentialId: Uint8Array,
  name: string,
): Promise<void> {
  await asApp(
    sql,
    projectId,
    (tx) => tx`select api.rename_passkey(${sessionHash}, ${credentialId}, ${name})`,
    { actor: "hosted_login" },
  );
}

/** The notice of a removed passkey, made from the key's name once SQL has said which key went. */
export type PasskeyRemovalMail = (
  name: string,
) => { template: string; subject: string; text: string; html?: string };

const RemovedPasskey = z.object({ name: z.string(), email: z.string().nullable() });

/**
 * Queues the removal's notice to the key's owner in the removal's transaction (a rolled-back removal mails
 * nothing); false for an owner without an address (signed up by phone).
 */
async function tellOwner(
  tx: Tx,
  projectId: string,
  removed: z.infer<typeof RemovedPasskey>,
  mailFor: PasskeyRemovalMail,
): Promise<boolean> {
  if (removed.email === null) return false;
  await tx`select api.queue_mail(${projectId}, ${tx.json({ ...mailFor(removed.name), to: removed.email })})`;
  return true;
}

/** Removes one of the signed-in person's passkeys and mails them `mailFor(its name)`; answers the name. */
export async function removeOwnPasskey(
  sql: Sql,
  projectId: string,
  sessionHash: Uint8Array,
  credentialId: Uint8Array,
  mailFor: PasskeyRemovalMail,
): Promise<string> {
  return await asApp(sql, projectId, async (tx) => {
    const removed = await result(
      tx`select api.remove_passkey(${sessionHash}, ${credentialId}) as result`,
      RemovedPasskey,
    );
    await tellOwner(tx, projectId, removed, mailFor);
    return removed.name;
  }, { actor: "hosted_login" });
}

/** A user's passkeys for their dashboard page, oldest first (never a public key); not_found for another's user. */
export function userPasskeys(tx: Tx, projectId: string, userId: string): Promise<ListedPasskey[]> {
  return result(
    tx`select api.user_passkeys(${projectId}, ${userId}::bigint) as result`,
    z.array(ListedPasskeySchema),
  );
}

/**
 * An admin removes one of the user's passkeys: audited, the app told, `mailFor(its name)` queued to the user
 * (`mailed`: they have an address); not_found when the credential is not this user's.
 */
export async function removeUserPasskey(
  tx: Tx,
  projectId: string,
  userId: string,
  credentialId: Uint8Array,
  mailFor: PasskeyRemovalMail,
): Promise<{ name: string; mailed: boolean }> {
  const removed = await result(
    tx`select api.remove_user_passkey(${projectId}, ${userId}::bigint, ${credentialId}) as result`,
    RemovedPasskey,
  );
  return { name: removed.name, mailed: await tellOwner(tx, projectId, removed, mailFor) };
}
