/**
 * Adding or changing a phone number on /account through the real app (issue 27): the section and its form, a
 * code to the new number (sandbox: the message log) that counts only once typed back, wrong codes, a number
 * another account holds (told only after the code), CSRF and Origin, a fresh sign-in, a project without
 * phone codes, malformed numbers, and both languages.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listPhoneMessages } from "@/db/phone.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Warung HP", settings: { phone: { enabled: true } } });
const off = await seedProject(t.db.sql, { name: "Warung Email" });
// Phone sign-in off, the phone as second factor on: a person needs a verified number of their own for it.
const factorOnly = await seedProject(t.db.sql, {
  name: "Warung Dua Langkah",
  settings: { mfa: { policy: "optional", phone: true } },
});
const CSRF = randomSecret();

/** A browser signed in as a new user of the project, keeping the cookies the app sets. */
async function browser(email: string, p: SeededProject = project) {
  const user = await seedUser(t.db.sql, p.id, email, { verified: true });
  const token = randomSecret();
  await asApp(
    t.db.sql,
    p.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)})`,
  );
  const jar = new Map([[`astapa_session_${p.id}`, token], ["astapa_csrf", CSRF]]);
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const keep = (res: Response) => {
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  const get = async (path: string) => keep(await t.app.request(path, { headers: { cookie: cookie() } }));
  const post = async (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    keep(
      await t.app.request(path, {
        method: "POST",
        headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ request: `client_id=${p.clientId}`, csrf: CSRF, ...fields }),
      }),
    );
  return { user, token, get, post, jar };
}
/** The code the sandbox "sent" to a number: the newest message log line for it. */
async function sandboxCode(phone: string, p: SeededProject = project) {
  const logged = (await listPhoneMessages(t.db.sql, p.id)).find((m) => m.phone_number === phone)!;
  return /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
}
const storedPhone = async (user: string) =>
  (await t.db.sql`select phone_number, phone_number_verified from astapa.users where id = ${user}`)[0];

Deno.test("account phone — add a number: a code to it, counted only once typed back, shown on the page", async () => {
  const b = await browser("add.phone@example.com");
  const page = await (await b.get(`/account?client_id=${project.clientId}&lang=en`)).text();
  assert.match(page, /No phone number yet/);
  assert.match(page, /autocomplete="tel"/);
  const sent = await b.post("/account/phone?lang=en", { action: "start", phone: "0812 5555 0101" });
  assert.equal(sent.status, 303);
  assert.match(sent.headers.get("location")!, /^\/account\/phone\?client_id=/);
  assert.deepEqual({ ...(await storedPhone(b.user)) }, { phone_number: null, phone_number_verified: false });
  const codePage = await (await b.get(sent.headers.get("location")!)).text();
  assert.match(codePage, /Type the code we sent to \+62 •••• 0101 by WhatsApp/);
  assert.match(codePage, /autocomplete="one-time-code"/);
  const wrong = await b.post("/account/phone?lang=en", { action: "verify", code: "000000" });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /4 tries left/);
  const right = await b.post("/account/phone?lang=en", {
    action: "verify",
    code: await sandboxCode("+6281255550101"),
  });
  assert.equal(right.status, 303);
  assert.match(right.headers.get("location")!, /phone=phoneSaved#phone$/);
  assert.deepEqual({ ...(await storedPhone(b.user)) }, {
    phone_number: "+6281255550101",
    phone_number_verified: true,
  });
  const after = await (await b.get(right.headers.get("location")!)).text();
  assert.match(after, /Your phone number is saved/);
  assert.match(after, /Your number: \+6281255550101\./);
  assert.match(after, /Change number/);
  // The code is spent and its cookie cleared: the code page sends the person back with a message.
  const gone = await b.get(`/account/phone?client_id=${project.clientId}&lang=en`);
  assert.match(gone.headers.get("location")!, /phone=expired/);
});

Deno.test("account phone — with only the phone factor offered, a number is added here and then turned on as the second step", async () => {
  const b = await browser("factor.only@example.com", factorOnly);
  const page = await (await b.get(`/account?client_id=${factorOnly.clientId}&lang=en`)).text();
  assert.match(page, /No phone number yet/);
  assert.match(page, /autocomplete="tel"/, "the form to add a number, though phone sign-in is off");
  assert.doesNotMatch(
    page,
    /Use this number for two-step verification/,
    "the factor waits for a verified number",
  );
  const sent = await b.post("/account/phone?lang=en", { action: "start", phone: "0812 5555 0606" });
  assert.match(sent.headers.get("location")!, /^\/account\/phone\?client_id=/);
  const right = await b.post("/account/phone?lang=en", {
    action: "verify",
    code: await sandboxCode("+6281255550606", factorOnly),
  });
  assert.match(right.headers.get("location")!, /phone=phoneSaved#phone$/);
  assert.deepEqual({ ...(await storedPhone(b.user)) }, {
    phone_number: "+6281255550606",
    phone_number_verified: true,
  });
  const saved = await (await b.get(right.headers.get("location")!)).text();
  assert.match(saved, /Use this number for two-step verification/);
  const on = await b.post("/account/phone?lang=en", { action: "factor_on" });
  assert.match(on.headers.get("location")!, /phone=phoneFactorOn#phone$/);
  const [factor] = await t.db.sql`select kind from astapa.user_factors
    where project_id = ${factorOnly.id} and user_id = ${b.user} and confirmed_at is not null`;
  assert.equal(factor?.kind, "phone");
});

Deno.test("account phone — a number another account holds is refused, in English and Indonesian", async () => {
  const holder = await browser("holder.phone@example.com");
  await holder.post("/account/phone?lang=en", { action: "start", phone: "+62 812 5555 0202" });
  await holder.post("/account/phone?lang=en", {
    action: "verify",
    code: await sandboxCode("+6281255550202"),
  });
  const taker = await browser("taker.phone@example.com");
  await taker.post("/account/phone?lang=id", { action: "start", phone: "6281255550202" });
  const refused = await taker.post("/account/phone?lang=id", {
    action: "verify",
    code: await sandboxCode("+6281255550202"),
  });
  assert.match(refused.headers.get("location")!, /phone=phoneTaken/);
  assert.match(await (await taker.get(refused.headers.get("location")!)).text(), /milik akun lain/);
  const english = await taker.get(refused.headers.get("location")!.replace("lang=id", "lang=en"));
  assert.match(await english.text(), /belongs to another account of this app/);
  assert.equal((await storedPhone(taker.user)).phone_number, null);
  assert.equal((await storedPhone(holder.user)).phone_number, "+6281255550202");
});

Deno.test("account phone — bad numbers, stale or foreign forms, and a project without phone codes change nothing", async () => {
  const b = await browser("bad.phone@example.com");
  const before = (await listPhoneMessages(t.db.sql, project.id)).length;
  const invalid = await b.post("/account/phone?lang=en", { action: "start", phone: "12<script>" });
  assert.match(invalid.headers.get("location")!, /phone=invalidPhone/);
  assert.match(await (await b.get(invalid.headers.get("location")!)).text(), /Enter a valid phone number/);
  const premium = await b.post("/account/phone?lang=en", { action: "start", phone: "0809 1234 5678" });
  assert.match(premium.headers.get("location")!, /phone=(notMobile|invalidPhone)/);
  // Stale or foreign: the account page again, saying so (403), as a reload would show it.
  const stale = await b.post("/account/phone?lang=en", { action: "start", phone: "081255550303", csrf: "x" });
  assert.equal(stale.status, 403);
  assert.match(await stale.text(), /This form expired/);
  const foreign = await b.post("/account/phone?lang=en", { action: "start", phone: "081255550303" }, {
    origin: "https://evil.example",
  });
  assert.equal(foreign.status, 403);
  assert.match(await foreign.text(), /This form expired/);
  const oversized = await b.post("/account/phone?lang=en", { action: "start", phone: "1".repeat(200) });
  assert.equal(oversized.status, 400);
  await oversized.body?.cancel();
  assert.equal((await listPhoneMessages(t.db.sql, project.id)).length, before);

  const elsewhere = await browser("off.phone@example.com", off);
  const page = await (await elsewhere.get(`/account?client_id=${off.clientId}&lang=en`)).text();
  assert.match(page, /No phone number yet/);
  assert.doesNotMatch(page, /action="\/account\/phone/);
  const refused = await elsewhere.post("/account/phone?lang=en", { action: "start", phone: "081255550303" });
  assert.match(refused.headers.get("location")!, /phone=unavailable/);
});

Deno.test("account phone — the phone factor with the MFA policy off offers no number: no form, and a forged start is unavailable", async () => {
  const policyOff = await seedProject(t.db.sql, {
    name: "Warung Tanpa Langkah",
    settings: { mfa: { policy: "off", phone: true } },
  });
  const b = await browser("policy.off.phone@example.com", policyOff);
  const page = await (await b.get(`/account?client_id=${policyOff.clientId}&lang=en`)).text();
  assert.doesNotMatch(page, /action="\/account\/phone/);
  const refused = await b.post("/account/phone?lang=en", { action: "start", phone: "081255550505" });
  assert.match(refused.headers.get("location")!, /phone=unavailable/);
  assert.equal((await listPhoneMessages(t.db.sql, policyOff.id)).length, 0);
});

Deno.test("account phone — a session older than 10 minutes signs in again first; no session goes to sign-in", async () => {
  const b = await browser("fresh.phone@example.com");
  await t.db.sql`update astapa.login_sessions set created_at = now() - interval '11 minutes'
                 where token_hash = ${await sha256(b.token)}`;
  const res = await b.post("/account/phone?lang=en", { action: "start", phone: "081255550404" });
  const location = new URL(res.headers.get("location")!, "http://x");
  assert.equal(location.pathname, "/auth/login");
  assert.equal(location.searchParams.get("prompt"), "login");
  assert.equal(
    (await t.db.sql`select count(*)::int as n from astapa.phone_codes where phone_number = '+6281255550404'`)[
      0
    ].n,
    0,
  );
  const anonymous = await t.app.request(`/account/phone?client_id=${project.clientId}`);
  assert.equal(new URL(anonymous.headers.get("location")!, "http://x").pathname, "/auth/login");
});
