/**
 * Refresh tokens carry their row's lookup id (migration 4160, issue 24): the row is found by the id and the
 * secret's hash compared there. Tokens issued before keep working by their hash alone, and their successors
 * carry an id. Neither half alone, nor one token's id with another's secret, is a token.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm, postJson } from "../helpers/token_client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { readRefreshToken, successorOf } from "@/lib/tokens/refresh_tokens.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const TOKEN = "/api/platform/token";
const project = await seedProject(t.db.sql);

async function signIn(userId: string): Promise<string> {
  const code = await issueCode(t.db.sql, project, { userId });
  const { res, body } = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.refresh_token;
}

const refresh = (token: string) =>
  postForm(t, TOKEN, { grant_type: "refresh_token", refresh_token: token, ...credentials(project) });

/** A token as issued before lookup ids: a row with the hash of the whole token and no lookup id. */
async function olderToken(userId: string, fields: { used?: boolean; family?: string } = {}): Promise<string> {
  const token = randomSecret();
  await t.db.sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id,
      auth_time, expires_at, used_at)
    values (${project.id}, ${await sha256(token)}, ${fields.family ?? crypto.randomUUID()}, ${userId},
            ${project.clientId}, now(), now() + interval '1 day', ${fields.used ? t.db.sql`now()` : null})`;
  return token;
}

/** The lookup id a token carries, as the token endpoint reads it (the encoding: refresh_token_format_test). */
const uuidOf = async (token: string) => (await readRefreshToken(token)).lookupId;

Deno.test("refresh token — carries its row's time-ordered lookup id; the row keeps only the secret's hash", async () => {
  const userId = await seedUser(t.db.sql, project.id, "lookup-1@example.com");
  const token = await signIn(userId);
  const rows = await t.db
    .sql`select lookup_id, token_hash from astapa.refresh_tokens where user_id = ${userId}`;
  assert.equal(rows.length, 1);
  assert.equal(await uuidOf(token), rows[0].lookup_id, "the token carries its row's lookup id");
  assert.match(rows[0].lookup_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, "a UUID version 7");
  assert.deepEqual(new Uint8Array(rows[0].token_hash), await sha256(token.slice(22)));
  const [stored] = await t.db.sql`select count(*)::int as n from astapa.refresh_tokens
    where token_hash = ${await sha256(token)}`;
  assert.equal(stored.n, 0, "the whole token is stored nowhere, not even hashed");

  const { res, body } = await refresh(token);
  assert.equal(res.status, 200, JSON.stringify(body));
  const [successor] = await t.db.sql`select lookup_id from astapa.refresh_tokens
    where user_id = ${userId} and parent_id is not null`;
  assert.equal(await uuidOf(body.refresh_token), successor.lookup_id);
  assert.ok(successor.lookup_id > rows[0].lookup_id, "later ids sort after earlier ones");
});

Deno.test("refresh token — one token's lookup id with another's secret, or either half alone, is refused and revokes nothing", async () => {
  const userId = await seedUser(t.db.sql, project.id, "lookup-2@example.com");
  const [mine, other] = [await signIn(userId), await signIn(userId)];
  for (const forged of [mine.slice(0, 22) + other.slice(22), mine.slice(22), mine.slice(0, 22), mine + "A"]) {
    const { res, body } = await refresh(forged);
    assert.equal(res.status, 400, forged);
    assert.equal(body.error, "invalid_grant");
  }
  const [live] = await t.db.sql`select count(*)::int as n from astapa.refresh_tokens
    where user_id = ${userId} and revoked_at is null and used_at is null`;
  assert.equal(live.n, 2);
  assert.equal((await refresh(mine)).res.status, 200, "the real token still works");
});

Deno.test("refresh token — one issued before lookup ids still refreshes (its successor carries an id), introspects and revokes", async () => {
  const userId = await seedUser(t.db.sql, project.id, "lookup-3@example.com");
  const older = await olderToken(userId);
  const { res, body } = await refresh(older);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.match(body.refresh_token, /^[A-Za-z0-9_-]{65}$/);
  assert.equal((await refresh(body.refresh_token)).res.status, 200, "the successor works in turn");

  const another = await olderToken(userId);
  const introspected = await postForm(t, "/api/platform/introspect", {
    token: another,
    ...credentials(project),
  });
  assert.equal(introspected.body.active, true, JSON.stringify(introspected.body));
  assert.equal(introspected.body.sub, userId);
  const revoked = await postForm(t, "/api/platform/revoke", { token: another, ...credentials(project) });
  assert.equal(revoked.res.status, 200);
  const [live] = await t.db.sql`select count(*)::int as n from astapa.refresh_tokens
    where user_id = ${userId} and revoked_at is null`;
  assert.equal(live.n, 0, "revoking an older token signs the user out everywhere, as any refresh token does");
});

Deno.test("refresh token — a retry inside the grace window gets the successor issued before lookup ids, as it was", async () => {
  // Upgrading while a client retries: the parent was used and its successor stored by the previous version.
  const userId = await seedUser(t.db.sql, project.id, "lookup-4@example.com");
  const family = crypto.randomUUID();
  const parent = await olderToken(userId, { used: true, family });
  const successor = await successorOf(t.deps.masterKeys.successor, parent);
  await t.db.sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, parent_id, user_id,
      client_id, auth_time, expires_at)
    select ${project.id}, ${await sha256(successor)}, ${family}, r.id, ${userId}, ${project.clientId}, now(),
           now() + interval '1 day'
    from astapa.refresh_tokens r where r.token_hash = ${await sha256(parent)}`;
  const { res, body } = await refresh(parent);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.refresh_token, successor, "the successor as the previous version handed it out");
  assert.equal((await refresh(successor)).res.status, 200);
});
