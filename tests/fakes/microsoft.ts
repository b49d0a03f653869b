/**
 * A local Microsoft identity platform (v2.0) for the unmodified oauth4webapi, at `${origin}/<tenant>/v2.0`:
 * discovery per tenant as Microsoft publishes it (common and organizations name the issuer template
 * `${origin}/{tenantid}/v2.0`, consumers the personal accounts' tenant, a tenant ID itself, a domain in `domains`
 * its tenant's ID), authorize (auto-approves as `approveAs`), token (client secret, redirect_uri and PKCE
 * checked, single-use codes) and one JWKS for every tenant. The ID token carries `tid`, `iss` of the account's
 * tenant (or `iss` as set, to forge another tenant's), `sub`, `email`, `name` and, when set, `xms_edov`.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  clientCredentials,
  type FakeServer,
  json,
  newCode,
  pkceMatches,
  redirectBack,
  serveFake,
} from "./serve.ts";

/** The tenant of personal Microsoft accounts. */
export const MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

export type MicrosoftAccount = {
  sub: string;
  /** The account's tenant: MSA_TENANT for a personal account, else its work/school tenant's ID. */
  tid: string;
  email?: string;
  name?: string;
  /** The optional claim: the email's domain owner verified it. Left out when undefined. */
  xms_edov?: boolean;
  /** Another `iss` than the tenant's own (a forged or mismatched issuer). */
  iss?: string;
};

type Grant = {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  nonce?: string;
  account: MicrosoftAccount;
  used: boolean;
};

export type FakeMicrosoft = FakeServer & {
  /** MICROSOFT_AUTHORITY for the app. */
  authority: string;
  clientId: string;
  clientSecret: string;
  /** More registered app registrations (id → secret), e.g. a project's own. */
  extraClients: Record<string, string>;
  /** Domains a tenant verified (domain → tenant ID), for discovery at `${authority}/<domain>/v2.0`. */
  domains: Record<string, string>;
  approveAs: MicrosoftAccount;
  /** Authorization requests seen, with the tenant path they were sent to. */
  authorizeRequests: { tenant: string; query: URLSearchParams }[];
};

const tenantIssuer = (origin: string, tenant: string) => `${origin}/${tenant}/v2.0`;

export async function startFakeMicrosoft(): Promise<FakeMicrosoft> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = "fake-microsoft-1";
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  const grants = new Map<string, Grant>();
  const secretOf = (clientId: string): string | undefined =>
    clientId === fake.clientId ? fake.clientSecret : fake.extraClients[clientId];

  /** The issuer a tenant's discovery document names, as Microsoft's do; null for an unknown tenant. */
  const discoveredIssuer = (origin: string, tenant: string): string | null => {
    if (tenant === "common" || tenant === "organizations") return tenantIssuer(origin, "{tenantid}");
    if (tenant === "consumers") return tenantIssuer(origin, MSA_TENANT);
    if (/^[0-9a-f-]{36}$/.test(tenant)) return tenantIssuer(origin, tenant);
    const id = fake.domains[tenant];
    return id ? tenantIssuer(origin, id) : null;
  };

  const server = serveFake(async (req, url) => {
    const origin = fake.authority;
    const [, tenant, ...rest] = url.pathname.split("/");
    const path = rest.join("/");
    const base = `${origin}/${tenant}`;
    switch (`${req.method} ${path}`) {
      case "GET v2.0/.well-known/openid-configuration": {
        const issuer = discoveredIssuer(origin, tenant);
        if (!issuer) return json({ error: "invalid_tenant" }, 400);
        return json({
          issuer,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
          response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
          response_modes_supported: ["query", "fragment", "form_post"],
          subject_types_supported: ["pairwise"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid", "profile", "email", "offline_access"],
          token_endpoint_auth_methods_supported: [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
          ],
          claims_supported: ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "tid", "email", "oid"],
          tenant_region_scope: null,
        });
      }
      case "GET discovery/v2.0/keys":
        return json(jwks);
      case "GET oauth2/v2.0/authorize": {
        const q = url.searchParams;
        fake.authorizeRequests.push({ tenant, query: q });
        const redirectUri = q.get("redirect_uri");
        const clientId = q.get("client_id") ?? "";
        if (secretOf(clientId) === undefined || !redirectUri) {
          return new Response("AADSTS700016: Application not found", { status: 400 });
        }
        const state = q.get("state") ?? undefined;
        if (q.get("response_type") !== "code" || !(q.get("scope") ?? "").split(" ").includes("openid")) {
          return redirectBack(redirectUri, { error: "invalid_request", state });
        }
        const code = `M.C5_${newCode()}`;
        grants.set(code, {
          clientId,
          redirectUri,
          challenge: q.get("code_challenge") ?? undefined,
          nonce: q.get("nonce") ?? undefined,
          account: { ...fake.approveAs },
          used: false,
        });
        return redirectBack(redirectUri, { code, state });
      }
      case "POST oauth2/v2.0/token": {
        const form = new URLSearchParams(await req.text());
        const client = clientCredentials(req, form);
        if (!client.id || client.secret === undefined || secretOf(client.id) !== client.secret) {
          return json(
            { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret" },
            401,
          );
        }
        const grant = grants.get(form.get("code") ?? "");
        if (
          form.get("grant_type") !== "authorization_code" || !grant || grant.used ||
          grant.clientId !== client.id || grant.redirectUri !== form.get("redirect_uri") ||
          !(await pkceMatches(grant.challenge, form.get("code_verifier")))
        ) {
          return json({ error: "invalid_grant", error_description: "AADSTS70008" }, 400);
        }
        grant.used = true;
        const { account } = grant;
        const idToken = await new SignJWT({
          tid: account.tid,
          oid: `oid-${account.sub}`,
          ver: "2.0",
          ...(account.email !== undefined ? { email: account.email } : {}),
          ...(account.name !== undefined ? { name: account.name } : {}),
          ...(account.xms_edov !== undefined ? { xms_edov: account.xms_edov } : {}),
          ...(grant.nonce ? { nonce: grant.nonce } : {}),
        })
          .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
          .setIssuer(account.iss ?? tenantIssuer(origin, account.tid))
          .setAudience(grant.clientId)
          .setSubject(account.sub)
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(privateKey);
        return json({
          token_type: "Bearer",
          scope: "openid profile email",
          expires_in: 3599,
          access_token: `EwB-${newCode()}`,
          id_token: idToken,
        });
      }
    }
    return json({ error: "not_found" }, 404);
  });

  const fake: FakeMicrosoft = {
    ...server,
    authority: server.origin,
    clientId: "00000000-0000-0000-0000-00000000a5a5",
    clientSecret: "fake~microsoft~secret",
    extraClients: {},
    domains: {},
    approveAs: {
      sub: "AAAAAAAAAAAAAAAAAAAAAMsari",
      tid: MSA_TENANT,
      email: "sari@outlook.test",
      name: "Sari",
    },
    authorizeRequests: [],
  };
  return fake;
}
