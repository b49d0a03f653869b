/** `astapa org sso|set-sso|remove-sso`: an organization's enterprise SSO connection (docs/enterprise-sso.md). */
import type { Config } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import {
  deleteSsoConnection,
  getSsoConnection,
  putSsoConnection,
  type SsoConnection,
} from "@/db/sso_connections.ts";
import { AppError } from "../http/errors.ts";
import { issuerProblem } from "../login/sso/guarded_fetch.ts";
import { sealSsoSecret } from "../login/sso/secret.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { allowFlags, flag, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const SSO_USAGE = `  org sso|remove-sso --project ID --org ID
  org set-sso --project ID --org ID --issuer URL --idp-client-id X [--idp-client-secret Y]
              [--enabled true|false] [--email-verified-required true|false]
                             the issuer's discovery is fetched now (SSRF guard); the secret is stored sealed`;

export const SSO_ACTIONS = ["sso", "set-sso", "remove-sso"];

const CLI = { actor: "cli" };

function yesNo(args: ParsedArgs, name: string): boolean | null {
  const value = flag(args, name);
  if (value === undefined) return null;
  if (value !== "true" && value !== "false") throw new UsageError(`--${name} must be true or false`);
  return value === "true";
}

function shown(c: SsoConnection): string {
  const protocol: [string, string][] = c.protocol === "saml"
    ? [
      ["idp entity id", c.idp_entity_id ?? ""],
      ["idp sso url", c.idp_sso_url ?? ""],
      ["idp certificates", String(c.idp_certificates?.length ?? 0)],
    ]
    : [["issuer", c.issuer ?? ""], ["idp client id", c.idp_client_id ?? ""]];
  return table([
    ["connection", c.id],
    ["protocol", c.protocol],
    ...protocol,
    ["enabled", String(c.enabled)],
    ["email_verified required", String(c.email_verified_required)],
    ["domains", c.domains.join(" ") || "- (verify a domain: SSO signs in verified domains only)"],
  ]);
}

export async function ssoCommand(sql: Sql, args: ParsedArgs, out: Output, config: Config): Promise<number> {
  const action = args.positionals[1];
  const known = action === "set-sso"
    ? ["issuer", "idp-client-id", "idp-client-secret", "enabled", "email-verified-required"]
    : [];
  allowFlags(args, ["project", "org", ...known]);
  const project = flag(args, "project", true);
  const org = flag(args, "org", true);
  if (action === "remove-sso") {
    await asApp(sql, project, (tx) => deleteSsoConnection(tx, org), CLI);
    out.result({ removed: true }, `SSO connection of ${org} removed.`);
    return 0;
  }
  if (action === "sso") {
    const connection = await asApp(sql, project, (tx) => getSsoConnection(tx, org), CLI);
    out.result(connection, shown(connection));
    return 0;
  }
  const issuer = flag(args, "issuer", true);
  const clientId = flag(args, "idp-client-id", true);
  const secret = flag(args, "idp-client-secret");
  const enabled = yesNo(args, "enabled");
  const emailVerifiedRequired = yesNo(args, "email-verified-required");
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
    }), CLI);
  out.result(connection, shown(connection));
  return 0;
}
