/** Fixtures for the identity SQL tests: projects and users created through the SQL API itself. */
import assert from "node:assert/strict";
import { asApp, type Sql, type Tx } from "@/db/client.ts";
import { type ErrorCode, toAppError } from "@/lib/http/errors.ts";
import { newClientSecret, sha256 } from "@/lib/secrets.ts";

export type SeededProject = { id: string; clientId: string; secret: string; redirectUri: string };

/** A project created by api.create_project, with its client secret known to the test. */
export async function seedProject(
  sql: Sql,
  options: { name?: string; redirectUri?: string; settings?: Record<string, unknown> } = {},
): Promise<SeededProject> {
  const secret = newClientSecret();
  const redirectUri = options.redirectUri ?? "https://app.example/callback";
  return await asApp(sql, null, async (tx) => {
    const [row] = await tx`
      select p ->> 'project_id' as id, p ->> 'client_id' as client_id
      from api.create_project(${options.name ?? "Test project"}, array[${redirectUri}],
                              sha256(convert_to(${secret}, 'UTF8'))) as p`;
    if (options.settings) {
      await tx`update astapa.projects set settings = ${
        tx.json(options.settings as never)
      } where id = ${row.id}`;
    }
    return { id: row.id, clientId: row.client_id, secret, redirectUri };
  });
}

/** A user created by api.create_user in `projectId`; returns its id (the sub). */
export function seedUser(
  sql: Sql,
  projectId: string,
  email = "ayu@example.com",
  options: { verified?: boolean } = {},
): Promise<string> {
  return asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.create_user(${projectId}, ${email}, null, ${
      options.verified ?? false
    }) ->> 'id' as id`;
    return row.id as string;
  });
}

/**
 * A live hosted-login session of the user, inserted as the owner (none of api.start_login_session's audit or
 * last_sign_in_at): the SHA-256 of its token, as the browser's cookie names it to the SQL API.
 */
export async function seedSession(sql: Sql, projectId: string, userId: string): Promise<Uint8Array> {
  const hash = await sha256(crypto.randomUUID());
  await sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (${projectId}, ${hash}, ${userId}, now() + interval '1 day')`;
  return hash;
}

/** The single value of a one-column query run as the app role for `projectId`. */
export function appValue<T = unknown>(
  sql: Sql,
  projectId: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
): Promise<T> {
  return asApp(sql, projectId, async (tx) => Object.values((await query(tx))[0] ?? {})[0] as T);
}

/** Asserts the promise fails with a Postgres error that maps to `code`, with a message matching `message`. */
export async function rejectsAs(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (error: unknown) => error,
  );
  const mapped = toAppError(error);
  assert.equal(mapped.code, code, `expected ${code}, got ${mapped.code}: ${(error as Error).message}`);
  if (message) assert.match(mapped.description, message);
}

/**
 * A passkey row as the ceremonies store it, inserted as the project (tests that need a real ceremony use
 * tests/helpers/webauthn.ts): credential id `n` repeated 16 times, no real public key.
 */
export async function seedPasskey(
  sql: Sql,
  projectId: string,
  userId: string,
  n: number,
  fields: {
    name?: string;
    /** multiDevice and backed up: a synced passkey (the default is one held by a single device). */
    synced?: boolean;
    /** multiDevice but not backed up yet. */
    syncable?: boolean;
    /** When it was added (default: `ageDays` ago, or now). */
    addedAt?: string;
    ageDays?: number;
    usedAt?: string;
    clonedAt?: string;
  } = {},
): Promise<Uint8Array> {
  const credentialId = new Uint8Array(16).fill(n);
  await asApp(
    sql,
    projectId,
    (tx) =>
      tx`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type, backed_up, name,
                                      created_at, last_used_at, cloned_at)
         values (${projectId}, ${credentialId}, ${userId}, '\\xdeadbeef',
                 ${fields.synced || fields.syncable ? "multiDevice" : "singleDevice"}, ${
        fields.synced ?? false
      },
                 ${fields.name ?? `Key ${n}`},
                 coalesce(${fields.addedAt ?? null}::timestamptz, now() - make_interval(days => ${
        fields.ageDays ?? 0
      })),
                 ${fields.usedAt ?? null}, ${fields.clonedAt ?? null})`,
  );
  return credentialId;
}
