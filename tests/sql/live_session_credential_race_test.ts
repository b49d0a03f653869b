/**
 * What a signed-in person adds from their own pages — a passkey (api.add_passkey), new recovery codes
 * (api.manage_own_factor), the phone factor (api.set_own_phone_factor), a phone number (api.account_confirm_phone),
 * a password (api.account_set_password), an email change's link (api.account_request_email_change), an app or a
 * phone set up at a step-up (api.meet_mfa_challenge, api.meet_mfa_challenge_by_phone: the challenge names the
 * session it stepped up) — is added only while their session is live under the user's row lock
 * (astapa.hold_live_login_session). A sign-out everywhere, a reset, a claim or a disable that ended the session
 * before, or holds the user's row while the write waits for it (tests/helpers/lock_race.ts), leaves nothing
 * added: AS4G0. Before, each checked the session in its first statement, unlocked, and its insert or update then
 * waited for the ender's row lock and went through once it committed (a step-up's challenge was not tied to its
 * session at all). A claim that comes after the write waits for it and removes what it added.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace, type Settled } from "../helpers/lock_race.ts";
import { rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { enders } from "../helpers/enders.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, {
  settings: { passkeys: true, phone: { enabled: true }, mfa: { policy: "optional", phone: true } },
});

const NEW_PASSWORD = "$argon2id$v=19$m=19456,t=2,p=1$YWRkZWQ$YWRkZWRhZGRlZGFkZGVk";
const MAIL = { template: "account_notice", subject: "s", text: "t" };

const ENDERS = enders(project.id).all;

type Person = { user: string; session: Uint8Array; n: number };
/** An addition from the person's own page: `setUp` before the race, `add` the write, `added` what it left. */
type Addition = {
  /** Whether a claim can end this person's session (it cannot while a number is verified beside the email). */
  claimable: boolean;
  setUp?: (p: Person) => Promise<void>;
  add: (tx: Tx, p: Person) => Promise<unknown>;
  added: (p: Person) => Promise<boolean>;
};

const one = async (query: PromiseLike<readonly Record<string, unknown>[]>) =>
  Object.values((await query)[0] ?? {})[0];
const exists = async (query: PromiseLike<readonly Record<string, unknown>[]>) => (await one(query)) === true;
const hexes = async (p: Person) =>
  (await recoveryHashes(p)).map((h) => Array.from(h, (b) => b.toString(16).padStart(2, "0")).join(""));
const recoveryHashes = (p: Person) =>
  Promise.all(Array.from({ length: 10 }, (_, i) => sha256(`new-${p.n}-${i}`)));
const phoneOf = (p: Person) => `+6281377${String(p.n).padStart(5, "0")}`;

const ADDITIONS: Record<string, Addition> = {
  "a passkey (api.add_passkey)": {
    claimable: true,
    add: (tx, p) =>
      tx`select api.add_passkey(${p.session}, ${p.user}, ${new Uint8Array(16).fill(p.n % 256)}, '\\xdeadbeef',
          0, '{internal}', 'singleDevice', false, 'Laptop')`,
    added: (p) => exists(db.sql`select exists (select from astapa.passkeys where user_id = ${p.user})`),
  },
  "new recovery codes (api.manage_own_factor)": {
    claimable: true,
    setUp: async (p) => {
      await db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at,
        last_used_step) values (${project.id}, ${p.user}, 'totp', '\\x00', now(), 1000)`;
    },
    add: async (tx, p) => {
      const hashes = await recoveryHashes(p);
      return await tx`select api.manage_own_factor(${p.session}, 'regenerate', 'totp', 1001, null,
          (select array_agg(decode(h, 'hex')) from unnest(${
        hashes.map((h) => Array.from(h, (b) => b.toString(16).padStart(2, "0")).join(""))
      }::text[]) as h))`;
    },
    added: async (p) =>
      exists(db.sql`select exists (select from astapa.recovery_codes where user_id = ${p.user}
        and code_hash = ${(await recoveryHashes(p))[0]})`),
  },
  "the phone factor (api.set_own_phone_factor)": {
    // A verified number beside the email: the email's proof no longer claims the account (astapa.proof_signs_in).
    claimable: false,
    setUp: async (p) => {
      await asApp(db.sql, project.id, (tx) =>
        tx`select api.set_user_phone(${project.id}, ${p.user},
        ${phoneOf(p)}, true)`);
    },
    add: (tx, p) => tx`select api.set_own_phone_factor(${p.session}, true, 600)`,
    added: (p) =>
      exists(
        db.sql`select exists (select from astapa.user_factors where user_id = ${p.user} and kind = 'phone')`,
      ),
  },
  "a phone number (api.account_confirm_phone)": {
    claimable: true,
    setUp: async (p) => {
      const token = await sha256(`phone-${p.n}`);
      await asApp(
        db.sql,
        project.id,
        async (tx) =>
          tx`select api.account_start_phone_code(${p.session}, ${phoneOf(p)}, 'ID', 'whatsapp', ${token},
          ${await sha256(`phone-${p.n}:123456`)}, ${`10.7.${p.n % 250}.1`}, 600)`,
      );
    },
    add: async (tx, p) =>
      await tx`select api.account_confirm_phone(${p.session}, ${await sha256(`phone-${p.n}`)},
          ${await sha256(`phone-${p.n}:123456`)}) as r`,
    added: (p) => exists(db.sql`select phone_number is not null from astapa.users where id = ${p.user}`),
  },
  "a password (api.account_set_password)": {
    claimable: true,
    add: (tx, p) => tx`select api.account_set_password(${p.session}, ${NEW_PASSWORD}, 600, null)`,
    added: (p) =>
      exists(db.sql`select password_hash is not distinct from ${NEW_PASSWORD} from astapa.users
        where id = ${p.user}`),
  },
  "an email change's link (api.account_request_email_change)": {
    claimable: true,
    add: async (tx, p) =>
      await tx`select api.account_request_email_change(${p.session}, ${`moved-${p.n}@example.com`},
          ${await sha256(`change-${p.n}`)}, 600, ${tx.json(MAIL)})`,
    added: (p) =>
      exists(db.sql`select exists (select from astapa.email_changes where user_id = ${p.user}
        and used_at is null)`),
  },
  "an authenticator app set up at a step-up (api.meet_mfa_challenge)": {
    claimable: true,
    setUp: (p) => stepUp(p),
    add: async (tx, p) =>
      await tx`select api.meet_mfa_challenge(${await sha256(`step-up-${p.n}`)}, 'enrol', 1000, null, '\\x00',
        (select array_agg(decode(h, 'hex')) from unnest(${await hexes(p)}::text[]) as h)) as r`,
    added: (p) =>
      exists(
        db.sql`select exists (select from astapa.user_factors where user_id = ${p.user} and kind = 'totp')`,
      ),
  },
  "a phone number and factor set up at a step-up (api.meet_mfa_challenge_by_phone)": {
    claimable: true,
    setUp: async (p) => {
      await stepUp(p);
      await asApp(
        db.sql,
        project.id,
        async (tx) =>
          tx`select api.start_mfa_new_phone_code(${await sha256(`step-up-${p.n}`)}, ${
            phoneOf(p)
          }, 'ID', 'whatsapp',
          ${await sha256(`mfa-phone-${p.n}`)}, ${await sha256(`mfa-phone-${p.n}:123456`)},
          ${`10.8.${p.n % 250}.1`})`,
      );
    },
    add: async (tx, p) =>
      await tx`select api.meet_mfa_challenge_by_phone(${await sha256(`step-up-${p.n}`)},
        ${await sha256(`mfa-phone-${p.n}`)}, ${await sha256(`mfa-phone-${p.n}:123456`)}) as r`,
    added: (p) =>
      exists(
        db.sql`select exists (select from astapa.user_factors where user_id = ${p.user} and kind = 'phone')
        or exists (select from astapa.users where id = ${p.user} and phone_number is not null)`,
      ),
  },
};

/** A step-up of the signed-in person, who has no factor yet: the challenge that lets them set one up. */
async function stepUp(p: Person) {
  const started = await asApp(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_mfa_challenge(${p.user}, ${await sha256(
        `step-up-${p.n}`,
      )}, '{pwd}', true, null, null,
      null, ${p.session}) as started`,
  );
  assert.equal(started[0].started, true);
}

let people = 0;
/** A user signed in by a live session started now (fresh), verified or not as the ender needs. */
async function signedIn(addition: Addition, verified: boolean): Promise<Person> {
  const n = ++people;
  const user = await seedUser(db.sql, project.id, `adds-${n}@example.com`, { verified });
  const p = { user, session: await seedSession(db.sql, project.id, user), n };
  await addition.setUp?.(p);
  assert.equal(await addition.added(p), false, "nothing added before");
  return p;
}

/** The addition in a transaction of its own. */
const addAlone = (addition: Addition, p: Person) => asApp(db.sql, project.id, (tx) => addition.add(tx, p));

/** The addition refused as a session that ended: AS4G0, "sign in again". */
async function refusedAsEnded(settled: Settled) {
  assert.equal(
    settled.status,
    "rejected",
    `refused, not ${JSON.stringify((settled as { value?: unknown }).value)}`,
  );
  await rejectsAs(
    Promise.reject((settled as PromiseRejectedResult).reason),
    "invalid_grant",
    /session has ended/,
  );
}

for (const [name, addition] of Object.entries(ADDITIONS)) {
  for (const [ender, { verified, end }] of Object.entries(ENDERS)) {
    if (ender === "a claim" && !addition.claimable) continue;

    Deno.test(`live session credentials — ${name}: ${ender} committed first, nothing added`, async () => {
      const p = await signedIn(addition, verified);
      await asApp(db.sql, project.id, (tx) => end(tx, p.user));
      await rejectsAs(addAlone(addition, p), "invalid_grant", /session has ended/);
      assert.equal(await addition.added(p), false);
    });

    Deno.test(`live session credentials — ${name}: during ${ender}, waits for the user's row, then refused`, async () => {
      const p = await signedIn(addition, verified);
      const [ended, added] = await lockRace(
        db.sql,
        project.id,
        (tx) => end(tx, p.user),
        () => addAlone(addition, p),
      );
      assert.equal(ended.status, "fulfilled", String((ended as PromiseRejectedResult).reason));
      await refusedAsEnded(added);
      assert.equal(await addition.added(p), false);
    });
  }
}

Deno.test("live session credentials — a claim after the addition waits for it, then removes what it added", async () => {
  for (const [name, addition] of Object.entries(ADDITIONS)) {
    if (!addition.claimable) continue;
    const p = await signedIn(addition, false);
    const [added, claimed] = await lockRace(
      db.sql,
      project.id,
      (tx) => addition.add(tx, p),
      () =>
        asApp(
          db.sql,
          project.id,
          (tx) => tx`select astapa.claim_unproven_account(${project.id}, ${p.user}, 'email')`,
        ),
    );
    assert.equal(added.status, "fulfilled", `${name}: ${(added as PromiseRejectedResult).reason}`);
    if (name.startsWith("a phone number")) {
      // The number it proved is verified now: the email's proof no longer claims the account (AS4C9), as for
      // any number proven before it (docs/security.md, "An unproven channel beside a proven one").
      assert.equal(claimed.status, "rejected");
      await rejectsAs(
        Promise.reject((claimed as PromiseRejectedResult).reason),
        "account_changed_during_sign_in",
      );
      continue;
    }
    assert.equal(claimed.status, "fulfilled", `${name}: ${(claimed as PromiseRejectedResult).reason}`);
    assert.equal(await addition.added(p), false, `${name}: removed by the claim`);
  }
});

Deno.test("api.mfa_challenge — a step-up's challenge shows while its session is live; a sign-in's does not depend on one", async () => {
  const addition = ADDITIONS["an authenticator app set up at a step-up (api.meet_mfa_challenge)"];
  const p = await signedIn(addition, true);
  const challenge = (token: string) =>
    asApp(db.sql, project.id, async (tx) => tx`select api.mfa_challenge(${await sha256(token)}) as c`);
  const signIn = `sign-in-${p.n}`;
  await asApp(
    db.sql,
    project.id,
    async (tx) => tx`select api.start_mfa_challenge(${p.user}, ${await sha256(signIn)}, '{pwd}', true)`,
  );
  assert.notEqual((await challenge(`step-up-${p.n}`))[0].c, null);
  await asApp(db.sql, project.id, (tx) => tx`select api.end_login_session(${p.session})`);
  assert.equal((await challenge(`step-up-${p.n}`))[0].c, null, "the step-up's session ended");
  assert.notEqual((await challenge(signIn))[0].c, null, "a sign-in's challenge names no session");
  await rejectsAs(addAlone(addition, p), "invalid_grant", /session has ended/);
});
