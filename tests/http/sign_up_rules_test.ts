/**
 * settings.sign_up through the real hosted-login routes (docs/hosted-login.md): every path that creates an
 * account (password, emailed code, passkey sign-up, Google, GitHub, phone) refused under `closed` with a 403
 * page in English and Indonesian, nothing written; the sign-up form's answer the same for a taken address;
 * `invitation` lets the invited address in and refuses another; domain lists on the form; "Create an account"
 * hidden; throwaway domains and +tag addresses refused on every way in when switched on, en and id, but for the
 * project's exceptions (never past its blocklist); existing
 * people still sign in; the project's own Platform API import unaffected (api.create_user,
 * the project's own call, in tests/sql/sign_up_rules_test.ts).
 */
import assert from "node:assert/strict";
import { followBack, projectRows, socialTestApp, startSignIn } from "../helpers/social.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { submitForm } from "../helpers/login.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { basic } from "../helpers/oauth.ts";
import { listPhoneMessages } from "@/db/phone.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { sha256 } from "@/lib/secrets.ts";
import { asApp } from "@/db/client.ts";

const { google, github, t } = await socialTestApp();
const sql = t.db.sql;

const ways = { email_codes: true, email_code_sign_up: true, phone: { enabled: true, signup: true } };
const project = await seedProject(sql, { name: "Toko", settings: ways });
const passkeyOnly = await seedProject(sql, { name: "Toko", settings: { passwords: false, passkeys: true } });
const setSignUp = (p: SeededProject, signUp: unknown) =>
  asApp(
    sql,
    p.id,
    (tx) => tx`select api.update_project_settings(${p.id}, ${tx.json({ sign_up: signUp } as never)})`,
  );

const query = (p: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "s", ...extra });

/** A browser holding a CSRF pair from the sign-in page, posting hosted-login forms of `request`. */
async function browser(p: SeededProject, extra: Record<string, string> = {}, lang = "en") {
  const request = query(p, extra);
  const page = await t.app.request(`/auth/login?${request}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return (path: string, fields: Record<string, string>, more = "") =>
    t.app.request(`${path}?lang=${lang}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `${cookie}${more}`,
        origin: t.origin,
      },
      body: new URLSearchParams({ request: request.toString(), csrf, ...fields }),
    });
}

/** The 6-digit code of the newest mail to `to`, from the outbox (no sender runs in this file). */
async function mailedCode(to: string): Promise<string> {
  const [mail] = await sql`select body_text from astapa.mail_outbox where lower(to_address) = lower(${to})
    order by id desc limit 1`;
  return /^\s+(\d{6})$/m.exec(mail.body_text as string)![1];
}

/** `extra`: more of the authorization request (an invitation). */
type Attempt = (email: string, lang: "en" | "id", extra?: Record<string, string>) => Promise<Response>;

/** Each way a person creates an account, driven to the step that would create it. */
const PATHS: Record<string, { project: SeededProject; attempt: Attempt }> = {
  password: {
    project,
    attempt: async (email, lang, extra = {}) =>
      await (await browser(project, extra, lang))("/auth/signup", { email, password: "kopi-tubruk-9" }),
  },
  "emailed code": {
    project,
    attempt: async (email, lang, extra = {}) => {
      const post = await browser(project, extra, lang);
      await (await post("/auth/email-code", { action: "send", email })).body?.cancel();
      return await post("/auth/email-code", { action: "verify", email, code: await mailedCode(email) });
    },
  },
  "passkey sign-up": {
    project: passkeyOnly,
    attempt: async (email, lang, extra = {}) => {
      const post = await browser(passkeyOnly, extra, lang);
      const sent = await (await post("/auth/signup/passkey", { action: "send", email })).text();
      const token = /name="sign_up" value="([\w-]{43})"/.exec(sent)![1];
      return await post("/auth/signup/passkey", {
        action: "verify",
        sign_up: token,
        code: await mailedCode(email),
      });
    },
  },
  google: {
    project,
    attempt: async (email, lang, extra = {}) => {
      google.approveAs = { sub: `g-${email}`, email, email_verified: true };
      return await followBack(t, await startSignIn(t, project, "google", lang, extra));
    },
  },
  github: {
    project,
    attempt: async (email, lang, extra = {}) => {
      github.approveAs = {
        id: Math.floor(Math.random() * 1e9),
        login: "orang",
        emails: [{ email, primary: true, verified: true }],
      };
      return await followBack(t, await startSignIn(t, project, "github", lang, extra));
    },
  },
};

let numbers = 0;
/** A phone sign-up: the number asked, the sandbox code from the message log, the code posted. */
async function phoneAttempt(p: SeededProject, lang: "en" | "id") {
  const phone = `0812 5555 ${String(1000 + ++numbers)}`;
  const sent = await submitForm(t, p, "/auth/phone", { phone, channel: "whatsapp" });
  assert.equal(sent.status, 303);
  const pending = sent.headers.getSetCookie().map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`astapa_phone_${p.id}=`))!;
  const [logged] = await listPhoneMessages(sql, p.id);
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  const page = await t.app.request(`/auth/phone/code?${query(p)}`, { headers: { cookie: pending } });
  const csrfCookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return await t.app.request(`/auth/phone/code?lang=${lang}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${pending}; ${csrfCookie}` },
    body: new URLSearchParams({ request: query(p).toString(), csrf, code }),
  });
}

const SAYS = {
  closed: { en: "Sign-ups for Toko are closed.", id: "Pendaftaran untuk Toko sudah ditutup." },
  invitation: {
    en: "Sign-ups for Toko are by invitation only.",
    id: "Pendaftaran untuk Toko hanya dengan undangan.",
  },
};

async function assertRefused(res: Response, says: string) {
  const html = await res.text();
  assert.equal(res.status, 403, html.slice(0, 400));
  assert.ok(html.includes(says), `expected "${says}" in ${html.slice(0, 600)}`);
}

/** A refused sign-up writes nothing: no user, identity or session of the project more after `refusals` than before. */
async function nothingWritten(projectId: string, name: string, refusals: () => Promise<void>): Promise<void> {
  const counts = async () => {
    const rows = await projectRows(sql, projectId);
    return [rows.users, rows.identities, rows.sessions];
  };
  const before = await counts();
  await refusals();
  assert.deepEqual(await counts(), before, name);
}

Deno.test("sign-up rules — closed: every way of creating an account is refused, 403 en/id, nothing written", async () => {
  for (const p of [project, passkeyOnly]) await setSignUp(p, { mode: "closed" });
  let n = 0;
  for (const [name, { project: p, attempt }] of Object.entries(PATHS)) {
    for (const lang of ["en", "id"] as const) {
      await nothingWritten(p.id, name, async () => {
        await assertRefused(await attempt(`baru${++n}@toko.example`, lang), SAYS.closed[lang]);
      });
    }
  }
  for (const lang of ["en", "id"] as const) {
    const before = await projectRows(sql, project.id);
    await assertRefused(await phoneAttempt(project, lang), SAYS.closed[lang]);
    assert.equal((await projectRows(sql, project.id)).users, before.users, "phone");
  }
  for (const p of [project, passkeyOnly]) await setSignUp(p, null);
});

Deno.test("sign-up rules — closed: a taken address gets the same refusal as a new one on the sign-up form", async () => {
  await seedUser(sql, project.id, "ada@toko.example");
  await setSignUp(project, { mode: "closed" });
  await assertRefused(await PATHS.password.attempt("ada@toko.example", "en"), SAYS.closed.en);
  await assertRefused(await PATHS.password.attempt("belum@toko.example", "en"), SAYS.closed.en);
  await setSignUp(project, null);
});

Deno.test("sign-up rules — closed: existing people still sign in (password, Google), and no Create an account", async () => {
  const email = "lama@toko.example";
  await asApp(
    sql,
    project.id,
    async (tx) =>
      tx`select api.create_user(${project.id}, ${email}, ${await hashPassword("kopi-tubruk-9")}, true)`,
  );
  const googler = "googler@toko.example";
  const first = await PATHS.google.attempt(googler, "en");
  assert.equal(first.status, 303, await first.text());
  await setSignUp(project, { mode: "closed" });
  const signedIn = await submitForm(t, project, "/auth/login", { email, password: "kopi-tubruk-9" });
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  google.approveAs = { sub: `g-${googler}`, email: googler, email_verified: true };
  const again = await followBack(t, await startSignIn(t, project, "google", "en"));
  assert.equal(again.status, 303, await again.text());
  const login = await (await t.app.request(`/auth/login?${query(project)}`)).text();
  assert.doesNotMatch(login, /href="\/auth\/signup/);
  const signup = await t.app.request(`/auth/signup?${query(project)}&lang=id`);
  await assertRefused(signup, SAYS.closed.id);
  await setSignUp(project, null);
  const open = await (await t.app.request(`/auth/login?${query(project)}`)).text();
  assert.match(open, /href="\/auth\/signup/);
});

Deno.test("sign-up rules — invitation: the invited address signs up within its flow; another address is refused", async () => {
  const token = `invite-${crypto.randomUUID()}`;
  await asApp(sql, project.id, async (tx) => {
    const [org] = await tx`select api.create_organization('Kantor', 'kantor', null) ->> 'id' as id`;
    await tx`select api.invite_to_organization(${org.id}, 'Tamu@Toko.example', 'member', ${await sha256(
      token,
    )}, 3600)`;
  });
  await setSignUp(project, { mode: "invitation" });
  const hidden = await (await t.app.request(`/auth/login?${query(project)}`)).text();
  assert.doesNotMatch(hidden, /href="\/auth\/signup/);
  const shown = await (await t.app.request(`/auth/login?${query(project, { invitation: token })}`)).text();
  assert.match(shown, /href="\/auth\/signup/);
  await assertRefused(await t.app.request(`/auth/signup?${query(project)}`), SAYS.invitation.en);

  const withInvitation = await browser(project, { invitation: token });
  const other = await withInvitation("/auth/signup", {
    email: "lain@toko.example",
    password: "kopi-tubruk-9",
  });
  await assertRefused(other, SAYS.invitation.en);
  const outside = await (await browser(project))("/auth/signup", {
    email: "tamu@toko.example",
    password: "kopi-tubruk-9",
  });
  await assertRefused(outside, SAYS.invitation.en);
  const invited = await withInvitation("/auth/signup", {
    email: "tamu@toko.example",
    password: "kopi-tubruk-9",
  });
  assert.ok(invited.status === 303 || invited.status === 200, `status ${invited.status}`);
  await invited.body?.cancel();
  const [row] = await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}
    and email_lower = 'tamu@toko.example'`;
  assert.equal(row.n, 1);
  await setSignUp(project, null);
});

Deno.test("sign-up rules — invitation on every way in: the invited address with its token signs up; others are refused", async () => {
  for (const p of [project, passkeyOnly]) await setSignUp(p, { mode: "invitation" });
  let n = 0;
  for (const [name, { project: p, attempt }] of Object.entries(PATHS)) {
    const invited = `diundang${++n}@toko.example`;
    const token = `invite-${crypto.randomUUID()}`;
    await asApp(sql, p.id, async (tx) => {
      const [org] = await tx`select api.create_organization('Kantor', ${`kantor-${n}`}, null) ->> 'id' as id`;
      await tx`select api.invite_to_organization(${org.id}, ${invited}, 'member', ${await sha256(
        token,
      )}, 3600)`;
    });
    await assertRefused(
      await attempt(`lain${n}@toko.example`, "en", { invitation: token }),
      SAYS.invitation.en,
    );
    await assertRefused(await attempt(invited, "id"), SAYS.invitation.id);
    const admitted = await attempt(invited, "en", { invitation: token });
    const body = await admitted.text();
    assert.ok([200, 303].includes(admitted.status), `${name}: ${admitted.status} ${body.slice(0, 400)}`);
    const [row] = await sql`select count(*)::int as n from astapa.users where project_id = ${p.id}
      and email_lower = ${invited}`;
    assert.equal(row.n, 1, name);
  }
  await assertRefused(await phoneAttempt(project, "en"), SAYS.invitation.en);
  for (const p of [project, passkeyOnly]) await setSignUp(p, null);
});

Deno.test("sign-up rules — domain lists on the sign-up form: a blocked domain is named, en and id", async () => {
  await setSignUp(project, { blocked_domains: ["*.sekali.example"], allowed_domains: [] });
  await assertRefused(
    await PATHS.password.attempt("x@mail.Sekali.example", "en"),
    "Addresses at mail.sekali.example cannot sign up for Toko.",
  );
  await assertRefused(
    await PATHS.password.attempt("y@mail.sekali.example", "id"),
    "Alamat di mail.sekali.example tidak dapat mendaftar untuk Toko.",
  );
  await setSignUp(project, { allowed_domains: ["toko.example"] });
  await assertRefused(await phoneAttempt(project, "en"), "Sign-ups for Toko need an email address");
  await setSignUp(project, null);
});

Deno.test("sign-up rules — throwaway domains and +tag addresses: every way in refused, en and id, nothing written", async () => {
  const switches = { block_disposable_domains: true, block_subaddresses: true };
  for (const p of [project, passkeyOnly]) await setSignUp(p, switches);
  const says = {
    disposable: (domain: string) => ({
      en: `${domain} is a disposable email service. Sign up for Toko with a permanent address`,
      id: `${domain} adalah layanan email sekali pakai. Daftar ke Toko dengan alamat tetap`,
    }),
    subaddress: {
      en: "Toko does not take addresses with a +tag. Sign up with your address without the part from +",
      id: "Toko tidak menerima alamat dengan +tag. Daftar dengan alamat Anda tanpa bagian dari +",
    },
  };
  let n = 0;
  for (const [name, { project: p, attempt }] of Object.entries(PATHS)) {
    await nothingWritten(p.id, name, async () => {
      await assertRefused(
        await attempt(`baru${++n}@mail.tempr.email`, "en"),
        says.disposable("mail.tempr.email").en,
      );
      await assertRefused(await attempt(`baru${++n}@YOPMAIL.com`, "id"), says.disposable("yopmail.com").id);
      await assertRefused(await attempt(`baru+${++n}@toko.example`, "en"), says.subaddress.en);
      await assertRefused(await attempt(`baru=${++n}@toko.example`, "id"), says.subaddress.id);
    });
  }
  // A phone number alone has neither.
  const phoneBefore = (await projectRows(sql, project.id)).users;
  const phoned = await phoneAttempt(project, "en");
  assert.equal(phoned.status, 303, await phoned.text());
  assert.equal((await projectRows(sql, project.id)).users, phoneBefore + 1);
  // An account the project made at such an address keeps signing in.
  const email = "lama+toko@tempr.email";
  await asApp(
    sql,
    project.id,
    async (tx) =>
      tx`select api.create_user(${project.id}, ${email}, ${await hashPassword("kopi-tubruk-9")}, true)`,
  );
  const signedIn = await submitForm(t, project, "/auth/login", { email, password: "kopi-tubruk-9" });
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  for (const p of [project, passkeyOnly]) await setSignUp(p, null);
});

Deno.test("sign-up rules — throwaway domains let in all the same: the form and Google create the account; others and blocked ones refused", async () => {
  await setSignUp(project, {
    block_disposable_domains: true,
    disposable_allowed_domains: ["duck.com", "*.mozmail.com", "addy.io"],
    blocked_domains: ["addy.io"],
  });
  const created = async (email: string) =>
    (await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}
      and email_lower = ${email.toLowerCase()}`)[0].n as number;
  let n = 0;
  for (const name of ["password", "google"] as const) {
    const { attempt } = PATHS[name];
    for (const email of [`relay${++n}@duck.com`, `Relay${++n}@x7.MOZMAIL.com`]) {
      const res = await attempt(email, "en");
      assert.equal(res.status, 303, `${name} ${email}: ${(await res.text()).slice(0, 400)}`);
      await res.body?.cancel();
      assert.equal(await created(email), 1, `${name} ${email}`);
    }
    await nothingWritten(project.id, name, async () => {
      await assertRefused(
        await attempt(`baru${++n}@mailinator.com`, "en"),
        "mailinator.com is a disposable email service.",
      );
      await assertRefused(
        await attempt(`baru${++n}@mozmail.com`, "id"),
        "mozmail.com adalah layanan email sekali pakai.",
      );
      // The exceptions lift the throwaway switch only: a blocked domain stays refused.
      await assertRefused(
        await attempt(`baru${++n}@addy.io`, "en"),
        "Addresses at addy.io cannot sign up for Toko.",
      );
    });
  }
  await setSignUp(project, null);
});

Deno.test("sign-up rules — the project's own Platform API import is not a sign-up", async () => {
  await setSignUp(project, {
    mode: "closed",
    allowed_domains: ["toko.example"],
    block_disposable_domains: true,
    block_subaddresses: true,
  });
  const authorization = basic(project.clientId, project.secret);
  const imported = await t.app.request("/api/platform/users/import", {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify([{ email: "imported@elsewhere.example" }, { email: "imported+1@mailinator.com" }]),
  });
  assert.equal(imported.status, 200, await imported.clone().text());
  await imported.body?.cancel();
  const [row] = await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}
    and email_lower in ('imported@elsewhere.example', 'imported+1@mailinator.com')`;
  assert.equal(row.n, 2);
  await setSignUp(project, null);
});
