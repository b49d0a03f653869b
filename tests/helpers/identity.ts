/** Fixtures for the identity SQL tests: projects and users created through the SQL API itself. */
import assert from "node:assert/strict";
import { asApp, type Sql, type Tx } from "../../db/client.ts";
import { type ErrorCode, toAppError } from "../../lib/http/errors.ts";

export type SeededProject = { id: string; clientId: string; secret: string };

/** A project created by api.create_project, with its client secret known to the test. */
export async function seedProject(sql: Sql, name = "Test project"): Promise<SeededProject> {
  const secret = `acs_${crypto.randomUUID()}`;
  return await asApp(sql, null, async (tx) => {
    const [row] = await tx`
      select p ->> 'project_id' as id, p ->> 'client_id' as client_id
      from api.create_project(${name}, array['https://app.example/callback'],
                              sha256(convert_to(${secret}, 'UTF8'))) as p`;
    return { id: row.id, clientId: row.client_id, secret };
  });
}

/** A user created by api.create_user in `projectId`; returns its id (the sub). */
export function seedUser(sql: Sql, projectId: string, email: string): Promise<string> {
  return asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.create_user(${projectId}, ${email}) ->> 'id' as id`;
    return row.id as string;
  });
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
