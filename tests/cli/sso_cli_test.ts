/**
 * `astapa org sso|set-sso|remove-sso|rotate-sso-certificate|remove-previous-sso-certificate` as a DBA runs it (a
 * subprocess against this file's database).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";
import { signingKey, startFakeSamlIdp } from "../fakes/saml_idp.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const CLI = new URL("../../cli.ts", import.meta.url).pathname;
const MASTER_KEY = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

async function astapa(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    // The deployment's master key: a SAML connection's own key pair is sealed under it, as a client secret is.
    env: { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: MASTER_KEY, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return { code: output.code, stdout, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("cli org sso — show without the secret, a bad issuer refused at save, remove", async () => {
  const project = await seedProject(db.sql, { name: "Shop" });
  const p = ["--project", project.id, "--org", "acme"];
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.create_organization('Acme', 'acme', null)`;
    await tx`select api.add_organization_domain('acme', 'acme.example')`;
    await tx`select api.verify_organization_domain('acme', 'acme.example')`;
    await tx`select api.put_sso_connection('acme', 'https://idp.acme.example', 'astapa', 'c2VhbGVk', true, true)`;
  });
  const shown = await astapa(["org", "sso", ...p]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /issuer\s+https:\/\/idp\.acme\.example/);
  assert.match(shown.stdout, /domains\s+acme\.example/);
  assert.match(
    shown.stdout,
    /back-channel logout url\s+\S+\/auth\/sso\/oidc\/sso_[a-z2-7]{24}\/backchannel-logout/,
  );
  assert.doesNotMatch(shown.stdout, /c2VhbGVk/);
  const http = await astapa([
    "org",
    "set-sso",
    ...p,
    "--issuer",
    "http://idp.acme.example",
    "--idp-client-id",
    "x",
  ]);
  assert.notEqual(http.code, 0);
  assert.match(http.stderr, /issuer must be an https URL/);
  const internal = await astapa([
    "org",
    "set-sso",
    ...p,
    "--issuer",
    "https://127.0.0.1",
    "--idp-client-id",
    "x",
  ]);
  assert.notEqual(internal.code, 0);
  assert.match(internal.stderr, /internal address/);
  const flagged = await astapa([
    "org",
    "set-sso",
    ...p,
    "--issuer",
    "https://x",
    "--idp-client-id",
    "x",
    "--enabled",
    "maybe",
  ]);
  assert.equal(flagged.code, 2);
  assert.equal((await astapa(["org", "remove-sso", ...p])).code, 0);
  const gone = await astapa(["org", "sso", ...p]);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /has no SSO connection/);
});

Deno.test("cli org set-sso --protocol saml — from a metadata file; shows the SP URLs; an expired certificate is refused", async () => {
  const project = await seedProject(db.sql, { name: "Saml Shop" });
  await asApp(db.sql, project.id, (tx) => tx`select api.create_organization('Beta', 'beta', null)`);
  const idp = await startFakeSamlIdp();
  const dir = await Deno.makeTempDir();
  try {
    const p = ["--project", project.id, "--org", "beta", "--protocol", "saml"];
    await Deno.writeTextFile(`${dir}/idp.xml`, idp.metadata());
    const set = await astapa(["org", "set-sso", ...p, "--idp-metadata", `${dir}/idp.xml`]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /protocol\s+saml/);
    assert.match(set.stdout, /idp entity id\s+https:\/\/idp\.acme\.test\/saml/);
    assert.match(set.stdout, /acs url\s+\S+\/auth\/sso\/saml\/sso_[a-z2-7]{24}\/acs/);
    const expired = await signingKey("CN=Old", new Date("2020-01-01"), new Date("2021-01-01"));
    await Deno.writeTextFile(`${dir}/old.pem`, expired.certPem);
    const refused = await astapa([
      "org",
      "set-sso",
      ...p,
      "--idp-entity-id",
      idp.entityId,
      "--idp-sso-url",
      idp.ssoUrl,
      "--idp-certificate",
      `${dir}/old.pem`,
    ]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /expired on 2021-01-01/);
    const shown = await astapa(["org", "sso", "--project", project.id, "--org", "beta"]);
    assert.match(shown.stdout, /idp certificates\s+1/);
  } finally {
    await idp.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli org set-sso --protocol saml — encryption and signing switches; the certificate rolled and ended", async () => {
  const project = await seedProject(db.sql, { name: "Saml Keys" });
  await asApp(db.sql, project.id, (tx) => tx`select api.create_organization('Gamma', 'gamma', null)`);
  const idp = await startFakeSamlIdp();
  const dir = await Deno.makeTempDir();
  try {
    const p = ["--project", project.id, "--org", "gamma"];
    await Deno.writeTextFile(`${dir}/idp.xml`, idp.metadata());
    const set = await astapa([
      "org",
      "set-sso",
      ...p,
      "--protocol",
      "saml",
      "--idp-metadata",
      `${dir}/idp.xml`,
      "--want-assertions-encrypted",
      "true",
      "--sign-authn-requests",
      "true",
      "--idp-initiated",
      "true",
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /want assertions encrypted\s+true/);
    assert.match(set.stdout, /sign authn requests\s+true/);
    assert.match(set.stdout, /idp-initiated \(portal\) sign-in\s+true/);
    assert.match(set.stdout, /sp certificates\s+spk_[a-z2-7]{24} \(current\)$/m);
    const rotated = await astapa(["org", "rotate-sso-certificate", ...p]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /sp certificates\s+spk_\S+ \(current\) spk_\S+ \(previous\)/);
    const twice = await astapa(["org", "rotate-sso-certificate", ...p]);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /remove it first/);
    const ended = await astapa(["org", "remove-previous-sso-certificate", ...p]);
    assert.equal(ended.code, 0, ended.stderr);
    assert.doesNotMatch(ended.stdout, /previous/);
    for (const out of [set, rotated, ended]) {
      assert.doesNotMatch(out.stdout + out.stderr, /PRIVATE KEY|sealed/i);
    }
    // Single logout: the IdP's SLO URL set, then none.
    assert.match(set.stdout, /single logout url\s+- \(no single logout\)/);
    const slo = await astapa([
      "org",
      "set-sso",
      ...p,
      "--protocol",
      "saml",
      "--idp-slo-url",
      "https://idp.acme.test/slo",
    ]);
    assert.equal(slo.code, 0, slo.stderr);
    assert.match(slo.stdout, /single logout url\s+https:\/\/idp\.acme\.test\/slo/);
    const none = await astapa(["org", "set-sso", ...p, "--protocol", "saml", "--idp-slo-url", "none"]);
    assert.match(none.stdout, /single logout url\s+- \(no single logout\)/);
  } finally {
    await idp.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli org set-sso --attribute / --group-role — the mapping set, shown, kept, cleared; bad flags refused", async () => {
  const project = await seedProject(db.sql, { name: "Saml Groups" });
  await asApp(db.sql, project.id, (tx) => tx`select api.create_organization('Delta', 'delta', null)`);
  const p = ["--project", project.id, "--org", "delta", "--protocol", "saml"];
  const set = await astapa([
    "org",
    "set-sso",
    ...p,
    "--attribute",
    "email=mail",
    "--attribute",
    "groups=http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "--group-role",
    "Engineering=admin",
    // Split at the last "=": a group value may hold one, a role key never does.
    "--group-role",
    "cn=staff,dc=delta=member",
  ]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(
    set.stdout,
    /attribute mapping\s+email=mail groups=http:\/\/schemas\.microsoft\.com\/ws\/2008\/06\/identity\/claims\/groups/,
  );
  assert.match(set.stdout, /group roles\s+Engineering=admin cn=staff,dc=delta=member/);
  const kept = await astapa(["org", "set-sso", ...p, "--enabled", "false"]);
  assert.match(kept.stdout, /group roles\s+Engineering=admin/);
  const cleared = await astapa(["org", "set-sso", ...p, "--attribute", "none", "--group-role", "none"]);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /attribute mapping\s+- \(the well-known names\)/);
  assert.match(cleared.stdout, /group roles\s+- \(groups change no role\)/);
  const owner = await astapa(["org", "set-sso", ...p, "--group-role", "Boss=owner"]);
  assert.notEqual(owner.code, 0);
  assert.match(owner.stderr, /owner is not mapped/);
  const unknown = await astapa(["org", "set-sso", ...p, "--attribute", "phone=tel"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--attribute names email, given_name, family_name, groups/);
  const shapeless = await astapa(["org", "set-sso", ...p, "--group-role", "Engineering"]);
  assert.equal(shapeless.code, 2);
});
