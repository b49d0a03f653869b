/** `astapa org sso|set-sso|remove-sso`: an organization's enterprise SSO connection (docs/enterprise-sso.md). */
import type { Config } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import {
  deleteSsoConnection,
  getSsoConnection,
  putSamlSsoConnection,
  putSsoConnection,
  removePreviousSamlSpKey,
  rotateSamlSpKey,
  type SsoMappingInput,
} from "@/db/sso_connections.ts";
import { AppError } from "../http/errors.ts";
import { issuerProblem } from "../login/sso/guarded_fetch.ts";
import { sealSsoSecret } from "../login/sso/secret.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { samlIdpOf, samlSloUrlOf } from "../login/sso/saml_config.ts";
import { makeSpKey } from "../login/sso/saml_sp_key.ts";
import { type ShownSsoConnection, withServiceProvider } from "../login/sso/saml_urls.ts";
import { allowFlags, flag, type ParsedArgs, trueOrFalse, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const SSO_USAGE = `  org sso|remove-sso --project ID --org ID
  org set-sso --project ID --org ID --issuer URL --idp-client-id X [--idp-client-secret Y]
              [--enabled true|false] [--email-verified-required true|false]
                             the issuer's discovery is fetched now (SSRF guard); the secret is stored sealed
              either protocol: [--attribute email|given_name|family_name|groups=NAME ...|none]
              [--group-role "GROUP=ROLE" ...|none]
                             claim/attribute names (replace the mapping) and IdP groups → organization roles
  org set-sso --project ID --org ID --protocol saml (--idp-metadata FILE | --idp-metadata-url URL
              | --idp-entity-id X --idp-sso-url URL --idp-certificate PEM-FILE) [--enabled true|false]
              [--want-assertions-encrypted true|false] [--sign-authn-requests true|false]
                             [--idp-initiated true|false] [--idp-slo-url URL|none]
                             a SAML IdP; shows the SP entity ID and ACS URL to give the IdP
  org rotate-sso-certificate|remove-previous-sso-certificate --project ID --org ID
                             a SAML connection's own certificate: roll it (the old one kept until removed)`;

export const SSO_ACTIONS = [
  "sso",
  "set-sso",
  "remove-sso",
  "rotate-sso-certificate",
  "remove-previous-sso-certificate",
];

const CLI = { actor: "cli" };

function shown(c: ShownSsoConnection): string {
  const protocol: [string, string][] = c.protocol === "saml"
    ? [
      ["idp entity id", c.idp_entity_id ?? ""],
      ["idp sso url", c.idp_sso_url ?? ""],
      ["idp certificates", String(c.idp_certificates?.length ?? 0)],
      ["sp entity id (metadata)", c.sp_entity_id ?? ""],
      ["acs url", c.acs_url ?? ""],
      ["want assertions encrypted", String(c.want_assertions_encrypted ?? false)],
      ["sign authn requests", String(c.sign_authn_requests ?? false)],
      ["idp-initiated (portal) sign-in", String(c.idp_initiated ?? false)],
      ["single logout url", c.idp_slo_url ?? "- (no single logout)"],
      [
        "sp certificates",
        (c.sp_certificates ?? []).map((k) => `${k.id} (${k.state})`).join(" ") || "- (made at the next save)",
      ],
    ]
    : [
      ["issuer", c.issuer ?? ""],
      ["idp client id", c.idp_client_id ?? ""],
      ["back-channel logout url", c.backchannel_logout_url ?? ""],
      ["post-logout redirect uri", c.post_logout_redirect_uri ?? ""],
    ];
  return table([
    ["connection", c.id],
    ["protocol", c.protocol],
    ...protocol,
    ["enabled", String(c.enabled)],
    ["email_verified required", String(c.email_verified_required)],
    ["domains", c.domains.join(" ") || "- (verify a domain: SSO signs in verified domains only)"],
    [
      "attribute mapping",
      Object.entries(c.attribute_mapping).map(([k, v]) => `${k}=${v}`).join(" ") ||
      "- (the well-known names)",
    ],
    [
      "group roles",
      Object.entries(c.group_roles).map(([k, v]) => `${k}=${v}`).join(" ") || "- (groups change no role)",
    ],
  ]);
}

const ATTRIBUTES = ["email", "given_name", "family_name", "groups"];

/**
 * `--attribute NAME=VALUE` (repeatable; `none`: the well-known names) and `--group-role "GROUP=ROLE"` (repeatable;
 * split at the last `=`, which a role key never has; `none`: no group mapped); null when not given (kept).
 */
function mappingFlags(args: ParsedArgs): SsoMappingInput {
  const pairs = (flagName: string, splitAt: (v: string) => number) => {
    const values = args.flags.get(flagName) ?? [];
    if (values.length === 0) return null;
    if (values.length === 1 && values[0] === "none") return {};
    return Object.fromEntries(values.map((value) => {
      const at = splitAt(value);
      if (at <= 0 || at === value.length - 1) {
        throw new UsageError(`--${flagName} is NAME=VALUE (or none), not "${value}"`);
      }
      return [value.slice(0, at), value.slice(at + 1)];
    }));
  };
  const attributeMapping = pairs("attribute", (v) => v.indexOf("="));
  for (const name of Object.keys(attributeMapping ?? {})) {
    if (!ATTRIBUTES.includes(name)) {
      throw new UsageError(`--attribute names ${ATTRIBUTES.join(", ")}, not ${name}`);
    }
  }
  return { attributeMapping, groupRoles: pairs("group-role", (v) => v.lastIndexOf("=")) };
}

export async function ssoCommand(sql: Sql, args: ParsedArgs, out: Output, config: Config): Promise<number> {
  const action = args.positionals[1];
  const known = action === "set-sso"
    ? ["protocol", "enabled", "email-verified-required", "attribute", "group-role"].concat(
      flag(args, "protocol") === "saml"
        ? [
          "idp-metadata",
          "idp-metadata-url",
          "idp-entity-id",
          "idp-sso-url",
          "idp-certificate",
          "want-assertions-encrypted",
          "sign-authn-requests",
          "idp-initiated",
          "idp-slo-url",
        ]
        : ["issuer", "idp-client-id", "idp-client-secret"],
    )
    : [];
  allowFlags(args, ["project", "org", ...known]);
  const project = flag(args, "project", true);
  const org = flag(args, "org", true);
  if (action === "remove-sso") {
    await asApp(sql, project, (tx) => deleteSsoConnection(tx, org), CLI);
    out.result({ removed: true }, `SSO connection of ${org} removed.`);
    return 0;
  }
  if (action === "rotate-sso-certificate" || action === "remove-previous-sso-certificate") {
    const key = action === "rotate-sso-certificate"
      ? await makeSpKey((await loadMasterKeys(config)).social, project)
      : null;
    const connection = withServiceProvider(
      config.baseUrl,
      await asApp(
        sql,
        project,
        (tx) => key ? rotateSamlSpKey(tx, org, key) : removePreviousSamlSpKey(tx, org),
        CLI,
      ),
    );
    out.result(connection, shown(connection));
    return 0;
  }
  if (action === "sso") {
    const connection = withServiceProvider(
      config.baseUrl,
      await asApp(sql, project, (tx) => getSsoConnection(tx, org), CLI),
    );
    out.result(connection, shown(connection));
    return 0;
  }
  if (flag(args, "protocol") === "saml") return await setSaml(sql, args, out, config, project, org);
  if (![undefined, "oidc"].includes(flag(args, "protocol"))) {
    throw new UsageError("--protocol must be oidc or saml");
  }
  const issuer = flag(args, "issuer", true);
  const clientId = flag(args, "idp-client-id", true);
  const secret = flag(args, "idp-client-secret");
  const enabled = trueOrFalse(args, "enabled");
  const emailVerifiedRequired = trueOrFalse(args, "email-verified-required");
  const mapping = mappingFlags(args);
  const problem = await issuerProblem(
    { allowPrivate: config.webhookAllowPrivate },
    issuer,
    config.socialTimeoutMs,
  );
  if (problem) throw new AppError("validation_failed", { description: `${problem}.` });
  const sealed = secret === undefined
    ? null
    : await sealSsoSecret((await loadMasterKeys(config)).social, project, clientId, secret);
  const connection = await asApp(sql, project, (tx) =>
    putSsoConnection(tx, org, {
      issuer,
      clientId,
      clientSecretSealed: sealed,
      enabled,
      emailVerifiedRequired,
      ...mapping,
    }), CLI);
  out.result(connection, shown(connection));
  return 0;
}

/** `set-sso --protocol saml`: the IdP from its metadata (file or URL) or its fields, checked as by the API. */
async function setSaml(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
  project: string,
  org: string,
) {
  const file = (name: string) => {
    const path = flag(args, name);
    return path === undefined ? undefined : Deno.readTextFileSync(path);
  };
  const pems = file("idp-certificate")?.match(
    /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
  );
  const sloFlag = flag(args, "idp-slo-url");
  const mapping = mappingFlags(args);
  const body = {
    protocol: "saml" as const,
    idp_metadata_xml: file("idp-metadata"),
    idp_metadata_url: flag(args, "idp-metadata-url"),
    idp_entity_id: flag(args, "idp-entity-id"),
    idp_sso_url: flag(args, "idp-sso-url"),
    idp_certificates: pems ?? (flag(args, "idp-certificate") === undefined ? undefined : []),
    // --idp-slo-url none: no single logout.
    ...(sloFlag === undefined ? {} : { idp_slo_url: sloFlag === "none" ? null : sloFlag }),
  };
  const idp = await samlIdpOf(body, { allowPrivate: config.webhookAllowPrivate }, config.socialTimeoutMs);
  const connection = await asApp(sql, project, (tx) =>
    putSamlSsoConnection(tx, org, {
      entityId: idp?.entityId ?? null,
      ssoUrl: idp?.ssoUrl ?? null,
      certificates: idp?.certificates ?? null,
      enabled: trueOrFalse(args, "enabled"),
      emailVerifiedRequired: trueOrFalse(args, "email-verified-required"),
      wantAssertionsEncrypted: trueOrFalse(args, "want-assertions-encrypted"),
      signAuthnRequests: trueOrFalse(args, "sign-authn-requests"),
      idpInitiated: trueOrFalse(args, "idp-initiated"),
      sloUrl: samlSloUrlOf(body, idp),
      makeSpKey: async () => makeSpKey((await loadMasterKeys(config)).social, project),
      ...mapping,
    }), CLI);
  const answered = withServiceProvider(config.baseUrl, connection);
  out.result(answered, shown(answered));
  return 0;
}
