/**
 * Refusals of the Organizations page's SSO and SCIM forms and of the project mode toggle on an Indonesian
 * dashboard page: the database's message (the SSO connection, mapping, SCIM and api.update_project functions) and
 * the forms' own (the issuer and SAML metadata checks, a group roles line, the typed project name) in the
 * dashboard's Indonesian (lib/dashboard/text/sso_refusals.ts), after the error code's; an English page keeps the
 * English. And every message those functions and checks give has an Indonesian wording, so a changed message fails
 * here instead of falling back to English; a settings schema's own message beside a field too.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { assertWorded, type RefusalCase, testRefusals } from "../helpers/indonesian_refusals.ts";
import { addDeveloperTo, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { signingKey } from "../fakes/saml_idp.ts";
import { fieldMessages } from "@/lib/dashboard/field_text.ts";
import { OrganizationSsoForm, ssoMappingOfForm } from "@/lib/dashboard/organizations_page.ts";
import { issuerProblem } from "@/lib/login/sso/guarded_fetch.ts";
import { MAX_METADATA_CHARS, readIdpMetadata } from "@/lib/login/sso/saml_metadata.ts";
import { BotProtectionChange } from "@/lib/login/bot_protection_settings.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { asApp, type Tx } from "@/db/client.ts";

const idp = await startFakeGoogle({ clientId: "astapa", clientSecret: "kedai-idp-secret-42" });
const t = await testApp();
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };

/** An OpenID Provider's discovery answers for the issuer checks: one without jwks_uri, one that is no JSON. */
const provider = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
  const { pathname, origin } = new URL(request.url);
  if (pathname === "/no-jwks/.well-known/openid-configuration") {
    return Response.json({
      issuer: `${origin}/no-jwks`,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
    });
  }
  if (pathname === "/garbage/.well-known/openid-configuration") return new Response("not json");
  return new Response("no", { status: 404 });
});
const providerOrigin = `http://127.0.0.1:${provider.addr.port}`;

Deno.test.afterAll(async () => {
  await t.close();
  await idp.close();
  await provider.shutdown();
});

const owner = await signInDeveloper(t, "pemilik@kedai.example");
const project = await seedProject(t.db.sql, { name: "Kedai Ayu", redirectUri: "https://kedai.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
const base = `/dashboard/projects/${project.id}`;
const spKey = (n: number) => `spk_${String(n).repeat(24)}`;
await asApp(t.db.sql, project.id, async (tx) => {
  await tx`select api.create_organization('Tim Ayu', 'tim-ayu', null)`;
  await tx`select api.create_organization('Tim OIDC', 'tim-oidc', null)`;
  await tx`select api.put_sso_connection('tim-oidc', 'https://idp.kedai.example', 'astapa', 'c2VhbGVk', true, true)`;
  await tx`select api.create_organization('Tim SAML', 'tim-saml', null)`;
  await tx`select api.put_saml_sso_connection('tim-saml', null, null, null)`;
  // A rolled certificate: the previous one is kept until it is removed.
  await tx`select api.rotate_saml_sp_key('tim-saml', ${spKey(2)}, 'AAAA', 'c2VhbGVk')`;
  await tx`select api.rotate_saml_sp_key('tim-saml', ${spKey(3)}, 'AAAA', 'c2VhbGVk')`;
  await tx`select api.create_organization('Tim SCIM', 'tim-scim', null)`;
  await tx`select api.enable_scim_directory('tim-scim', ${new Uint8Array(32)})`;
});

const refused = "Beberapa isian kosong atau tidak valid.";
const missing = "Tidak ada apa pun di alamat ini.";
const conflicting = "Permintaan ini bertentangan dengan keadaan saat ini.";
const sso = `${base}/organizations/sso`;
const scim = `${base}/organizations/scim`;

const CASES: RefusalCase[] = [
  {
    name: "an issuer that is not https (the SSO form's own)",
    path: sso,
    fields: {
      organization: "tim-ayu",
      action: "save",
      issuer: "ftp://idp.kedai.example",
      idp_client_id: "a",
    },
    id: `${refused} Issuer: issuer harus berupa URL https.`,
    en: "The issuer: issuer must be an https URL.",
  },
  {
    name: "a new OpenID Connect connection without its secret (api.put_sso_connection)",
    path: sso,
    fields: { organization: "tim-ayu", action: "save", issuer: idp.issuer, idp_client_id: "astapa" },
    id: `${refused} Koneksi baru memerlukan client_secret-nya.`,
    en: "A new connection needs its client_secret.",
  },
  {
    name: "SAML metadata that describes no identity provider (the SSO form's own)",
    path: sso,
    fields: { organization: "tim-ayu", action: "save_saml", idp_metadata_xml: "<x/>" },
    id: `${refused} Metadata SAML: metadatanya harus menjelaskan tepat satu penyedia identitas ` +
      "(sebuah md:IDPSSODescriptor).",
    en:
      "The SAML metadata: the metadata must describe exactly one identity provider (an md:IDPSSODescriptor).",
  },
  {
    name: "a group roles line without = (the SSO form's own)",
    path: sso,
    fields: { organization: "tim-oidc", action: "save_mapping", group_roles: "Engineering" },
    id: `${refused} Peran grup: "Engineering" bukan GROUP=ROLE.`,
    en: 'Group roles: "Engineering" is not GROUP=ROLE.',
  },
  {
    name: "a group mapped to owner (astapa.set_sso_mapping)",
    path: sso,
    fields: { organization: "tim-oidc", action: "save_mapping", group_roles: "Boss=owner" },
    id:
      `${refused} owner tidak dipetakan ke grup: IdP tidak menjadikan orang owner dan tidak menurunkan owner ` +
      "(alihkan kepemilikannya saja).",
    en:
      "owner is not mapped to a group: an IdP neither makes owners nor demotes them (transfer the ownership " +
      "instead).",
  },
  {
    name: "a certificate rolled on an OpenID Connect connection (api.rotate_saml_sp_key)",
    path: sso,
    fields: { organization: "tim-oidc", action: "rotate_sp_certificate" },
    id: `${missing} Organisasi tim-oidc tidak punya koneksi SSO SAML di proyek ini.`,
    en: "Organization tim-oidc has no SAML SSO connection in this project.",
  },
  {
    name: "a certificate rolled while the previous one is kept (api.rotate_saml_sp_key)",
    path: sso,
    fields: { organization: "tim-saml", action: "rotate_sp_certificate" },
    id:
      `${conflicting} Koneksi ini masih menyimpan sertifikat service provider sebelumnya: hapus sertifikat ` +
      "itu dulu.",
    en: "This connection still keeps its previous service provider certificate: remove it first.",
  },
  {
    name: "a SCIM token revoked where there is no directory (api.revoke_scim_token)",
    path: scim,
    fields: { organization: "tim-ayu", action: "revoke" },
    id: `${missing} Organisasi tim-ayu tidak punya direktori SCIM.`,
    en: "Organization tim-ayu has no SCIM directory.",
  },
  {
    name: "a SCIM group mapped to a role the project does not have (api.map_scim_group)",
    path: scim,
    fields: { organization: "tim-scim", action: "map", group: "nope", role: "boss" },
    id: `${refused} Peran boss bukan owner, admin, member, atau peran yang ditetapkan proyek ini.`,
    en: "Role boss is neither owner, admin, member nor one this project defined.",
  },
  {
    name: "the mode toggle without the project's name (the toggle's own)",
    path: `${base}/mode`,
    fields: { mode: "production", confirm: "Kedai" },
    id: `${refused} Untuk mengganti mode, ketik nama proyek persis: Kedai Ayu.`,
    en: "To switch modes, type the project name exactly: Kedai Ayu.",
  },
  {
    name: "going live without live Xendit keys (api.update_project)",
    path: `${base}/mode`,
    fields: { mode: "production", confirm: "Kedai Ayu" },
    id:
      `${conflicting} Tambahkan kunci Xendit live sebelum proyek live: atur secret key live dan token verifikasi ` +
      "webhook proyek ini di halaman Pengaturan proyek, atau beri deployment XENDIT_SECRET_KEY dan " +
      "XENDIT_CALLBACK_TOKEN dengan kunci live. Proyek production tidak bisa menerima pembayaran tanpa keduanya.",
    en:
      "Add live Xendit keys before going live: set this project's live secret key and webhook verification " +
      "token on the project's Settings page, or give the deployment XENDIT_SECRET_KEY and XENDIT_CALLBACK_TOKEN " +
      "with a live key. Production projects cannot take payments without them.",
  },
];

testRefusals(t, "Indonesian SSO refusals", owner, CASES);

Deno.test("Indonesian SSO refusals — every refusal of the SSO, SCIM and project functions the forms call has the dashboard's Indonesian", async () => {
  const groups = JSON.stringify(
    Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`g${i}`, "member"])),
  );
  const oidc = (mapping: string | null, roles: string | null) => (tx: Tx) =>
    tx`select api.put_sso_connection('tim-oidc', 'https://idp.kedai.example', 'astapa', null, true, true,
      ${mapping}::text::jsonb, ${roles}::text::jsonb)`;
  const calls: ((tx: Tx) => Promise<unknown>)[] = [
    (tx) => tx`select api.put_sso_connection('tim-ayu', 'ftp://idp.kedai.example', 'a', 's')`,
    (tx) => tx`select api.put_sso_connection('tim-ayu', 'https://idp.kedai.example', '', 's')`,
    (tx) => tx`select api.put_sso_connection('tim-ayu', 'https://idp.kedai.example', 'a', null)`,
    (tx) => tx`select api.put_sso_connection('tim-oidc', 'https://idp.kedai.example', 'other', null)`,
    oidc('{"mail": "x"}', null),
    oidc('{"email": 1}', null),
    oidc('{"email": " mail"}', null),
    oidc('{"email": "a..b"}', null),
    oidc(null, "[]"),
    oidc(null, groups),
    oidc(null, '{" g": "admin"}'),
    oidc(null, '{"g": 1}'),
    oidc(null, '{"g": "owner"}'),
    oidc(null, '{"g": "boss"}'),
    (tx) => tx`select api.put_saml_sso_connection('tim-ayu', null, null, null, idp_slo_url => 'ftp://x')`,
    (tx) => tx`select api.put_saml_sso_connection('tim-ayu', '', 'https://idp.kedai.example/sso', '{AAAA}')`,
    (tx) =>
      tx`select api.put_saml_sso_connection('tim-ayu', 'https://idp.kedai.example', 'ftp://x', '{AAAA}')`,
    (tx) =>
      tx`select api.put_saml_sso_connection('tim-ayu', 'https://idp.kedai.example',
        'https://idp.kedai.example/sso', '{}')`,
    (tx) => tx`select api.put_saml_sso_connection('tim-ayu', null, null, null, enabled => true)`,
    (tx) =>
      tx`select api.put_saml_sso_connection('tim-ayu', null, null, null, want_assertions_encrypted => true)`,
    (tx) => tx`select api.put_saml_sso_connection('tim-ayu', null, null, null, sp_key_id => 'spk_x')`,
    (tx) =>
      tx`select api.put_saml_sso_connection('tim-ayu', null, null, null, sp_key_id => ${spKey(4)},
        sp_certificate => '!!', sp_private_key_sealed => 'c2VhbGVk')`,
    (tx) =>
      tx`select api.put_saml_sso_connection('tim-ayu', null, null, null, sp_key_id => ${spKey(4)},
        sp_certificate => 'AAAA', sp_private_key_sealed => '!!')`,
    (tx) => tx`select api.delete_sso_connection('tim-ayu')`,
    (tx) => tx`select api.delete_sso_connection('no-such-team')`,
    (tx) => tx`select api.set_sso_connection_mapping('tim-scim', null, null)`,
    (tx) => tx`select api.rotate_saml_sp_key('tim-oidc', ${spKey(5)}, 'AAAA', 'c2VhbGVk')`,
    (tx) => tx`select api.rotate_saml_sp_key('tim-saml', ${spKey(5)}, 'AAAA', 'c2VhbGVk')`,
    (tx) => tx`select api.remove_previous_saml_sp_key('tim-oidc')`,
    (tx) => tx`select api.enable_scim_directory('tim-ayu', ${new Uint8Array(1)})`,
    (tx) => tx`select api.revoke_scim_token('tim-ayu')`,
    (tx) => tx`select api.map_scim_group('tim-ayu', 'g', 'admin')`,
    // The same refusals as the SSO group roles', raised by api.map_scim_group itself.
    (tx) => tx`select api.map_scim_group('tim-scim', 'g', 'owner')`,
    (tx) => tx`select api.map_scim_group('tim-scim', 'g', 'boss')`,
    (tx) => tx`select api.map_scim_group('tim-scim', 'nope', 'admin')`,
    (tx) => tx`select api.update_project(${project.id}, name => ' ')`,
    (tx) => tx`select api.update_project(${project.id}, mode => 'live')`,
    (tx) => tx`select api.update_project(${project.id}, settings => '[]')`,
    (tx) => tx`select api.update_project(${project.id}, mode => 'production')`,
  ];
  const seen = new Set<string>();
  for (const call of calls) {
    const thrown = await asApp(t.db.sql, project.id, call).then(() => undefined, (error) => error);
    assert.ok(thrown, String(call));
    const error = toAppError(thrown);
    assert.ok(["validation_failed", "conflict", "not_found"].includes(error.code), String(thrown));
    // Each call reaches its own check (but the owner and role refusals the SCIM groups share).
    assert.ok(
      !seen.has(error.description) || /^(owner is not mapped|Role boss)/.test(error.description),
      `${call}: refused as another call was (${error.description})`,
    );
    seen.add(error.description);
    assertWorded(error.code, error.description, String(call));
  }
});

Deno.test("Indonesian SSO refusals — every refusal the SSO and mode forms make themselves has the dashboard's Indonesian", async () => {
  const open = { allowPrivate: true, allowHttp: true };
  const issuers: [string, boolean][] = [
    ["not a url", true],
    ["ftp://idp.kedai.example", true],
    ["https://ayu@idp.kedai.example", true],
    [`${providerOrigin}/missing`, true],
    [`${providerOrigin}/no-jwks`, true],
    [`${providerOrigin}/garbage`, true],
    ["https://127.0.0.1/issuer", false],
  ];
  const own: string[] = [];
  for (const [issuer, allowPrivate] of issuers) {
    const problem = await issuerProblem({ ...open, allowPrivate }, issuer, 2000);
    assert.ok(problem, issuer);
    own.push(`The issuer: ${problem}.`);
  }

  const expired = await signingKey(
    "CN=Old IdP",
    new Date(Date.now() - 2 * 86_400_000),
    new Date(Date.now() - 1000),
  );
  const keys = await Promise.all([1, 2, 3, 4].map(() => signingKey()));
  const metadata = (
    {
      entityId = "https://idp.kedai.example/saml",
      sso = "https://idp.kedai.example/sso",
      slo = "",
      certs = [keys[0].certDer],
    }: { entityId?: string; sso?: string; slo?: string; certs?: string[] },
  ) =>
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ` +
    `xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}"><md:IDPSSODescriptor>` +
    certs.map((c) =>
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${c}` +
      "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    ).join("") +
    (slo
      ? `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${slo}"/>`
      : "") +
    (sso
      ? `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sso}"/>`
      : "") +
    "</md:IDPSSODescriptor></md:EntityDescriptor>";
  const documents = [
    "x".repeat(MAX_METADATA_CHARS + 1),
    "<!DOCTYPE x><x/>",
    "<x",
    "<x/>",
    metadata({ entityId: "" }),
    metadata({ sso: "" }),
    metadata({ sso: "not a url" }),
    metadata({ sso: `https://idp.kedai.example/${"a".repeat(2000)}` }),
    metadata({ sso: "ftp://idp.kedai.example/sso" }),
    metadata({ sso: "https://ayu@idp.kedai.example/sso" }),
    metadata({ slo: "ftp://idp.kedai.example/slo" }),
    metadata({ certs: [] }),
    metadata({ certs: ["!!!"] }),
    metadata({ certs: ["AAAA"] }),
    metadata({ certs: [expired.certDer] }),
    metadata({ certs: keys.map((k) => k.certDer) }),
  ];
  for (const xml of documents) {
    const read = await readIdpMetadata(xml);
    assert.ok("problem" in read, xml.slice(0, 200));
    own.push(`The SAML metadata: ${read.problem}.`);
  }

  const mapping = OrganizationSsoForm.parse({
    csrf: "x",
    organization: "tim-oidc",
    action: "save_mapping",
    group_roles: "Engineering",
  });
  try {
    ssoMappingOfForm(mapping);
    own.push("(a group roles line without = was accepted)");
  } catch (error) {
    own.push(toAppError(error).description);
  }
  own.push("To switch modes, type the project name exactly: Kedai Ayu.");

  assert.equal(new Set(own).size, own.length, `each check gives its own message: ${own.join("\n")}`);
  for (const message of own) assertWorded("validation_failed", message, "the form's own");
});

Deno.test("Indonesian SSO refusals — a settings schema's own message beside its field is worded on an Indonesian page", () => {
  let refusedChange: AppError | undefined;
  try {
    validate(BotProtectionChange, {
      provider: "turnstile",
      site_key: "0x4AAA",
      secret_key: "a b",
      on: ["sign_up"],
    });
  } catch (thrown) {
    refusedChange = thrown as AppError;
  }
  assert.ok(refusedChange instanceof AppError);
  assert.deepEqual(refusedChange.fields, { secret_key: ["A secret key has no spaces."] });
  assert.deepEqual(fieldMessages("en", refusedChange.fields!, refusedChange.issues), {
    secret_key: ["A secret key has no spaces."],
  });
  assert.deepEqual(fieldMessages("id", refusedChange.fields!, refusedChange.issues), {
    secret_key: ["Secret key tidak berisi spasi."],
  });
});
