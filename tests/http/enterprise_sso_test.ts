/**
 * Enterprise SSO (docs/enterprise-sso.md) against a local OpenID Provider (the Google fake under its own issuer):
 * configuring a connection through the Platform API (secret write-only, issuer checked through the SSRF guard),
 * then the hosted login routing a verified domain's people to their organization's IdP and back with the
 * organization in the token — and every refusal: a wrong domain, a forged state or nonce, a disabled connection,
 * a password at an SSO domain, the IdP down.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import {} from "../helpers/oauth.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { startFakeGoogle } from "../fakes/google.ts";

const idp = await startFakeGoogle({ clientId: "astapa-at-acme", clientSecret: "acme-idp-secret-0123456789" });
const t = await testApp();
const local = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
t.deps.clientMetadataFetch = local;
Deno.test.afterAll(async () => {
  await t.close();
  await idp.close();
});
const project = await seedProject(t.db.sql, { name: "Kantor" });
const other = await seedProject(t.db.sql, { name: "Other" });
const html = { accept: "text/html" };

const api = platformApi(t, project);

const org = (await api("POST", "/organizations", { name: "Acme", slug: "acme" })).body.id as string;
assert.equal((await api("POST", "/organizations/acme/domains", { domain: "acme.test" })).status, 201);
assert.equal((await api("PUT", "/organizations/acme/domains/acme.test")).status, 200);
const connection = {
  issuer: idp.issuer,
  idp_client_id: idp.clientId,
  idp_client_secret: idp.clientSecret,
};

/** The sign-in form posted with `email` (and `password`), as a browser does; the raw answer. */
async function postSignIn(email: string, password = "", lang = "en") {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "app",
  });
  const form = await t.app.request(`/auth/login?${query}`, { headers: html });
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const body = new URLSearchParams({
    request: query.toString(),
    csrf: csrfOf(await form.text()),
    email,
    password,
  });
  const post = (path: string) =>
    t.app.request(path, {
      method: "POST",
      headers: { ...html, "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body,
    });
  return { res: await post(`/auth/login?lang=${lang}`), post };
}

type Started = { cookie: string; authorize: URL };

/** Email at an SSO domain, no password: the login page hands over to /auth/sso, which sends the browser to the IdP. */
async function startSso(email: string, lang = "en"): Promise<Started> {
  const { res, post } = await postSignIn(email, "", lang);
  assert.equal(res.status, 307, await res.text());
  const started = await post(res.headers.get("location")!);
  assert.equal(started.status, 303, await started.text());
  const cookie = started.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { cookie, authorize: new URL(started.headers.get("location")!) };
}

/** The IdP approves and redirects back; the browser follows to Astapa's callback. */
async function finish(started: Started, authorize = started.authorize) {
  const upstream = await fetch(authorize, { redirect: "manual" });
  await upstream.body?.cancel();
  const back = new URL(upstream.headers.get("location")!);
  return await t.app.request(back.pathname + back.search, { headers: { ...html, cookie: started.cookie } });
}

async function appClaims(res: Response) {
  assert.equal(res.status, 303, await res.clone().text());
  const location = new URL(res.headers.get("location")!);
  assert.equal(location.origin + location.pathname, project.redirectUri);
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: location.searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
  return claimsOf(tokens.body.access_token);
}

Deno.test("enterprise SSO — configure: the secret is write-only, another project sees nothing", async () => {
  assert.equal((await api("GET", "/organizations/acme/sso-connection")).status, 404);
  const noSecret = await api("PUT", "/organizations/acme/sso-connection", {
    issuer: idp.issuer,
    idp_client_id: "x",
  });
  assert.equal(noSecret.status, 400);
  assert.match(noSecret.body.error_description, /needs its client_secret/);
  const put = await api("PUT", "/organizations/acme/sso-connection", connection);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(
    [put.body.organization_id, put.body.issuer, put.body.idp_client_id, put.body.enabled, put.body.domains],
    [org, idp.issuer, idp.clientId, true, ["acme.test"]],
  );
  const read = await api("GET", `/organizations/${org}/sso-connection`);
  for (const answer of [put, read]) assert.ok(!answer.text.includes(idp.clientSecret), "never the secret");
  assert.equal(read.body.idp_client_secret_set, true);
  const [row] = await t.db
    .sql`select client_secret_sealed from astapa.sso_connections where organization_id = ${org}`;
  assert.ok(!row.client_secret_sealed.includes(idp.clientSecret));
  // Kept when left out; another project's client finds no such organization, and changes nothing.
  const kept = await api("PUT", "/organizations/acme/sso-connection", {
    ...connection,
    idp_client_secret: undefined,
  });
  assert.equal(kept.status, 200, kept.text);
  assert.equal((await api("GET", "/organizations/acme/sso-connection", undefined, other)).status, 404);
  assert.equal((await api("PUT", "/organizations/acme/sso-connection", connection, other)).status, 404);
  assert.equal((await api("DELETE", "/organizations/acme/sso-connection", undefined, other)).status, 404);
  assert.equal((await api("GET", "/organizations/acme/sso-connection")).status, 200);
  const [audit] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action in ('sso_connection.created', 'sso_connection.updated')`;
  assert.equal(audit.n, 2);
});

Deno.test("enterprise SSO — a bad issuer is a 400 at save: internal address, not https, no discovery", async () => {
  t.deps.clientMetadataFetch = { ...local, allowPrivate: false };
  try {
    const internal = await api("PUT", "/organizations/acme/sso-connection", connection);
    assert.equal(internal.status, 400);
    assert.match(
      internal.body.fields.issuer[0],
      /^the issuer cannot be fetched: \S+ is an internal address$/,
    );
    assert.match(internal.body.error_description, /internal address\.$/, "one full stop, not two");
  } finally {
    t.deps.clientMetadataFetch = local;
  }
  t.deps.clientMetadataFetch = { ...local, allowHttp: false };
  try {
    const http = await api("PUT", "/organizations/acme/sso-connection", connection);
    assert.equal(http.status, 400);
    assert.match(http.body.fields.issuer[0], /https/);
  } finally {
    t.deps.clientMetadataFetch = local;
  }
  const wrong = await api("PUT", "/organizations/acme/sso-connection", {
    ...connection,
    issuer: `${idp.issuer}/nope`,
  });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.fields.issuer[0], /discovery document/);
  assert.equal((await api("GET", "/organizations/acme/sso-connection")).body.issuer, idp.issuer, "unchanged");
});

Deno.test("enterprise SSO — an address at the verified domain signs in at the IdP and gets the organization", async () => {
  idp.approveAs = { sub: "acme-dewi", email: "dewi@acme.test", email_verified: true };
  const started = await startSso("dewi@acme.test");
  assert.equal(started.authorize.origin, idp.issuer);
  const sent = started.authorize.searchParams;
  assert.equal(sent.get("redirect_uri"), `${t.origin}/auth/sso/callback`);
  assert.equal(sent.get("code_challenge_method"), "S256");
  assert.ok(sent.get("nonce") && sent.get("state"));
  const claims = await appClaims(await finish(started));
  assert.equal(claims.email, "dewi@acme.test");
  assert.equal(claims.org_id, org);
  assert.equal(claims.org_role, "member");
  assert.deepEqual(claims.amr, ["fed"]);
  // The second time finds the same person.
  assert.equal((await appClaims(await finish(await startSso("dewi@acme.test")))).sub, claims.sub);
});

Deno.test("enterprise SSO — an existing password account at the domain links by address; its password is refused", async () => {
  const existing = await seedUser(t.db.sql, project.id, "budi@acme.test", { verified: true });
  const refused = await postSignIn("budi@acme.test", "correct horse battery staple");
  assert.equal(refused.res.status, 403);
  assert.match(await refused.res.text(), /signs you in with its own identity provider/);
  const refusedId = await postSignIn("budi@acme.test", "correct horse battery staple", "id");
  assert.equal(refusedId.res.status, 403);
  assert.match(await refusedId.res.text(), /memasukkan Anda lewat penyedia identitasnya sendiri/);
  await t.db.sql`update astapa.users set name = 'Budi (his own)' where id = ${existing}`;
  idp.approveAs = {
    sub: "acme-budi",
    email: "Budi@acme.test",
    email_verified: true,
    name: "Budi Santoso",
    given_name: "Budi",
    family_name: "Santoso",
    // The rest of the profile scope, as an IdP may carry it (an unknown zone is dropped, the rest kept).
    extra: {
      nickname: "Bud",
      preferred_username: "budi.s",
      zoneinfo: "Asia/Nowhere",
      birthdate: "1988-08-08",
    },
  };
  assert.equal((await appClaims(await finish(await startSso("budi@acme.test")))).sub, existing);
  // The first link fills the profile's empty fields from the IdP's standard claims, never the name he set.
  const [profile] = await t.db
    .sql`select name, given_name, family_name from astapa.users where id = ${existing}`;
  assert.deepEqual(profile, { name: "Budi (his own)", given_name: "Budi", family_name: "Santoso" });
  const [more] = await t.db
    .sql`select nickname, preferred_username, zoneinfo, birthdate from astapa.users where id = ${existing}`;
  assert.deepEqual({ ...more }, {
    nickname: "Bud",
    preferred_username: "budi.s",
    zoneinfo: null,
    birthdate: "1988-08-08",
  });
});

Deno.test("enterprise SSO — the IdP vouching for an address at another domain is refused", async () => {
  const victim = await seedUser(t.db.sql, project.id, "victim@gmail.test", { verified: true });
  idp.approveAs = { sub: "acme-evil", email: "victim@gmail.test", email_verified: true };
  const res = await finish(await startSso("anyone@acme.test"));
  assert.equal(res.status, 403);
  assert.match(await res.text(), /outside its verified domains/);
  const [row] = await t.db.sql`select count(*)::int as n from astapa.organization_memberships
    where project_id = ${project.id} and user_id = ${victim}`;
  assert.equal(row.n, 0);
  idp.approveAs = { sub: "acme-unverified", email: "sari@acme.test", email_verified: false };
  const unverified = await finish(await startSso("sari@acme.test"));
  assert.equal(unverified.status, 403);
  assert.match(await unverified.text(), /has not verified your email address/);
});

Deno.test("enterprise SSO — a forged state or a wrong nonce is refused", async () => {
  idp.approveAs = { sub: "acme-dewi", email: "dewi@acme.test", email_verified: true };
  const started = await startSso("dewi@acme.test");
  const upstream = await fetch(started.authorize, { redirect: "manual" });
  const back = new URL(upstream.headers.get("location")!);
  back.searchParams.set("state", "forged");
  const forged = await t.app.request(back.pathname + back.search, {
    headers: { ...html, cookie: started.cookie },
  });
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /expired or was started in another browser/);
  const again = await startSso("dewi@acme.test");
  const tampered = new URL(again.authorize);
  tampered.searchParams.set("nonce", "not-the-one-astapa-sent");
  const badNonce = await finish(again, tampered);
  assert.equal(badNonce.status, 400);
  assert.match(await badNonce.text(), /could not confirm who you are/);
});

Deno.test("enterprise SSO — the IdP answering 5xx is a 502 naming the organization's sign-in", async () => {
  idp.approveAs = { sub: "acme-dewi", email: "dewi@acme.test", email_verified: true };
  const started = await startSso("dewi@acme.test");
  idp.answerOnce.set("/token", new Response("upstream broke", { status: 503 }));
  const res = await finish(started);
  assert.equal(res.status, 502);
  assert.match(await res.text(), /The sign-in of Acme is not answering right now/);
  // In Indonesian when the sign-in was started in Indonesian.
  const startedId = await startSso("dewi@acme.test", "id");
  idp.answerOnce.set("/token", new Response("<html>bad gateway</html>", { status: 502 }));
  const id = await finish(startedId);
  assert.equal(id.status, 502);
  assert.match(await id.text(), /Layanan masuk Acme sedang tidak merespons/);
});

Deno.test("enterprise SSO — mapped claims and groups: the address and names under the mapped claims, the role follows the groups", async () => {
  const roleInDb = async (email: string) =>
    (await t.db.sql`select m.role from astapa.organization_memberships m join astapa.users u
      on u.project_id = m.project_id and u.id = m.user_id where m.organization_id = ${org} and u.email = ${email}`)[
      0
    ]
      ?.role;
  // No group roles (as every connection before): groups are not read, however many arrive.
  const many = Array.from({ length: 500 }, (_, i) => `group-${i}`);
  idp.approveAs = {
    sub: "acme-gita",
    email: "gita@acme.test",
    email_verified: true,
    extra: { groups: many },
  };
  assert.equal((await appClaims(await finish(await startSso("gita@acme.test")))).org_role, "member");
  const keep = { ...connection, idp_client_secret: undefined };
  // The IdP's email_verified speaks of its email claim only: an organization that reads the address from another
  // claim vouches for that claim itself (email_verified_required off; the next test shows why).
  const mapped = await api("PUT", "/organizations/acme/sso-connection", {
    ...keep,
    email_verified_required: false,
    attribute_mapping: { email: "mail", given_name: "first_name", groups: "roles" },
    group_roles: { "Acme Engineering": "admin", "grp-0001": "member" },
  });
  assert.equal(mapped.status, 200, mapped.text);
  try {
    const read = await api("GET", "/organizations/acme/sso-connection");
    assert.deepEqual([read.body.attribute_mapping, read.body.group_roles], [
      { email: "mail", given_name: "first_name", groups: "roles" },
      { "Acme Engineering": "admin", "grp-0001": "member" },
    ]);
    const owner = await api("PUT", "/organizations/acme/sso-connection", {
      ...keep,
      group_roles: { Boss: "owner" },
    });
    assert.equal(owner.status, 400);
    assert.match(owner.body.error_description, /owner is not mapped/);
    const control = await api("PUT", "/organizations/acme/sso-connection", {
      ...keep,
      attribute_mapping: { email: "ma\nil" },
    });
    assert.equal(control.status, 400);
    assert.ok(control.body.fields["attribute_mapping.email"], control.text);
    // A first sign-in: the address is the mapped claim's (not the email claim), the given name too; non-strings
    // and values longer than any group are dropped.
    idp.approveAs = {
      sub: "acme-hana",
      email: "someone-else@acme.test",
      email_verified: true,
      extra: { mail: "hana@acme.test", first_name: "Hana", roles: ["Acme Engineering", 7, "x".repeat(300)] },
    };
    const promoted = await appClaims(await finish(await startSso("hana@acme.test")));
    assert.deepEqual([promoted.email, promoted.org_id, promoted.org_role], ["hana@acme.test", org, "admin"]);
    const [named] = await t.db.sql`select given_name from astapa.users where email = 'hana@acme.test'`;
    assert.equal(named.given_name, "Hana");
    // The next sign-in's groups give the next token's role: demoted.
    idp.approveAs = { ...idp.approveAs, extra: { mail: "hana@acme.test", roles: "grp-0001" } };
    assert.equal((await appClaims(await finish(await startSso("hana@acme.test")))).org_role, "member");
    // Too many groups: the SSO refusal page, nothing changed.
    idp.approveAs = {
      ...idp.approveAs,
      extra: { mail: "hana@acme.test", roles: ["Acme Engineering", ...many] },
    };
    const refused = await finish(await startSso("hana@acme.test"));
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /sent more groups for you than this app accepts/);
    assert.equal(await roleInDb("hana@acme.test"), "member");
  } finally {
    await api("PUT", "/organizations/acme/sso-connection", {
      ...keep,
      email_verified_required: true,
      attribute_mapping: {},
      group_roles: {},
    });
  }
});

Deno.test("enterprise SSO — a mapped address is verified only when it is the ID token's verified email: a person's own claim naming a colleague's address signs nobody in as the colleague", async () => {
  const colleague = await seedUser(t.db.sql, project.id, "ceo@acme.test", { verified: true });
  const keep = { ...connection, idp_client_secret: undefined };
  const mapped = await api("PUT", "/organizations/acme/sso-connection", {
    ...keep,
    attribute_mapping: { email: "secondary_email" },
  });
  assert.equal(mapped.status, 200, mapped.text);
  try {
    // The IdP verified Mallory's own address; the mapped claim is one she may edit at the IdP.
    idp.approveAs = {
      sub: "acme-mallory",
      email: "mallory@acme.test",
      email_verified: true,
      extra: { secondary_email: "ceo@acme.test" },
    };
    const refused = await finish(await startSso("mallory@acme.test"));
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /has not verified your email address/);
    const [links] = await t.db.sql`select count(*)::int as n from astapa.sso_identities
      where project_id = ${project.id} and user_id = ${colleague}`;
    assert.equal(links.n, 0, "the colleague's account is not linked to Mallory's IdP subject");
    // The mapped claim holding the verified address (in another case) is verified.
    idp.approveAs = {
      sub: "acme-rudi",
      email: "rudi@acme.test",
      email_verified: true,
      extra: { secondary_email: "Rudi@acme.test" },
    };
    assert.equal((await appClaims(await finish(await startSso("rudi@acme.test")))).email, "Rudi@acme.test");
  } finally {
    await api("PUT", "/organizations/acme/sso-connection", { ...keep, attribute_mapping: {} });
  }
});

Deno.test("enterprise SSO — a disabled connection falls back to the normal sign-in", async () => {
  const disabled = await api("PUT", "/organizations/acme/sso-connection", { ...connection, enabled: false });
  assert.equal(disabled.body.enabled, false);
  try {
    const hash = await hashPassword("rina-password-123");
    await asApp(
      t.db.sql,
      project.id,
      (tx) => tx`select api.create_user(${project.id}, 'rina@acme.test', ${hash}, true)`,
    );
    const { res } = await postSignIn("rina@acme.test", "rina-password-123");
    assert.equal(res.status, 303, "the password signs in again");
    const blank = await postSignIn("rina@acme.test");
    assert.notEqual(blank.res.status, 307, "no hand-over to SSO");
  } finally {
    await api("PUT", "/organizations/acme/sso-connection", { ...connection, enabled: true });
  }
});

Deno.test("enterprise SSO — deleting the connection: GET 404, audited", async () => {
  assert.equal((await api("DELETE", "/organizations/acme/sso-connection")).status, 204);
  assert.equal((await api("GET", "/organizations/acme/sso-connection")).status, 404);
  assert.equal((await api("DELETE", "/organizations/acme/sso-connection")).status, 404);
});
