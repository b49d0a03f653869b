/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client whose `client_id` is
 * an https URL publishes its metadata at that URL. This module fetches one — through the webhooks' SSRF guard
 * (no internal addresses unless allowed, connecting to the address checked), at most 5 KiB in 5 s, redirects
 * refused — and validates it: its `client_id` equals the URL, redirect URIs as for dynamic registration,
 * `token_endpoint_auth_method` `none` or `private_key_jwt` with `jwks` or a `jwks_uri` fetched the same way.
 * How long a copy may be used comes from its Cache-Control / Expires headers, within bounds.
 */
import { z } from "zod";
import { checkTarget, isInternalAddress, type Resolver } from "../webhooks/address_guard.ts";
import { pinnedRequest, type PinnedResponse } from "../webhooks/pinned_request.ts";
import { type ApplicationType, redirectUriProblem } from "./registration.ts";
import { publicJwksProblem } from "./client_keys.ts";
import { parseScope } from "./scope.ts";
import { AppError } from "../http/errors.ts";

/** How a deployment fetches documents; `allowHttp`, `resolve` and `caCerts` exist for tests only. */
export type MetadataFetchOptions = {
  /** ASTAPA_WEBHOOK_ALLOW_PRIVATE: single-tenant deployments may fetch from internal addresses. */
  allowPrivate: boolean;
  /** Accept http:// client ids (a local test host without TLS). Never set from the environment. */
  allowHttp?: boolean;
  resolve?: Resolver;
  caCerts?: string[];
  timeoutMs?: number;
};

/** The draft's recommended ceiling for a document (§4.1); a JWK Set from jwks_uri may be a little larger. */
export const MAX_DOCUMENT_BYTES = 5 * 1024;
const MAX_JWKS_BYTES = 8 * 1024;
/** Cache bounds (seconds): no copy is trusted longer than a day, and none is refetched more than once a minute. */
export const CACHE_SECONDS = { min: 60, fallback: 600, max: 86400 };

/** A document that cannot be used, with the reason a client developer can act on. */
export class MetadataDocumentRefused extends Error {}

/** Whether a client id names a metadata document (a URL) rather than a registered client. */
export function isMetadataDocumentClientId(clientId: string): boolean {
  return clientId.startsWith("https://") || clientId.startsWith("http://");
}

/** Why `clientId` cannot be a metadata document URL (draft §3), or null. */
export function clientIdUrlProblem(clientId: string, allowHttp = false): string | null {
  if (clientId.length > 1000) return "client_id is longer than 1000 characters";
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return "client_id is not a URL";
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) return "client_id must be https";
  if (url.username || url.password) return "client_id must not contain a user name or password";
  if (clientId.includes("#")) return "client_id must not contain a fragment";
  if (url.pathname === "/" || url.pathname === "") return "client_id must have a path";
  if (/(^|\/)\.\.?(\/|$)/.test(clientId.slice(url.origin.length).split("?")[0])) {
    return "client_id must not contain . or .. path segments";
  }
  if (url.href !== clientId) return "client_id must be a URL in its normal form";
  return null;
}

const urlField = z.string().max(2000).refine((value) => {
  try {
    return ["https:", "http:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "must be an http(s) URL");

const Document = z.object({
  client_id: z.string(),
  client_name: z.string().max(100).refine((n) => !/[\p{Cc}]/u.test(n), "must be plain text").optional(),
  redirect_uris: z.array(z.unknown()).min(1).max(10),
  grant_types: z.array(
    z.enum(["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]),
  )
    .min(1).default(["authorization_code"])
    .refine((g) => g.includes("authorization_code"), "must include authorization_code"),
  response_types: z.array(z.literal("code")).length(1).default(["code"]),
  token_endpoint_auth_method: z.enum(["none", "private_key_jwt"]).default("none"),
  jwks: z.unknown().optional(),
  jwks_uri: urlField.optional(),
  scope: z.string().max(1000).optional(),
  application_type: z.enum(["web", "native"]).optional(),
  client_uri: urlField.optional(),
  logo_uri: urlField.optional(),
  tos_uri: urlField.optional(),
  policy_uri: urlField.optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(200).optional(),
}).passthrough();

/** A validated document, as stored in the shared cache (jwks from jwks_uri inlined). */
export type MetadataDocument = {
  client_id: string;
  client_name?: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: "none" | "private_key_jwt";
  jwks?: { keys: Record<string, unknown>[] };
  scope?: string;
  application_type?: "web" | "native";
} & Record<string, unknown>;

/** Fetches and validates the document at `clientId`; how long it may be cached comes with it. */
export async function fetchMetadataDocument(
  clientId: string,
  options: MetadataFetchOptions,
): Promise<{ document: MetadataDocument; maxAgeSeconds: number }> {
  const urlProblem = clientIdUrlProblem(clientId, options.allowHttp);
  if (urlProblem) throw new MetadataDocumentRefused(urlProblem);
  const res = await guardedGet(clientId, options, MAX_DOCUMENT_BYTES);
  const document = await validDocument(clientId, parseJson(res, "the metadata document"), options);
  return { document, maxAgeSeconds: cacheSeconds(res.headers) };
}

async function validDocument(
  clientId: string,
  raw: unknown,
  options: MetadataFetchOptions,
): Promise<MetadataDocument> {
  if (
    typeof raw === "object" && raw !== null && ("client_secret" in raw || "client_secret_expires_at" in raw)
  ) {
    throw new MetadataDocumentRefused("the document must not contain a client_secret (draft §4.1)");
  }
  const parsed = Document.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MetadataDocumentRefused(`the document's ${issue.path.join(".") || "body"} ${issue.message}`);
  }
  const doc = parsed.data;
  if (doc.client_id !== clientId) {
    throw new MetadataDocumentRefused(
      `the document's client_id (${doc.client_id.slice(0, 200)}) is not its URL`,
    );
  }
  const type: ApplicationType = doc.application_type;
  for (const [i, uri] of doc.redirect_uris.entries()) {
    const problem = redirectUriProblem(uri, type);
    if (problem) throw new MetadataDocumentRefused(`redirect_uris[${i}] ${problem}`);
  }
  if (new Set(doc.redirect_uris).size !== doc.redirect_uris.length) {
    throw new MetadataDocumentRefused("redirect_uris must be distinct");
  }
  let scope: string | undefined;
  try {
    scope = parseScope(doc.scope) ?? undefined;
  } catch (error) {
    throw new MetadataDocumentRefused(`the document's scope is invalid: ${(error as AppError).description}`);
  }
  const { jwks: _jwks, jwks_uri: _uri, ...rest } = doc;
  const document: MetadataDocument = { ...rest, redirect_uris: doc.redirect_uris as string[], scope };
  if (doc.token_endpoint_auth_method === "private_key_jwt") {
    document.jwks = await clientKeys(doc.jwks, doc.jwks_uri, options);
  } else if (doc.jwks !== undefined || doc.jwks_uri !== undefined) {
    throw new MetadataDocumentRefused("jwks and jwks_uri belong to private_key_jwt clients only");
  }
  return document;
}

/** The public keys of a private_key_jwt document: inline, or fetched from jwks_uri through the same guard. */
async function clientKeys(
  jwks: unknown,
  jwksUri: string | undefined,
  options: MetadataFetchOptions,
): Promise<{ keys: Record<string, unknown>[] }> {
  if ((jwks === undefined) === (jwksUri === undefined)) {
    throw new MetadataDocumentRefused("a private_key_jwt document needs exactly one of jwks and jwks_uri");
  }
  if (jwksUri !== undefined) return await fetchClientJwks(jwksUri, options);
  const checked = await publicJwksProblem(jwks);
  if ("problem" in checked) throw new MetadataDocumentRefused(checked.problem);
  return checked.jwks;
}

/**
 * A client's public keys from its jwks_uri, through the same SSRF guard and size limit as documents; every
 * problem is a MetadataDocumentRefused naming it. Also used for registered clients' jwks_uri.
 */
export async function fetchClientJwks(
  jwksUri: string,
  options: MetadataFetchOptions,
): Promise<{ keys: Record<string, unknown>[] }> {
  if (!jwksUri.startsWith("https://") && !(options.allowHttp && jwksUri.startsWith("http://"))) {
    throw new MetadataDocumentRefused("jwks_uri must be https");
  }
  const set = parseJson(await guardedGet(jwksUri, options, MAX_JWKS_BYTES), "jwks_uri");
  const checked = await publicJwksProblem(set);
  if ("problem" in checked) throw new MetadataDocumentRefused(checked.problem);
  return checked.jwks;
}

/** GET through the SSRF guard: 200 with a body of at most `maxBytes`, no redirect followed. */
async function guardedGet(
  url: string,
  options: MetadataFetchOptions,
  maxBytes: number,
): Promise<PinnedResponse> {
  const address = await connectAddress(url, options);
  let res: PinnedResponse;
  try {
    res = await pinnedRequest({
      method: "GET",
      url,
      address,
      headers: { accept: "application/json", "user-agent": "Astapa-Client-Metadata/1" },
      timeoutMs: options.timeoutMs ?? 5000,
      maxBodyBytes: maxBytes,
      caCerts: options.caCerts,
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const timedOut = /timed? ?out|abort/i.test(reason) || (cause as Error)?.name === "TimeoutError";
    throw new MetadataDocumentRefused(
      timedOut
        ? `${url} did not answer within ${(options.timeoutMs ?? 5000) / 1000} s`
        : `${url} could not be fetched (${reason.slice(0, 200)})`,
    );
  }
  if (res.status >= 300 && res.status < 400) {
    throw new MetadataDocumentRefused(`${url} answered a redirect (${res.status}); redirects are refused`);
  }
  if (res.status !== 200) throw new MetadataDocumentRefused(`${url} answered ${res.status}, not 200`);
  return res;
}

/** The address to connect to: the guard's choice, or (allowPrivate) whatever the name resolves to. */
async function connectAddress(url: string, options: MetadataFetchOptions): Promise<string | null> {
  if (!options.allowPrivate) {
    const target = await checkTarget(url, options.resolve);
    if ("refused" in target) throw new MetadataDocumentRefused(`${url} cannot be fetched: ${target.refused}`);
    return target.address;
  }
  if (!options.resolve) return null;
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  if (/^[\d.]+$/.test(host) || host.includes(":") || isInternalAddress(host)) return host;
  const [address] = await options.resolve(host, "A").catch(() => []);
  if (!address) throw new MetadataDocumentRefused(`${host} does not resolve`);
  return address;
}

function parseJson(res: PinnedResponse, what: string): unknown {
  if (res.contentType !== null && !/json/i.test(res.contentType)) {
    throw new MetadataDocumentRefused(`${what} must be served as application/json, not ${res.contentType}`);
  }
  try {
    return JSON.parse(res.body);
  } catch {
    throw new MetadataDocumentRefused(`${what} is not JSON`);
  }
}

/** Seconds a copy may be used: max-age (or Expires), no-store/no-cache as the minimum, within CACHE_SECONDS. */
export function cacheSeconds(headers: Record<string, string>, now = Date.now()): number {
  const clamp = (n: number) => Math.min(CACHE_SECONDS.max, Math.max(CACHE_SECONDS.min, Math.floor(n)));
  const control = (headers["cache-control"] ?? "").toLowerCase();
  if (/(^|[,\s])(no-store|no-cache)\b/.test(control)) return CACHE_SECONDS.min;
  const maxAge = /(?:^|[,\s])max-age\s*=\s*"?(\d{1,10})"?/.exec(control);
  if (maxAge) return clamp(Number(maxAge[1]));
  const expires = Date.parse(headers["expires"] ?? "");
  if (!Number.isNaN(expires)) return clamp((expires - now) / 1000);
  return CACHE_SECONDS.fallback;
}
