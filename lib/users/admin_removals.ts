/**
 * An administrator removing a user's passkey or second factors — from the dashboard's user page or the Platform
 * API — with the notice the user is mailed in the project's words (English, then Indonesian: the admin's side
 * does not know the person's language). Inside the caller's transaction.
 */
import type { Tx } from "@/db/client.ts";
import { resetUserFactors } from "@/db/factors.ts";
import { removeUserPasskey } from "@/db/passkeys.ts";
import { getProject } from "@/db/projects.ts";
import { factorsRemovedByAdminMail } from "@/lib/login/factors/mail.ts";
import { passkeyRemovedByAdminMail } from "@/lib/login/passkeys/mail.ts";

/** Removes one passkey (not_found when it is not this user's); `mailed`: the user has an address. */
export async function removePasskeyAsAdmin(
  tx: Tx,
  projectId: string,
  userId: string,
  credentialId: Uint8Array,
) {
  const project = await getProject(tx, projectId);
  return await removeUserPasskey(
    tx,
    projectId,
    userId,
    credentialId,
    (name) => passkeyRemovedByAdminMail(project.name, name, project.settings),
  );
}

/** Resets the second factors and recovery codes; `removed` 0: nothing was enrolled, nothing mailed. */
export async function resetFactorsAsAdmin(tx: Tx, projectId: string, userId: string) {
  const project = await getProject(tx, projectId);
  return await resetUserFactors(
    tx,
    projectId,
    userId,
    factorsRemovedByAdminMail(project.name, project.settings),
  );
}
