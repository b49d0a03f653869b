/**
 * The database's refusals of the Organizations page's SSO and SCIM forms (the SSO connection functions of
 * db/api/sso_connections.sql, astapa.set_sso_mapping and its checks, the SCIM directory and group functions), of
 * the project mode toggle (api.update_project), and the forms' own (the issuer and SAML metadata checks, a group
 * roles line, the typed project name), with their Indonesian; and a settings schema's own message zod gives beside
 * a field (the bot protection secret key's). lib/dashboard/refusal_text.ts looks them up after the other two
 * catalogues, by error code (SSO_REFUSAL_CODES) and exact English, in this order: a specific entry comes before a
 * generic one it would also match. Keep each English as the SQL (or the form) says it.
 */
import type { ErrorCode } from "@/lib/http/errors.ts";
import { catalogue } from "./catalogue.ts";

export const SSO_REFUSALS_TEXT = catalogue({
  // api.put_sso_connection (db/api/sso_connections.sql).
  ssoIssuer: "issuer must be the identity provider's https URL, without a query or fragment.",
  ssoClientId: "client_id must be 1 to 500 characters.",
  ssoNewConnectionSecret: "A new connection needs its client_secret.",
  ssoNewClientIdSecret: "A new client_id needs its client_secret.",
  // api.put_saml_sso_connection, astapa.add_saml_sp_key.
  samlSloUrl: "idp_slo_url must be the identity provider's https single logout URL, without a fragment.",
  samlEntityId: "idp_entity_id must be 1 to 1024 characters.",
  samlSsoUrl: "idp_sso_url must be the identity provider's https single sign-on URL, without a fragment.",
  samlCertificates: "idp_certificates must be 1 to 3 signing certificates (base64 DER).",
  samlEnabledPending: "A SAML connection can be enabled once it has its identity provider's metadata.",
  samlNeedsKey:
    "want_assertions_encrypted and sign_authn_requests need the connection's service provider key.",
  spKeyId: "A service provider key id is spk_ and 24 characters.",
  spCertificate: "A service provider certificate is base64 DER.",
  spKeySealed: "A service provider key is sealed (base64url).",
  // api.delete_sso_connection, api.set_sso_connection_mapping, api.rotate_saml_sp_key,
  // api.remove_previous_saml_sp_key.
  ssoNone: "Organization {organization} has no SSO connection in this project.",
  samlNone: "Organization {organization} has no SAML SSO connection in this project.",
  spPreviousNone: "Organization {organization} has no previous service provider certificate in this project.",
  spPreviousKept: "This connection still keeps its previous service provider certificate: remove it first.",
  // astapa.set_sso_mapping, astapa.assert_sso_name, astapa.assert_sso_claim_path (db/api/sso_group_roles.sql).
  mappingKeys: "attribute_mapping names email, given_name, family_name and groups only.",
  mappingString: "attribute_mapping.{name} is an attribute name (a string) or null.",
  groupName:
    "A group_roles group must be 1 to 256 characters, without control characters or surrounding spaces.",
  ssoName: "{field} must be 1 to 256 characters, without control characters or surrounding spaces.",
  claimPath:
    "{field}: a claim path has no empty part (no leading, trailing or doubled dot) and at most 15 dots.",
  groupRolesObject: "group_roles maps group values to roles (an object).",
  groupRolesLimit: "group_roles maps at most 100 groups.",
  groupRoleString: "group_roles: {group} maps to a role key (a string).",
  // astapa.set_sso_mapping and api.map_scim_group; astapa.assert_organization_role (db/api/organizations.sql).
  ownerNotMapped:
    "owner is not mapped to a group: an IdP neither makes owners nor demotes them (transfer the ownership " +
    "instead).",
  roleUnknown: "Role {role} is neither owner, admin, member nor one this project defined.",
  // api.enable_scim_directory, api.revoke_scim_token (db/api/scim.sql), api.map_scim_group,
  // astapa.scim_locked_group (db/api/scim_groups.sql).
  scimTokenHash: "A SCIM token is stored as its SHA-256 (32 bytes).",
  scimNone: "Organization {organization} has no SCIM directory.",
  scimNoneNamed: "{organization} has no SCIM directory.",
  scimGroupNotFound: "Group {group} was not found.",
  // The SSO form's own (routes/dashboard/projects/[id]/organizations/sso.tsx, organizations_page.ts): the issuer
  // (lib/login/sso/guarded_fetch.ts issuerProblem) and the SAML metadata (lib/login/sso/saml_metadata.ts).
  groupRolesLine: 'Group roles: "{line}" is not GROUP=ROLE.',
  issuerNotUrl: "The issuer: issuer is not a URL.",
  issuerHttps: "The issuer: issuer must be an https URL.",
  issuerParts: "The issuer: issuer must not carry a user name, password, query or fragment.",
  issuerAnswered: "The issuer: the issuer's discovery document answered {status}, not 200.",
  issuerNoEndpoint: "The issuer: the issuer's discovery document has no {endpoint}.",
  issuerRefused: "The issuer: the issuer cannot be fetched: {reason}.",
  issuerUnreadable: "The issuer: the issuer's discovery document could not be read ({reason}).",
  metadataTooLarge: "The SAML metadata: the XML is larger than {size} KiB.",
  metadataDoctype: "The SAML metadata: the XML must not have a DOCTYPE or entity declarations.",
  metadataNoRoot: "The SAML metadata: the XML has no root element.",
  metadataUnparsed: "The SAML metadata: the XML could not be parsed ({reason}).",
  metadataOneIdp:
    "The SAML metadata: the metadata must describe exactly one identity provider (an md:IDPSSODescriptor).",
  metadataEntityId: "The SAML metadata: the metadata's entityID is missing or too long.",
  metadataNoSso:
    "The SAML metadata: the metadata has no SingleSignOnService for the HTTP-Redirect or HTTP-POST binding.",
  metadataUrlNotUrl: "The SAML metadata: the metadata's {service}: {field} is not a URL.",
  metadataUrlLong: "The SAML metadata: the metadata's {service}: {field} is longer than 2000 characters.",
  metadataUrlHttps: "The SAML metadata: the metadata's {service}: {field} must be an https URL.",
  metadataUrlParts:
    "The SAML metadata: the metadata's {service}: {field} must not carry a user name, password or fragment.",
  metadataNoSigning:
    'The SAML metadata: the metadata has no signing certificate (KeyDescriptor use="signing").',
  metadataCertificateForm: "The SAML metadata: a certificate must be PEM or base64 DER.",
  metadataCertificateX509: "The SAML metadata: a certificate could not be read as X.509.",
  metadataCertificateExpired: "The SAML metadata: the certificate {subject} expired on {date}.",
  metadataTooManyCertificates: "The SAML metadata: the metadata lists more than 3 signing certificates.",
  // api.update_project (db/api/projects.sql), through the mode toggle; the toggle's own (mode.tsx).
  projectName: "A project name must be 1 to 100 characters.",
  projectMode: "A project's mode is sandbox or production.",
  projectSettingsObject: "Project settings must be a JSON object.",
  liveXenditFirst:
    "Add live Xendit keys before going live: set this project's live secret key and webhook verification token " +
    "on the project's Settings page, or give the deployment XENDIT_SECRET_KEY and XENDIT_CALLBACK_TOKEN with a " +
    "live key. Production projects cannot take payments without them.",
  modeConfirm: "To switch modes, type the project name exactly: {name}.",
  // A settings schema's own message beside its field (lib/login/bot_protection_settings.ts BotProtectionChange).
  botSecretSpaces: "A secret key has no spaces.",
}, {
  ssoIssuer: "issuer berupa URL https penyedia identitas, tanpa query atau fragmen.",
  ssoClientId: "client_id berisi 1 sampai 500 karakter.",
  ssoNewConnectionSecret: "Koneksi baru memerlukan client_secret-nya.",
  ssoNewClientIdSecret: "client_id baru memerlukan client_secret-nya.",
  samlSloUrl: "idp_slo_url berupa URL https single logout penyedia identitas, tanpa fragmen.",
  samlEntityId: "idp_entity_id berisi 1 sampai 1024 karakter.",
  samlSsoUrl: "idp_sso_url berupa URL https single sign-on penyedia identitas, tanpa fragmen.",
  samlCertificates: "idp_certificates berisi 1 sampai 3 sertifikat penandatanganan (base64 DER).",
  samlEnabledPending: "Koneksi SAML baru bisa diaktifkan setelah metadata penyedia identitasnya ada.",
  samlNeedsKey:
    "want_assertions_encrypted dan sign_authn_requests memerlukan kunci service provider milik koneksi ini.",
  spKeyId: "Id kunci service provider berupa spk_ dan 24 karakter.",
  spCertificate: "Sertifikat service provider berupa base64 DER.",
  spKeySealed: "Kunci service provider harus disegel (base64url).",
  ssoNone: "Organisasi {organization} tidak punya koneksi SSO di proyek ini.",
  samlNone: "Organisasi {organization} tidak punya koneksi SSO SAML di proyek ini.",
  spPreviousNone:
    "Organisasi {organization} tidak punya sertifikat service provider sebelumnya di proyek ini.",
  spPreviousKept:
    "Koneksi ini masih menyimpan sertifikat service provider sebelumnya: hapus sertifikat itu dulu.",
  mappingKeys: "attribute_mapping hanya berisi email, given_name, family_name dan groups.",
  mappingString: "attribute_mapping.{name} berupa nama atribut (teks) atau null.",
  groupName:
    "Grup di group_roles berisi 1 sampai 256 karakter, tanpa karakter kontrol atau spasi di awal dan akhir.",
  ssoName: "{field} berisi 1 sampai 256 karakter, tanpa karakter kontrol atau spasi di awal dan akhir.",
  claimPath:
    "{field}: path claim tidak punya bagian kosong (tanpa titik di awal, di akhir, atau titik ganda) dan paling " +
    "banyak 15 titik.",
  groupRolesObject: "group_roles memetakan nilai grup ke peran (berupa objek).",
  groupRolesLimit: "group_roles memetakan paling banyak 100 grup.",
  groupRoleString: "group_roles: {group} dipetakan ke key peran (teks).",
  ownerNotMapped:
    "owner tidak dipetakan ke grup: IdP tidak menjadikan orang owner dan tidak menurunkan owner (alihkan " +
    "kepemilikannya saja).",
  roleUnknown: "Peran {role} bukan owner, admin, member, atau peran yang ditetapkan proyek ini.",
  scimTokenHash: "Token SCIM disimpan sebagai SHA-256-nya (32 byte).",
  scimNone: "Organisasi {organization} tidak punya direktori SCIM.",
  scimNoneNamed: "{organization} tidak punya direktori SCIM.",
  scimGroupNotFound: "Grup {group} tidak ditemukan.",
  groupRolesLine: 'Peran grup: "{line}" bukan GROUP=ROLE.',
  issuerNotUrl: "Issuer: issuer bukan URL.",
  issuerHttps: "Issuer: issuer harus berupa URL https.",
  issuerParts: "Issuer: issuer tidak boleh berisi nama pengguna, kata sandi, query atau fragmen.",
  issuerAnswered: "Issuer: dokumen discovery issuer menjawab {status}, bukan 200.",
  issuerNoEndpoint: "Issuer: dokumen discovery issuer tidak punya {endpoint}.",
  issuerRefused: "Issuer: issuer tidak dapat diambil: {reason}.",
  issuerUnreadable: "Issuer: dokumen discovery issuer tidak dapat dibaca ({reason}).",
  metadataTooLarge: "Metadata SAML: XML-nya lebih besar dari {size} KiB.",
  metadataDoctype: "Metadata SAML: XML-nya tidak boleh punya DOCTYPE atau deklarasi entity.",
  metadataNoRoot: "Metadata SAML: XML-nya tidak punya elemen root.",
  metadataUnparsed: "Metadata SAML: XML-nya tidak dapat di-parse ({reason}).",
  metadataOneIdp:
    "Metadata SAML: metadatanya harus menjelaskan tepat satu penyedia identitas (sebuah md:IDPSSODescriptor).",
  metadataEntityId: "Metadata SAML: entityID metadatanya tidak ada atau terlalu panjang.",
  metadataNoSso:
    "Metadata SAML: metadatanya tidak punya SingleSignOnService untuk binding HTTP-Redirect atau HTTP-POST.",
  metadataUrlNotUrl: "Metadata SAML: {service} metadatanya: {field} bukan URL.",
  metadataUrlLong: "Metadata SAML: {service} metadatanya: {field} lebih panjang dari 2000 karakter.",
  metadataUrlHttps: "Metadata SAML: {service} metadatanya: {field} harus berupa URL https.",
  metadataUrlParts:
    "Metadata SAML: {service} metadatanya: {field} tidak boleh berisi nama pengguna, kata sandi atau fragmen.",
  metadataNoSigning:
    'Metadata SAML: metadatanya tidak punya sertifikat penandatanganan (KeyDescriptor use="signing").',
  metadataCertificateForm: "Metadata SAML: sertifikat harus berupa PEM atau base64 DER.",
  metadataCertificateX509: "Metadata SAML: sertifikat tidak dapat dibaca sebagai X.509.",
  metadataCertificateExpired: "Metadata SAML: sertifikat {subject} kedaluwarsa pada {date}.",
  metadataTooManyCertificates:
    "Metadata SAML: metadatanya mencantumkan lebih dari 3 sertifikat penandatanganan.",
  projectName: "Nama proyek berisi 1 sampai 100 karakter.",
  projectMode: "Mode proyek berupa sandbox atau production.",
  projectSettingsObject: "Pengaturan proyek harus berupa objek JSON.",
  liveXenditFirst:
    "Tambahkan kunci Xendit live sebelum proyek live: atur secret key live dan token verifikasi webhook proyek " +
    "ini di halaman Pengaturan proyek, atau beri deployment XENDIT_SECRET_KEY dan XENDIT_CALLBACK_TOKEN dengan " +
    "kunci live. Proyek production tidak bisa menerima pembayaran tanpa keduanya.",
  modeConfirm: "Untuk mengganti mode, ketik nama proyek persis: {name}.",
  botSecretSpaces: "Secret key tidak berisi spasi.",
});

type SsoRefusalKey = keyof typeof SSO_REFUSALS_TEXT.en;

const NOT_FOUND = new Set<SsoRefusalKey>([
  "ssoNone",
  "samlNone",
  "spPreviousNone",
  "scimNone",
  "scimNoneNamed",
  "scimGroupNotFound",
]);
const CONFLICT = new Set<SsoRefusalKey>(["spPreviousKept", "liveXenditFirst"]);

/** The error code each refusal comes with: its SQLSTATE's (AS400 validation_failed, AS404, AS409) or the form's. */
export const SSO_REFUSAL_CODES = Object.fromEntries(
  (Object.keys(SSO_REFUSALS_TEXT.en) as SsoRefusalKey[]).map((key) => [
    key,
    NOT_FOUND.has(key) ? "not_found" : CONFLICT.has(key) ? "conflict" : "validation_failed",
  ]),
) as Record<SsoRefusalKey, ErrorCode>;
