/**
 * Passkey ceremonies against bad input over HTTP (issue 20, "Bad input and attacks"), the parts the Chromium
 * test (tests/e2e/passkeys_test.ts) does not post: a registration with malformed JSON, malformed CBOR in its
 * attestation object, a wrong origin, a replayed or another project's challenge; a sign-in with malformed
 * base64 or binary authenticator data for a real credential. Each is a 4xx with the page's one message, an
 * audit entry with its reason (`ceremony: "register"` for a registration), and nothing stored or signed in.
 */
import assert from "node:assert/strict";
import { base64url } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { HostedBrowser } from "../helpers/form_browser.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko Kunci", settings: { passkeys: true } });
const other = await seedProject(t.db.sql, { name: "Toko Lain", settings: { passkeys: true } });
type Seeded = typeof project;
const requestOf = (p: Seeded) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri }).toString();
const text = (value: string) => base64url.encode(new TextEncoder().encode(value));

/** One browser at one project: its cookies, and the CSRF token of the last hosted page it read. */
const browser = (p: Seeded) => new HostedBrowser(t, requestOf(p));

/** A person who just signed up with a password (a recent sign-in), on their /auth/passkeys page. */
async function signedUp(p: Seeded, email: string) {
  const b = browser(p);
  await b.read(`/auth/signup?${requestOf(p)}`);
  const res = await b.send("/auth/signup?lang=en", { email, password: "correct horse" });
  assert.equal(res.status, 303, await res.text());
  await b.read(`/auth/passkeys?${requestOf(p)}&lang=en`);
  return b;
}

async function challengeFor(b: ReturnType<typeof browser>, purpose: "register" | "sign_in") {
  const res = await b.send("/auth/passkey/options", { purpose });
  assert.equal(res.status, 200);
  return (await res.json()).challenge as string;
}

/** A RegistrationResponseJSON as a browser posts it, saying what the test wants. */
function registration(
  { challenge, origin = t.origin, attestation }: {
    challenge: string;
    origin?: string;
    attestation: Uint8Array;
  },
) {
  const id = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  return JSON.stringify({
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    response: {
      clientDataJSON: text(
        JSON.stringify({ type: "webauthn.create", challenge, origin, crossOrigin: false }),
      ),
      attestationObject: base64url.encode(attestation),
      transports: ["internal"],
    },
  });
}

const refusals = async (p: Seeded) =>
  (await t.db.sql`select details from astapa.audit_log where project_id = ${p.id}
    and action = 'sign_in.passkey_refused' order by id`).map((r) => r.details);

Deno.test("passkey attacks — registrations: malformed JSON or CBOR, wrong origin, replayed or foreign challenge: 400, audited, nothing stored", async () => {
  const b = await signedUp(project, "tari@example.com");
  const add = async (credential: string) => {
    const res = await b.send("/auth/passkeys?lang=en", { action: "add", name: "Laptop", credential });
    const html = await res.text();
    assert.equal(res.status, 400, html.slice(0, 200));
    assert.match(html, /The passkey was not added/);
  };
  // CBOR that ends mid-item (a map of one entry, then nothing), and bytes that are no CBOR at all.
  const truncated = Uint8Array.of(0xa1, 0x63, 0x66, 0x6d);
  const garbage = Uint8Array.of(0xff, 0xff, 0x00, 0x1c, 0x5f);
  const before = (await refusals(project)).length;

  await add("{not json");
  await add(JSON.stringify({ id: "x", response: 1 }));
  await add(registration({ challenge: await challengeFor(b, "register"), attestation: truncated }));
  await add(registration({ challenge: await challengeFor(b, "register"), attestation: garbage }));
  await add(registration({
    challenge: await challengeFor(b, "register"),
    origin: "https://astapa.test.evil.example",
    attestation: garbage,
  }));
  const replayed = await challengeFor(b, "register");
  await add(registration({ challenge: replayed, attestation: truncated }));
  await add(registration({ challenge: replayed, attestation: truncated }));
  const elsewhere = await signedUp(other, "tari@example.com");
  await add(registration({ challenge: await challengeFor(elsewhere, "register"), attestation: truncated }));
  // A sign-in challenge of this project does not register either.
  await add(registration({ challenge: await challengeFor(b, "sign_in"), attestation: truncated }));

  const audited = (await refusals(project)).slice(before);
  assert.deepEqual(audited.map((d) => String(d.reason).split(":")[0]), [
    "malformed",
    "malformed",
    "not_verified",
    "not_verified",
    "not_verified",
    "not_verified",
    "challenge_not_open",
    "challenge_not_open",
    "challenge_not_open",
  ]);
  assert.ok(audited.every((d) => d.ceremony === "register" && typeof d.address === "string"));
  assert.match(String(audited[4].reason), /origin/i, "the wrong origin is named");
  const [stored] = await t.db.sql`select count(*)::int as n from astapa.passkeys`;
  assert.equal(stored.n, 0);
  const statuses = t.logs.map((line) => Number(line.status)).filter((status) => status > 0);
  assert.ok(statuses.includes(400) && statuses.every((status) => status < 500), "no 5xx");
});

Deno.test("passkey attacks — sign-ins: malformed base64 or binary data for a real credential: 400, audited, nobody signed in", async () => {
  const user = await seedUser(t.db.sql, project.id, "rani@example.com");
  const credentialId = crypto.getRandomValues(new Uint8Array(16));
  const cose = Uint8Array.of(1, 2, 3); // no key at all: nothing verifies against it
  await t.db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, sign_count,
    transports, device_type, backed_up, name)
    values (${project.id}, ${credentialId}, ${user}, ${cose}, 0, '{internal}', 'singleDevice', false, 'Laptop')`;
  const b = browser(project);
  await b.read(`/auth/login?${requestOf(project)}&lang=en`);
  const id = base64url.encode(credentialId);
  const assertion = async (authenticatorData: Uint8Array, signature: Uint8Array, credential = id) =>
    JSON.stringify({
      id: credential,
      rawId: credential,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: text(JSON.stringify({
          type: "webauthn.get",
          challenge: await challengeFor(b, "sign_in"),
          origin: t.origin,
        })),
        authenticatorData: base64url.encode(authenticatorData),
        signature: base64url.encode(signature),
        userHandle: text(user),
      },
    });
  const signIn = async (credential: string) => {
    const res = await b.send("/auth/passkey?lang=en", { credential });
    const html = await res.text();
    assert.equal(res.status, 400, html.slice(0, 200));
    assert.match(html, /That passkey did not work here/);
    assert.doesNotMatch(res.headers.get("set-cookie") ?? "", /astapa_session/);
  };
  const before = (await refusals(project)).length;
  await signIn(await assertion(Uint8Array.of(1, 2, 3), Uint8Array.of(0x30, 0x02)));
  await signIn(await assertion(new Uint8Array(37), new Uint8Array(72)));
  await signIn(await assertion(new Uint8Array(37), new Uint8Array(72), "not base64url!!!"));
  await signIn(JSON.stringify({ id, rawId: id, type: "public-key", response: { clientDataJSON: "@@" } }));
  const audited = (await refusals(project)).slice(before);
  assert.deepEqual(audited.map((d) => String(d.reason).split(":")[0]), [
    "not_verified",
    "not_verified",
    "malformed",
    "malformed",
  ]);
  const [sessions] = await t.db.sql`select count(*)::int as n from astapa.login_sessions
    where project_id = ${project.id} and user_id = ${user}`;
  assert.equal(sessions.n, 0);
  const statuses = t.logs.map((line) => Number(line.status)).filter((status) => status > 0);
  assert.ok(statuses.includes(400) && statuses.every((status) => status < 500), "no 5xx");
});
