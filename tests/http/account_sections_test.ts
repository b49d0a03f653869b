/**
 * /account's later sections through the real app: sign-in methods (a code by email or phone listed read-only, a
 * way in that lets the last identity go), passkeys (listed, linked to /auth/passkeys when the project offers them), organizations (listed with the role; leaving, never as the last owner; an automatic-membership
 * organization does not take back someone who left) and connected apps and agents (remembered consents
 * revocable with their refresh tokens, one entry per client).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const CSRF = randomSecret();

/** A browser signed in as a new user of `project`: GET and form POST with its cookies, and the user's id. */
async function browser(project: { id: string; clientId: string }, email: string) {
  const user = await seedUser(t.db.sql, project.id, email, { verified: true });
  const token = randomSecret();
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)})`,
  );
  const cookie = `astapa_session_${project.id}=${token}; astapa_csrf=${CSRF}`;
  const query = `client_id=${project.clientId}`;
  const get = async (path = `/account?${query}`) => {
    const res = await t.app.request(path, { headers: { cookie } });
    assert.equal(res.status, 200);
    return await res.text();
  };
  const post = (fields: Record<string, string>) =>
    t.app.request("/account", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: query, csrf: CSRF, ...fields }),
    });
  return { user, get, post };
}

Deno.test("account sections — passkeys listed with name and last use; the link only where passkeys are on", async () => {
  const off = await seedProject(t.db.sql, { name: "Tanpa Passkey" });
  const without = await browser(off, "no-passkeys@example.com");
  assert.doesNotMatch(await without.get(), /id="passkeys"/);
  const on = await seedProject(t.db.sql, { name: "Dengan Passkey", settings: { passkeys: true } });
  const b = await browser(on, "passkeys@example.com");
  assert.match(await b.get(), /No passkeys yet\./);
  await t.db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
                   backed_up, name, last_used_at)
                 values (${on.id}, ${new Uint8Array(16).fill(3)}, ${b.user}, '\\x00', 'multiDevice', true,
                         'Ponsel <Ayu>', '2026-01-02T03:04:05Z')`;
  const page = await b.get(`/account?client_id=${on.clientId}&lang=id`);
  assert.match(page, /Ponsel &lt;Ayu><\/strong> \(tersinkron\)/);
  assert.match(page, /terakhir dipakai 2 Jan 2026/);
  const link = page.match(/href="(\/auth\/passkeys\?[^"]+)"/)?.[1].replaceAll("&amp;", "&");
  assert.ok(link, "a link to the hosted passkeys page");
  const params = new URL(link, "http://x").searchParams;
  assert.equal(params.get("client_id"), on.clientId);
  assert.equal(params.get("redirect_uri"), `${t.origin}/account/callback`);
});

Deno.test("account sections — a code by email or to the phone is listed, read-only; with it the last Google identity may go", async () => {
  const coded = await seedProject(t.db.sql, { name: "Kode", settings: { email_codes: true } });
  const b = await browser(coded, "coded@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id)
                 values (${coded.id}, 'google', 'g-coded', ${b.user})`;
  const html = await b.get();
  const methods = html.slice(
    html.indexOf('id="methods-heading"'),
    html.indexOf("</ul>", html.indexOf('id="methods-heading"')),
  );
  assert.match(methods, /A code by email \(coded@example\.com\)/);
  assert.equal(methods.match(/name="provider"/g)?.length, 1, "only the Google identity has a Remove form");
  const unlinked = await b.post({ action: "unlink", provider: "google", subject: "g-coded" });
  assert.equal(unlinked.status, 303);
  assert.match(unlinked.headers.get("location")!, /done=unlinked/);
  assert.doesNotMatch(await b.get(), /value="g-coded"/);

  // Without email codes the identity is the person's only way in: refused, kept.
  const plain = await seedProject(t.db.sql, { name: "Biasa" });
  const p = await browser(plain, "plain@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id)
                 values (${plain.id}, 'google', 'g-plain', ${p.user})`;
  const plainPage = await p.get();
  assert.doesNotMatch(plainPage, /A code by email/);
  assert.doesNotMatch(plainPage, /value="g-plain"/, "no Remove form for what cannot go");
  assert.match(plainPage, /not offered by this app now/, "no Google app here: the identity signs no one in");
  // With the project's own Google app the identity works, and is the only way in: said, not offered to remove.
  await t.db.sql`update astapa.projects set settings = settings || ${
    t.db.sql.json({ social_login: { google: { client_id: "own-app", client_secret_sealed: "sealed" } } })
  } where id = ${plain.id}`;
  const ownApp = await p.get();
  assert.match(ownApp, /your only way to sign in: add another before removing it/);
  assert.doesNotMatch(ownApp, /value="g-plain"|not offered by this app now/);
  const refused = await p.post({ action: "unlink", provider: "google", subject: "g-plain" });
  assert.match(refused.headers.get("location")!, /problem=lastMethod/);
  const [{ n }] = await t.db.sql`select count(*)::int as n from astapa.identities where subject = 'g-plain'`;
  assert.equal(n, 1);
});

Deno.test("account sections — an Apple identity is listed by name, removable beside a password, and the mail names Apple", async () => {
  const sealed = "A".repeat(60);
  const project = await seedProject(t.db.sql, {
    name: "Apel",
    settings: {
      social_login: {
        apple: {
          client_id: "com.example.apel",
          team_id: "TEAM000001",
          key_id: "KEY0000001",
          private_key_sealed: sealed,
        },
      },
    },
  });
  const b = await browser(project, "apel@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
                 values (${project.id}, 'apple', '001.apple.apel', ${b.user}, 'x1@privaterelay.appleid.com')`;
  await t.db.sql`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'
                 where project_id = ${project.id} and id = ${b.user}`;
  const html = await b.get();
  assert.match(html, /Apple \(x1@privaterelay\.appleid\.com\)/);
  assert.match(html, /value="001\.apple\.apel"/, "a Remove form beside the password");
  // The project's own Apple key (private_key_sealed) offers Apple: astapa.social_provider_offered counts it.
  assert.doesNotMatch(html, /not offered by this app now/);
  const unlinked = await b.post({ action: "unlink", provider: "apple", subject: "001.apple.apel" });
  assert.equal(unlinked.status, 303);
  assert.match(unlinked.headers.get("location")!, /done=unlinked/);
  const [mail] = await t.db.sql`select subject, body_text from astapa.mail_outbox
                                where project_id = ${project.id} order by id desc limit 1`;
  assert.match(`${mail.subject} ${mail.body_text}`, /Apple/);
  const [{ n }] = await t.db
    .sql`select count(*)::int as n from astapa.identities where subject = '001.apple.apel'`;
  assert.equal(n, 0);
});

Deno.test("account sections — organizations with the role; leaving, and the last owner told why not", async () => {
  const project = await seedProject(t.db.sql, { name: "Koperasi" });
  const b = await browser(project, "member@example.com");
  const [owned, joined] = ["owned", "joined"].map((s) => `org_${s.padEnd(24, "x")}`);
  await t.db.sql`insert into astapa.organizations (project_id, id, name, slug)
                 values (${project.id}, ${owned}, 'Toko Ayu', 'toko-ayu'), (${project.id}, ${joined}, 'Pasar', 'pasar')`;
  await t.db.sql`insert into astapa.organization_memberships (project_id, organization_id, user_id, role)
                 values (${project.id}, ${owned}, ${b.user}, 'owner'), (${project.id}, ${joined}, ${b.user}, 'member')`;
  const page = await b.get();
  assert.match(page, /<strong>Pasar<\/strong> — Member/);
  assert.match(page, /<strong>Toko Ayu<\/strong> — Owner/);
  const refused = await b.post({ action: "leaveOrganization", organization: owned });
  assert.equal(refused.status, 303);
  assert.match(refused.headers.get("location")!, /problem=lastOwner/);
  assert.match(
    await b.get(`${refused.headers.get("location")!}&lang=id`.replace("lang=en&", "")),
    /Anda pemilik terakhir organisasi itu/,
  );
  const left = await b.post({ action: "leaveOrganization", organization: joined });
  assert.match(left.headers.get("location")!, /done=leftOrganization/);
  const after = await b.get(left.headers.get("location")!);
  assert.match(after, /You left the organization\./);
  assert.doesNotMatch(after, /Pasar/);
  const stranger = await b.post({
    action: "leaveOrganization",
    organization: `org_${"none".padEnd(24, "x")}`,
  });
  assert.equal(stranger.status, 404);
  await stranger.body?.cancel();
});

Deno.test("account sections — connected apps and agents: a client once, its consents withdrawn one by one", async () => {
  const project = await seedProject(t.db.sql, { name: "Agen" });
  const b = await browser(project, "agents@example.com");
  const url = "https://agent.example/client.json";
  await t.db.sql`insert into astapa.client_metadata_documents (client_id, document, redirect_uris, expires_at)
                 values (${url}, ${t.db.sql.json({ client_name: "Agen <Pintar>" })},
                         '{https://agent.example/callback}', now() + interval '1 hour')`;
  await t.db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
                   resource, expires_at)
                 values (${project.id}, ${new Uint8Array(32).fill(70)}, gen_random_uuid(), ${b.user}, ${url},
                         'mcp:read', 'https://mcp.example/', now() + interval '1 day')`;
  await t.db.sql`insert into astapa.consents (project_id, user_id, client_id, resource, scopes) values
    (${project.id}, ${b.user}, ${url}, 'https://mcp.example/', '{mcp:read}'),
    (${project.id}, ${b.user}, ${url}, 'https://docs.example/', '{docs:read}')`;
  const page = await b.get();
  assert.equal(page.match(/name="action" value="revokeApp"/g)?.length, 1, "the client is listed once");
  assert.match(page, /<strong>Agen &lt;Pintar><\/strong> \(from agent\.example\)/);
  assert.match(page, /You allowed https:\/\/mcp\.example\/: mcp:read/);
  assert.match(page, /You allowed https:\/\/docs\.example\/: docs:read/);
  const withdrawn = await b.post({ action: "revokeConsent", client: url, resource: "https://mcp.example/" });
  assert.match(withdrawn.headers.get("location")!, /done=consentRevoked/);
  const [token] = await t.db.sql`select revoked_reason from astapa.refresh_tokens
                                 where token_hash = ${new Uint8Array(32).fill(70)}`;
  assert.equal(token.revoked_reason, "consent_revoked");
  const after = await b.get(withdrawn.headers.get("location")!);
  assert.match(after, /That permission was withdrawn/);
  assert.doesNotMatch(after, /You allowed https:\/\/mcp\.example\//);
  const removed = await b.post({ action: "revokeApp", client: url });
  assert.match(removed.headers.get("location")!, /done=revoked/);
  assert.match(await b.get(), /No app or agent has access to your account\./);
  const again = await b.post({ action: "revokeConsent", client: url, resource: "https://docs.example/" });
  assert.equal(again.status, 404);
  await again.body?.cancel();
});
