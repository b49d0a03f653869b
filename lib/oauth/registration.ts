/**
 * Dynamic Client Registration (RFC 7591): reading a client's metadata strictly and answering with what was
 * registered. Registered clients may only sign people in (authorization code with PKCE, refresh tokens); the
 * project a sign-in belongs to comes later, from the resource the client asks for.
 */
import { z } from "zod";
import type { DynamicClientInput } from "@/db/dynamic_clients.ts";
import { AppError } from "../http/errors.ts";
import { parseScope } from "./scope.ts";
import type { Jwks } from "@/db/client_assertions.ts";
import { publicJwksProblem } from "./client_keys.ts";
import { MetadataDocumentRefused } from "./client_metadata_document.ts";
import { LogoutMetadata, readLogoutMetadata } from "./logout_metadata.ts";
import { InitiateLoginUri } from "./initiate_login_uri.ts";

/** Registrations per address per hour, counted in Postgres for every instance. */
export const REGISTRATIONS_PER_HOUR = 20;

const AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"] as const;
const GRANT_TYPES = ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"];
const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];

const metadataError = (description: string) => new AppError("invalid_client_metadata", { description });

/** What the client says it is (OIDC Dynamic Registration §2); absent: either, as before item 2 of issue 26. */
export type ApplicationType = "web" | "native" | undefined;

/** RFC 8252 §7.1: a private-use scheme in reverse-domain form (com.example.app:/callback), native apps only. */
const PRIVATE_USE = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:\/([^/\s#][^\s#]*)?$/;

/**
 * https anywhere, http only on a loopback host (RFC 8252 §7.3), absolute, no fragment, no userinfo, no
 * whitespace: the same rule as astapa.is_valid_redirect_uri, checked here to name the offending URI. A web app
 * may use https only; a native app may also use a private-use scheme (RFC 8252 §7.1).
 */
export function redirectUriProblem(uri: unknown, type: ApplicationType = undefined): string | null {
  if (typeof uri !== "string" || uri.length === 0 || uri.length > 2000) {
    return "must be a URL of 1–2000 characters";
  }
  if (/[\s#]/.test(uri)) return "must not contain a fragment or whitespace";
  if (type === "native" && PRIVATE_USE.test(uri)) return null;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password || /^[a-z]+:\/\/[^/?]*@/i.test(uri)) return "must not contain userinfo";
  if (url.protocol === "https:" && /^https:\/\/[^/?@\s:]+(:[0-9]{1,5})?([/?].*)?$/.test(uri)) return null;
  if (url.protocol === "http:" && LOOPBACK.includes(url.hostname) && /^http:\/\/[^/?]+([/?].*)?$/.test(uri)) {
    return type === "web" ? "must use https: a web application may not redirect to a loopback address" : null;
  }
  if (type === "web") return "must use https (application_type web)";
  if (type === "native") {
    return "must use https, http on 127.0.0.1, localhost or [::1], or a private-use scheme such as " +
      "com.example.app:/callback";
  }
  return "must use https (http only on 127.0.0.1, localhost or [::1])";
}

const optionalString = (max: number) => z.string().max(max).optional();
const url = z.string().max(2000).refine((value) => {
  try {
    return ["https:", "http:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "must be an http(s) URL");

/** The fields echoed back as given; anything else a client sends is ignored (RFC 7591 §2). */
const EchoedMetadata = z.object({
  client_uri: url.optional(),
  logo_uri: url.optional(),
  tos_uri: url.optional(),
  policy_uri: url.optional(),
  contacts: z.array(z.string().max(254)).max(10).optional(),
  software_id: optionalString(200),
  software_version: optionalString(200),
  application_type: z.enum(["web", "native"]).optional(),
  // RFC 9449 §5.2: every token request of the client must then carry a DPoP proof (lib/oauth/dpop_clients.ts).
  dpop_bound_access_tokens: z.boolean().optional(),
  // OIDC Core §4: where a sign-in the client did not start goes (echoed; Astapa starts none for a self-registered
  // client: its mailed links name the project's own client's).
  initiate_login_uri: InitiateLoginUri.optional(),
});

/** Fetches a private_key_jwt client's keys from its jwks_uri (lib/oauth/registered_client_jwks.ts). */
export type JwksFetcher = (uri: string) => Promise<Jwks>;

/**
 * Checks a registration request; throws invalid_redirect_uri or invalid_client_metadata naming the problem.
 * `fetchJwks` reads a private_key_jwt client's jwks_uri.
 */
export async function parseRegistration(body: unknown, fetchJwks: JwksFetcher): Promise<DynamicClientInput> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw metadataError("The registration request must be a JSON object.");
  }
  const raw = body as Record<string, unknown>;
  const uris = raw.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10) {
    throw new AppError("invalid_redirect_uri", {
      description: "redirect_uris must be an array of 1 to 10 URLs.",
    });
  }
  const type = raw.application_type;
  if (type !== undefined && type !== "web" && type !== "native") {
    throw metadataError('application_type must be "web" or "native".');
  }
  for (const uri of uris) {
    const problem = redirectUriProblem(uri, type);
    if (problem) {
      throw new AppError("invalid_redirect_uri", {
        description: `redirect_uri ${JSON.stringify(String(uri).slice(0, 200))} ${problem}.`,
      });
    }
  }
  if (new Set(uris).size !== uris.length) {
    throw new AppError("invalid_redirect_uri", { description: "redirect_uris lists a URL twice." });
  }
  const method = raw.token_endpoint_auth_method ?? "client_secret_basic"; // RFC 7591 §2's default
  if (!AUTH_METHODS.includes(method as typeof AUTH_METHODS[number])) {
    throw metadataError(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(", ")}.`);
  }
  const jwks = await registeredKeys(raw, method, fetchJwks);
  const grantTypes = raw.grant_types ?? ["authorization_code"];
  if (
    !Array.isArray(grantTypes) || !grantTypes.includes("authorization_code") ||
    !grantTypes.every((grant) => GRANT_TYPES.includes(grant))
  ) {
    throw metadataError(
      "grant_types must include authorization_code and may add refresh_token and " +
        "urn:ietf:params:oauth:grant-type:device_code; clients acting for themselves " +
        "(client_credentials) are created by the project as machine clients.",
    );
  }
  const responseTypes = raw.response_types ?? ["code"];
  if (!Array.isArray(responseTypes) || responseTypes.length !== 1 || responseTypes[0] !== "code") {
    throw metadataError('response_types must be ["code"].');
  }
  const name = raw.client_name;
  // deno-lint-ignore no-control-regex
  if (name !== undefined && (typeof name !== "string" || name.length > 100 || /[\x00-\x1f\x7f]/.test(name))) {
    throw metadataError("client_name must be text of at most 100 characters.");
  }
  let scope: string | null = null;
  if (raw.scope !== undefined) {
    if (typeof raw.scope !== "string" || raw.scope.length > 1000) {
      throw metadataError("scope must be a string.");
    }
    try {
      scope = parseScope(raw.scope);
    } catch {
      throw metadataError("scope must be space-separated scope tokens.");
    }
  }
  const echoed = EchoedMetadata.safeParse(raw);
  if (!echoed.success) {
    const issue = echoed.error.issues[0];
    throw metadataError(`${issue.path.join(".")}: ${issue.message}.`);
  }
  const logout = readLogoutMetadata(raw);
  if ("problem" in logout) throw metadataError(`${logout.problem}.`);
  return {
    ...(name ? { client_name: name as string } : {}),
    redirect_uris: uris as string[],
    grant_types: [...new Set(grantTypes as string[])],
    token_endpoint_auth_method: method as DynamicClientInput["token_endpoint_auth_method"],
    ...(scope ? { scope } : {}),
    metadata: {
      ...JSON.parse(JSON.stringify(echoed.data)),
      ...logout,
      ...(jwks ? { jwks } : {}),
      ...(jwks && typeof raw.jwks_uri === "string" ? { jwks_uri: raw.jwks_uri } : {}),
    },
  };
}

/**
 * private_key_jwt needs its public keys: inline (`jwks`) or at a `jwks_uri`, fetched now (and again when due,
 * lib/oauth/registered_client_jwks.ts); RFC 7591 §2: not both. For other methods both are ignored, like any
 * metadata the server does not use.
 */
async function registeredKeys(
  raw: Record<string, unknown>,
  method: unknown,
  fetchJwks: JwksFetcher,
): Promise<Jwks | null> {
  if (method !== "private_key_jwt") return null;
  if (raw.jwks !== undefined && raw.jwks_uri !== undefined) {
    throw metadataError("jwks and jwks_uri must not both be present (RFC 7591 §2).");
  }
  if (raw.jwks_uri !== undefined) {
    if (typeof raw.jwks_uri !== "string" || raw.jwks_uri.length > 2000) {
      throw metadataError("jwks_uri must be an https URL.");
    }
    try {
      return await fetchJwks(raw.jwks_uri);
    } catch (error) {
      if (!(error instanceof MetadataDocumentRefused)) throw error;
      throw metadataError(`jwks_uri cannot be used: ${error.message}.`);
    }
  }
  if (raw.jwks === undefined) {
    throw metadataError("private_key_jwt needs the client's public keys: jwks or jwks_uri.");
  }
  const keys = await publicJwksProblem(raw.jwks);
  if ("problem" in keys) throw metadataError(`${keys.problem}.`);
  return keys.jwks;
}

/** The request as documented (OpenAPI); parseRegistration is what checks it. */
export const RegistrationRequest = z.object({
  redirect_uris: z.array(z.string()).describe("1–10 URLs: https, or http on a loopback host; no fragment."),
  token_endpoint_auth_method: z.enum(AUTH_METHODS).optional()
    .describe(
      '"none" for a public client (PKCE only); private_key_jwt with jwks; default client_secret_basic.',
    ),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional()
    .describe("private_key_jwt only: 1–5 public keys (RS256, PS256, ES256, EdDSA) the client signs with."),
  jwks_uri: z.string().optional()
    .describe("private_key_jwt only, instead of jwks: an https URL serving them; fetched again on rotation."),
  grant_types: z.array(
    z.enum(["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]),
  ).optional(),
  response_types: z.array(z.literal("code")).optional(),
  client_name: z.string().max(100).optional().describe("Shown to the person signing in, marked unverified."),
  scope: z.string().optional(),
}).extend(EchoedMetadata.shape).extend(LogoutMetadata.shape);

export const RegistrationResponse = RegistrationRequest.extend({
  client_id: z.string().describe("dcl_…"),
  client_id_issued_at: z.number().int(),
  client_secret: z.string().optional().describe("Only for client_secret_basic / client_secret_post."),
  client_secret_expires_at: z.number().int().optional().describe("0: the secret does not expire."),
});
