/** Typed calls for the hosted login (db/migrations/0700_create_login_sessions.sql and the user API). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { sha256 } from "../lib/secrets.ts";

const SignInRecord = z.object({
  id: z.string(),
  password_hash: z.string().nullable(),
  disabled: z.boolean(),
});

/** The user behind an email in the project's current environment, with the hash to check the password. */
export async function userForSignIn(sql: Sql, projectId: string, email: string) {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.user_for_sign_in(${projectId}, ${email}) as u`,
  );
  return row.u === null ? null : SignInRecord.parse(row.u);
}

export async function createUser(
  sql: Sql,
  projectId: string,
  email: string,
  passwordHash: string,
): Promise<string> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.create_user(${projectId}, ${email}, ${passwordHash}, false) ->> 'id' as id`,
    { actor: "hosted_login" },
  );
  return row.id;
}

export async function sessionUser(sql: Sql, projectId: string, token: string): Promise<string | null> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.login_session_user(${await sha256(token)})::text as user_id`,
  );
  return row.user_id;
}

export type CodeRequest = {
  codeHash: Uint8Array;
  clientId: string;
  redirectUri: string;
  scope: string;
  resource?: string;
  codeChallenge?: string;
  nonce?: string;
};

/** Starts a session (when a new sign-in gives one) and issues the authorization code, in one transaction. */
export async function completeSignIn(
  sql: Sql,
  projectId: string,
  userId: string,
  code: CodeRequest,
  session: { tokenHash: Uint8Array; ttlSeconds: number } | null,
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    if (session) {
      await tx`select api.start_login_session(${userId}, ${session.tokenHash}, ${session.ttlSeconds})`;
    }
    await tx`select api.issue_authorization_code(${code.codeHash}, ${code.clientId}, ${userId}, ${code.redirectUri},
      ${code.scope}, ${code.resource ?? null}, ${code.codeChallenge ?? null}, ${
      code.codeChallenge ? "S256" : null
    },
      ${code.nonce ?? null}, now(), 60)`;
  }, { actor: "hosted_login" });
}

export async function endSession(sql: Sql, projectId: string, token: string): Promise<void> {
  await asApp(sql, projectId, async (tx) => tx`select api.end_login_session(${await sha256(token)})`);
}
