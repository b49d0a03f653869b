/**
 * Two first sign-ins of one imported user at once (lib/import/rehash.ts): both read the imported hash, both
 * verify the password, both re-hash it; one replaces the hash, and the other must still sign in — a re-hash is
 * not a change of password. A seam holds each sign-in right after api.user_for_sign_in returned until both have
 * read the hash (a barrier, no sleeps). A real change in that window (a reset) still gets the wrong-password page.
 */
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { asApp } from "@/db/client.ts";
import { pausingPool } from "../helpers/pausing_pool.ts";
import { importUsers } from "@/db/user_import.ts";
import { hashPassword, verifyPassword } from "@/lib/passwords.ts";
import { sha256 } from "@/lib/secrets.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { sessionCookie, submitForm } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "https://warung.example/cb" });
const PASSWORD = "the password they brought";

/** An imported user whose hash is bcrypt's (not argon2id): their first sign-in re-hashes it. */
async function seedImported(email: string): Promise<{ id: string; hash: string }> {
  const hash = bcrypt.hashSync(PASSWORD, 8);
  await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      importUsers(tx, project.id, [{ row: 1, email, email_verified: true, password_hash: hash }], {
        dryRun: false,
        source: "claims_api",
      }),
  );
  const [row] = await t.db.sql`select id::text from astapa.users where project_id = ${project.id}
                               and email = ${email}`;
  return { id: row.id, hash };
}

/**
 * `signIns` password sign-ins of `email` at once, each held after its hash read (api.user_for_sign_in) until all
 * have read it; then `between` runs (committed on the test's own connections) once and they all go on.
 */
async function signInTogether(
  email: string,
  signIns: number,
  between: () => Promise<unknown> = () => Promise.resolve(),
  lang: "en" | "id" = "en",
): Promise<Response[]> {
  const pool = t.deps.sql;
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const barrier = async () => {
    if (++arrived === signIns) {
      await between();
      release();
    }
    await released;
  };
  t.deps.sql = pausingPool(
    pool,
    (statement) => statement.includes("api.user_for_sign_in") ? barrier() : undefined,
  );
  try {
    return await Promise.all(
      Array.from(
        { length: signIns },
        () => submitForm(t, project, "/auth/login", { email, password: PASSWORD }, {}, `&lang=${lang}`),
      ),
    );
  } finally {
    t.deps.sql = pool;
  }
}

async function storedHash(user: string): Promise<string> {
  const [row] = await t.db.sql`select password_hash from astapa.users where project_id = ${project.id}
                               and id = ${user}`;
  return row.password_hash;
}

async function activeSessions(user: string): Promise<number> {
  const [row] = await t.db.sql`select count(*)::int as n from astapa.login_sessions
                               where project_id = ${project.id} and user_id = ${user} and ended_at is null`;
  return row.n;
}

function assertSignedIn(res: Response, which: string) {
  assert.equal(res.status, 303, `${which}: signed in, not the wrong-password page`);
  assert.ok(res.headers.get("location")!.startsWith("https://warung.example/cb?code="), which);
  assert.ok(sessionCookie(res, project.id), which);
}

Deno.test("imported re-hash race — two first sign-ins at once: both signed in, one argon2id hash kept", async () => {
  const user = await seedImported("twice@example.com");
  const [first, second] = await signInTogether("twice@example.com", 2);
  assertSignedIn(first, "the first sign-in");
  assertSignedIn(second, "the second sign-in");
  const hash = await storedHash(user.id);
  assert.match(hash, /^\$argon2id\$/, "re-hashed");
  assert.ok(await verifyPassword(hash, PASSWORD));
  assert.equal(await activeSessions(user.id), 2);
  const [audit] = await t.db
    .sql`select count(*)::int as n from astapa.audit_log where project_id = ${project.id}
                                 and action = 'user.rehash_password' and target = ${"user:" + user.id}`;
  assert.equal(audit.n, 1, "one re-hash replaced the imported hash; the other found it done");
});

Deno.test("imported re-hash race — three at once, in Indonesian: every one signed in", async () => {
  const user = await seedImported("tiga@example.com");
  const answers = await signInTogether("tiga@example.com", 3, undefined, "id");
  answers.forEach((res, i) => assertSignedIn(res, `sign-in ${i + 1}`));
  assert.equal(await activeSessions(user.id), 3);
});

Deno.test("imported re-hash race — a reset after the hash was read: the old password gets nothing", async () => {
  const user = await seedImported("reset-imported@example.com");
  const [res] = await signInTogether(
    "reset-imported@example.com",
    1,
    () =>
      asApp(t.db.sql, project.id, async (tx) => {
        await tx`select api.issue_email_token(${user.id}, 'reset_password', ${await sha256(
          "imported-reset",
        )})`;
        await tx`select api.reset_password(${await sha256("imported-reset")}, ${await hashPassword(
          "the owner's new one",
        )})`;
      }),
  );
  assert.equal(res.status, 422);
  assert.ok((await res.text()).includes(MESSAGES.en.wrongCredentials));
  assert.equal(sessionCookie(res, project.id), undefined);
  assert.equal(await activeSessions(user.id), 0);
  assert.ok(await verifyPassword(await storedHash(user.id), "the owner's new one"), "the reset's hash stays");
});

Deno.test("imported re-hash race — a reset to the same password after the read: it is right now", async () => {
  const user = await seedImported("same-again@example.com");
  const [res] = await signInTogether(
    "same-again@example.com",
    1,
    () =>
      asApp(t.db.sql, project.id, async (tx) => {
        await tx`select api.issue_email_token(${user.id}, 'reset_password', ${await sha256("same-reset")})`;
        await tx`select api.reset_password(${await sha256("same-reset")}, ${await hashPassword(PASSWORD)})`;
      }),
  );
  assertSignedIn(res, "the password the reset set");
});

Deno.test("imported re-hash race — disabled after the hash was read: no session", async () => {
  const user = await seedImported("disabled-imported@example.com");
  const [res] = await signInTogether(
    "disabled-imported@example.com",
    1,
    () => asApp(t.db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user.id}, true)`),
  );
  assert.equal(res.status, 422);
  assert.equal(await activeSessions(user.id), 0);
});
