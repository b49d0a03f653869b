/**
 * The hosted password sign-in's race (docs/security.md "Pre-account hijacking"): the page reads the hash in one
 * transaction, verifies the password in the app, and starts the session in another. A reset, a claim or a
 * disable that commits in between is made to land exactly there by a seam: the app's pool, wrapped so the
 * commit runs right after api.user_for_sign_in returned (no sleeps). The old password then gets the ordinary
 * wrong-password page, in English or Indonesian, and no session, challenge or code.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { onceAfter, pausingPool } from "../helpers/pausing_pool.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { sha256 } from "@/lib/secrets.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { sessionCookie, submitForm } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "https://warung.example/cb" });
const mfaProject = await seedProject(t.db.sql, { settings: { mfa: { policy: "required" } } });
const PASSWORD = "the password they knew";

/**
 * Signs in with the password while `between` commits mid-way — right after the page's hash read
 * (api.user_for_sign_in), between its password check and its session start; the app's own pool is back after.
 */
async function signInRacing(
  p: typeof project,
  email: string,
  between: () => Promise<unknown>,
  lang: "en" | "id" = "en",
): Promise<Response> {
  const pool = t.deps.sql;
  t.deps.sql = pausingPool(pool, onceAfter("api.user_for_sign_in", between));
  try {
    return await submitForm(t, p, "/auth/login", { email, password: PASSWORD }, {}, `&lang=${lang}`);
  } finally {
    t.deps.sql = pool;
  }
}

async function seedPasswordUser(p: typeof project, email: string, verified: boolean): Promise<string> {
  const hash = await hashPassword(PASSWORD);
  return await asApp(t.db.sql, p.id, async (tx) => {
    const [row] = await tx`select api.create_user(${p.id}, ${email}, ${hash}, ${verified}) ->> 'id' as id`;
    return row.id as string;
  });
}

async function counts(p: typeof project, user: string) {
  const [row] = await t.db.sql`select
    (select count(*)::int from astapa.login_sessions s where s.project_id = ${p.id} and s.user_id = ${user}
      and s.ended_at is null) as sessions,
    (select count(*)::int from astapa.authorization_codes c where c.project_id = ${p.id} and c.user_id = ${user})
      as codes,
    (select count(*)::int from astapa.mfa_challenges m where m.project_id = ${p.id} and m.user_id = ${user}
      and m.used_at is null) as challenges`;
  return { ...row };
}

/** The sign-in page again, 422, saying the email and password do not match, and nothing for the browser. */
async function refusedAsWrongPassword(res: Response, p: typeof project, lang: "en" | "id") {
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.ok(html.includes(MESSAGES[lang].wrongCredentials), `the wrong-password message in ${lang}`);
  assert.equal(sessionCookie(res, p.id), undefined, "no session cookie");
}

Deno.test("password sign-in race — with nothing committed in between, the seam changes nothing: signed in", async () => {
  const user = await seedPasswordUser(project, "steady@example.com", true);
  const res = await signInRacing(project, "steady@example.com", () => Promise.resolve());
  assert.equal(res.status, 303);
  assert.ok(res.headers.get("location")!.startsWith("https://warung.example/cb?code="));
  assert.ok(sessionCookie(res, project.id));
  assert.deepEqual(await counts(project, user), { sessions: 1, codes: 1, challenges: 0 });
});

Deno.test("password sign-in race — a reset committed after the password check: the old password gets the wrong-password page", async () => {
  const user = await seedPasswordUser(project, "reset@example.com", true);
  const res = await signInRacing(
    project,
    "reset@example.com",
    () =>
      asApp(t.db.sql, project.id, async (tx) => {
        await tx`select api.issue_email_token(${user}, 'reset_password', ${await sha256("race-reset")})`;
        await tx`select api.reset_password(${await sha256("race-reset")}, ${await hashPassword(
          "the owner's new one",
        )})`;
      }),
  );
  await refusedAsWrongPassword(res, project, "en");
  assert.deepEqual(await counts(project, user), { sessions: 0, codes: 0, challenges: 0 });
});

Deno.test("password sign-in race — the owner claims the account after the check: the attacker's password gets nothing (id)", async () => {
  const user = await seedPasswordUser(project, "korban@example.com", false);
  const res = await signInRacing(
    project,
    "korban@example.com",
    () =>
      asApp(
        t.db.sql,
        project.id,
        (tx) => tx`select astapa.claim_unproven_account(${project.id}, ${user}, 'email')`,
      ),
    "id",
  );
  await refusedAsWrongPassword(res, project, "id");
  assert.deepEqual(await counts(project, user), { sessions: 0, codes: 0, challenges: 0 });
});

Deno.test("password sign-in race — an admin disables the user after the check: no session", async () => {
  const user = await seedPasswordUser(project, "disabled@example.com", true);
  const res = await signInRacing(
    project,
    "disabled@example.com",
    () => asApp(t.db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, true)`),
  );
  await refusedAsWrongPassword(res, project, "en");
  assert.deepEqual(await counts(project, user), { sessions: 0, codes: 0, challenges: 0 });
});

Deno.test("password sign-in race — where a second step is owed, a claim after the check starts no challenge", async () => {
  const user = await seedPasswordUser(mfaProject, "langkah@example.com", false);
  const res = await signInRacing(
    mfaProject,
    "langkah@example.com",
    () =>
      asApp(
        t.db.sql,
        mfaProject.id,
        (tx) => tx`select astapa.claim_unproven_account(${mfaProject.id}, ${user}, 'email')`,
      ),
  );
  await refusedAsWrongPassword(res, mfaProject, "en");
  assert.ok(
    !res.headers.getSetCookie().some((c) => c.startsWith(`astapa_mfa_${mfaProject.id}=`)),
    "no challenge",
  );
  assert.deepEqual(await counts(mfaProject, user), { sessions: 0, codes: 0, challenges: 0 });
});
