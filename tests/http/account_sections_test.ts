/**
 * /account's later sections through the real app: passkeys (listed, linked to /auth/passkeys when the project
 * offers them), organizations (listed with the role; leaving, never as the last owner; an automatic-membership
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
