/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3.1):
 * HTTP Basic (client_secret_basic), client_id + client_secret in the body (client_secret_post), a signed
 * client assertion (private_key_jwt, RFC 7523 §2.2; checked in client_assertion.ts), or a bare client_id for
 * public clients (none). Using two methods at once is refused.
 */
import { decodeJwt } from "jose";
import { AppError } from "../http/errors.ts";
import type { OAuthParams } from "./params.ts";

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none";
export type PresentedClient = {
  clientId: string;
  secret: string | null;
  method: ClientAuthMethod;
  /** The client assertion (a JWT) when method is private_key_jwt. */
  assertion?: string;
};

/** RFC 7523 §2.2: the only client_assertion_type accepted. */
export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Basic failures carry the challenge RFC 6749 §5.2 asks for. */
export const BASIC_CHALLENGE = { "WWW-Authenticate": 'Basic realm="astapa", charset="UTF-8"' };

/** Reads which client is calling and how it authenticates; does not check the secret. */
export function presentedClient(authorization: string | undefined, params: OAuthParams): PresentedClient {
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) {
    return assertedClient(authorization, params);
  }
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const basic = decodeBasic(authorization.slice(6).trim());
    if (params.client_secret !== undefined) {
      throw new AppError("invalid_request", {
        description: "Use one client authentication method, not two.",
      });
    }
    if (params.client_id !== undefined && params.client_id !== basic.clientId) {
      throw new AppError("invalid_request", {
        description: "client_id differs from the Authorization header.",
      });
    }
    return { ...basic, method: "client_secret_basic" };
  }
  const clientId = params.client_id;
  if (clientId === undefined) {
    throw new AppError("invalid_client", {
      description: "Identify the client with client_id or HTTP Basic.",
      headers: BASIC_CHALLENGE, // no credential at all: say how to send one (RFC 7235 §3.1)
    });
  }
  const secret = params.client_secret ?? null;
  return { clientId, secret, method: secret === null ? "none" : "client_secret_post" };
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before base64, so decode both. */
function decodeBasic(encoded: string): { clientId: string; secret: string } {
  const fail = () =>
    new AppError("invalid_client", {
      description: "The Authorization header is malformed.",
      headers: BASIC_CHALLENGE,
    });
  let decoded: string;
  try {
    // The engine's codec: as lenient as atob (whitespace, missing padding), without a string per byte.
    decoded = STRICT_UTF8.decode(Uint8Array.fromBase64(encoded));
  } catch {
    throw fail();
  }
  const colon = decoded.indexOf(":");
  if (colon < 1) throw fail();
  try {
    const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw fail();
  }
}

/** private_key_jwt (RFC 7521 §4.2): the client is the assertion's subject; client_id, if sent, must match. */
function assertedClient(authorization: string | undefined, params: OAuthParams): PresentedClient {
  if (authorization !== undefined && /^basic /i.test(authorization) || params.client_secret !== undefined) {
    throw new AppError("invalid_request", { description: "Use one client authentication method, not two." });
  }
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION || params.client_assertion === undefined) {
    throw new AppError("invalid_request", {
      description: `Send client_assertion with client_assertion_type ${JWT_BEARER_ASSERTION}.`,
    });
  }
  let subject: unknown;
  try {
    subject = decodeJwt(params.client_assertion).sub;
  } catch {
    throw new AppError("invalid_client", { description: "client_assertion is not a JWT." });
  }
  if (typeof subject !== "string" || subject.length === 0 || subject.length > 100) {
    throw new AppError("invalid_client", {
      description: "client_assertion must name the client as its sub.",
    });
  }
  if (params.client_id !== undefined && params.client_id !== subject) {
    throw new AppError("invalid_client", {
      description: "client_id differs from the client assertion's sub.",
    });
  }
  return { clientId: subject, secret: null, method: "private_key_jwt", assertion: params.client_assertion };
}
