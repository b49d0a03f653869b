/**
 * A local Apple (appleid.apple.com) for Sign in with Apple: discovery, /auth/authorize answering with the
 * auto-submitting form_post page Apple serves (the test posts its fields as the browser would), /auth/token
 * checking the client secret as Apple does (an ES256 JWT: the registered key's `kid`, `iss` = Team ID,
 * `sub` = client_id, `aud` = the issuer, unexpired, at most six months — else `invalid_client`; a wrong, reused
 * or foreign code is `invalid_grant`), /auth/keys, RS256 ID tokens with Apple's string booleans, /auth/revoke
 * (recording each revocation, or answering trouble), and server-to-server notifications signed with its key.
 */
import { decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { escapeHtml } from "@/lib/mail/layout.ts";
import { type FakeServer, json, newCode, serveFake } from "./serve.ts";

export type AppleAccount = {
  sub: string;
  /** Absent: Apple leaves the email out (a returning person). */
  email?: string;
  /** Apple sends booleans or the strings "true"/"false". */
  email_verified?: boolean | "true" | "false";
  is_private_email?: boolean | "true" | "false";
  /** Sent in the form_post's `user` field (first sign-in only, at Apple). */
  name?: { firstName: string; lastName: string };
};

/** A developer's Sign in with Apple key, registered with the fake for a Services ID. */
export type AppleKeyPair = { teamId: string; keyId: string; privateKeyPem: string; publicKey: CryptoKey };

type Grant = { clientId: string; redirectUri: string; nonce?: string; account: AppleAccount; used: boolean };

export type FakeApple = FakeServer & {
  issuer: string;
  /** The deployment's Services ID and key. */
  clientId: string;
  key: AppleKeyPair;
  /** Registered Services IDs → their key (a project's own app). */
  clients: Map<string, AppleKeyPair>;
  approveAs: AppleAccount;
  /** When set, authorize answers this error in the form post (Apple: user_cancelled_authorize). */
  deny?: string;
  authorizeRequests: URLSearchParams[];
  /** Client secrets Apple refused, with why (for assertions). */
  refusedSecrets: string[];
  /** Every /auth/revoke call whose client secret held: which Services ID revoked which token. */
  revocations: { clientId: string; token: string; hint: string | null }[];
  /** The refresh tokens the token endpoint issued, per Apple subject (newest last). */
  refreshTokens: Map<string, string[]>;
  /** Answers the next /auth/revoke calls with these statuses instead (then 200 again). */
  revokeTrouble: number[];
  /** A server-to-server notification as Apple signs it (RS256, its key): the JWT to POST as `payload`. */
  signNotification(
    event: Record<string, unknown>,
    claims?: { aud?: string; iat?: number; jti?: string; iss?: string },
  ): Promise<string>;
};

/** A fresh Sign in with Apple key (P-256), as the .p8 PEM Apple lets the developer download once. */
export async function newAppleKey(teamId = "TEAM000001", keyId = "KEY0000001"): Promise<AppleKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { teamId, keyId, privateKeyPem: await exportPKCS8(privateKey), publicKey };
}

export async function startFakeApple(): Promise<FakeApple> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const kid = "fake-apple-1";
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  const grants = new Map<string, Grant>();
  const invalidClient = (why: string) => {
    fake.refusedSecrets.push(why);
    return json({ error: "invalid_client" }, 400);
  };

  /** Apple's check of the client secret JWT: null when it holds, else why not. */
  async function secretProblem(clientId: string, secret: string): Promise<string | null> {
    const key = fake.clients.get(clientId);
    if (!key) return "unknown client";
    try {
      if (decodeProtectedHeader(secret).kid !== key.keyId) return "wrong kid";
      const { payload } = await jwtVerify(secret, key.publicKey, {
        algorithms: ["ES256"],
        issuer: key.teamId,
        subject: clientId,
        audience: fake.issuer,
      });
      if (!payload.iat || !payload.exp || payload.exp - payload.iat > 15_777_000) return "lifetime";
      return null;
    } catch (error) {
      return (error as Error).constructor.name;
    }
  }

  const server = serveFake(async (req, url) => {
    const issuer = fake.issuer;
    switch (`${req.method} ${url.pathname}`) {
      case "GET /.well-known/openid-configuration":
        return json({
          issuer,
          authorization_endpoint: `${issuer}/auth/authorize`,
          token_endpoint: `${issuer}/auth/token`,
          revocation_endpoint: `${issuer}/auth/revoke`,
          jwks_uri: `${issuer}/auth/keys`,
          response_types_supported: ["code"],
          response_modes_supported: ["query", "fragment", "form_post"],
          subject_types_supported: ["pairwise"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid", "email", "name"],
          token_endpoint_auth_methods_supported: ["client_secret_post"],
          claims_supported: [
            "aud",
            "email",
            "email_verified",
            "exp",
            "iat",
            "is_private_email",
            "iss",
            "nonce",
            "nonce_supported",
            "real_user_status",
            "sub",
            "transfer_sub",
          ],
        });
      case "GET /auth/keys":
        return json(jwks);
      case "GET /auth/authorize": {
        const q = url.searchParams;
        fake.authorizeRequests.push(q);
        const clientId = q.get("client_id") ?? "";
        const redirectUri = q.get("redirect_uri");
        if (!fake.clients.has(clientId) || !redirectUri) {
          return new Response("invalid_client", { status: 400 });
        }
        const scopes = (q.get("scope") ?? "").split(" ");
        // Apple: asking for name or email needs the answer posted, never in the query.
        if (
          q.get("response_type") !== "code" || (scopes.some((s) => s === "name" || s === "email") &&
            q.get("response_mode") !== "form_post")
        ) {
          return new Response("invalid_request: Invalid response mode", { status: 400 });
        }
        const state = q.get("state") ?? undefined;
        if (fake.deny) return formPost(redirectUri, { error: fake.deny, state });
        const code = `c${newCode()}.0.fake`;
        const account = { ...fake.approveAs };
        grants.set(code, { clientId, redirectUri, nonce: q.get("nonce") ?? undefined, account, used: false });
        const user = account.name
          ? JSON.stringify({ name: account.name, ...(account.email ? { email: account.email } : {}) })
          : undefined;
        return formPost(redirectUri, { code, state, user });
      }
      case "POST /auth/token": {
        const form = new URLSearchParams(await req.text());
        const clientId = form.get("client_id") ?? "";
        const problem = await secretProblem(clientId, form.get("client_secret") ?? "");
        if (problem) return invalidClient(problem);
        const grant = grants.get(form.get("code") ?? "");
        if (
          form.get("grant_type") !== "authorization_code" || !grant || grant.used ||
          grant.clientId !== clientId ||
          grant.redirectUri !== form.get("redirect_uri")
        ) {
          return json({ error: "invalid_grant" }, 400);
        }
        grant.used = true;
        const { account } = grant;
        const refreshToken = `r${newCode()}.0.fake`;
        fake.refreshTokens.set(account.sub, [...(fake.refreshTokens.get(account.sub) ?? []), refreshToken]);
        const idToken = await new SignJWT({
          ...(account.email ? { email: account.email } : {}),
          ...(account.email_verified !== undefined ? { email_verified: account.email_verified } : {}),
          ...(account.is_private_email !== undefined ? { is_private_email: account.is_private_email } : {}),
          ...(grant.nonce ? { nonce: grant.nonce, nonce_supported: true } : {}),
          auth_time: Math.floor(Date.now() / 1000),
          real_user_status: 2,
        })
          .setProtectedHeader({ alg: "RS256", kid })
          .setIssuer(issuer)
          .setAudience(clientId)
          .setSubject(account.sub)
          .setIssuedAt()
          .setExpirationTime("10m")
          .sign(privateKey);
        return json({
          access_token: `a${newCode()}.0.fake`,
          token_type: "Bearer",
          expires_in: 3600,
          refresh_token: refreshToken,
          id_token: idToken,
        });
      }
      case "POST /auth/revoke": {
        // Apple's token revocation: client_id, client_secret (checked as at /auth/token), token, token_type_hint.
        const form = new URLSearchParams(await req.text());
        const clientId = form.get("client_id") ?? "";
        const problem = await secretProblem(clientId, form.get("client_secret") ?? "");
        if (problem) return invalidClient(problem);
        const trouble = fake.revokeTrouble.shift();
        if (trouble) return json({ error: "server_error" }, trouble);
        const token = form.get("token");
        if (!token) return json({ error: "invalid_request" }, 400);
        fake.revocations.push({ clientId, token, hint: form.get("token_type_hint") });
        return new Response(null, { status: 200 });
      }
    }
    return json({ error: "not_found" }, 404);
  });

  const key = await newAppleKey();
  const fake: FakeApple = {
    ...server,
    issuer: server.origin,
    clientId: "com.example.astapa.signin",
    key,
    clients: new Map([["com.example.astapa.signin", key]]),
    approveAs: { sub: "001234.fakeapple.0001", email: "sari@icloud.test", email_verified: "true" },
    authorizeRequests: [],
    refusedSecrets: [],
    revocations: [],
    refreshTokens: new Map(),
    revokeTrouble: [],
    signNotification: (event, claims = {}) =>
      new SignJWT({ events: JSON.stringify(event) })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(claims.iss ?? fake.issuer)
        .setAudience(claims.aud ?? fake.clientId)
        .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
        .setJti(claims.jti ?? crypto.randomUUID())
        .sign(privateKey),
  };
  return fake;
}

/** Apple's answer page: a form posting the fields to the redirect URI, submitted by script on load. */
function formPost(action: string, fields: Record<string, string | undefined>): Response {
  const inputs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value!)}">`)
    .join("");
  const html = `<!doctype html><html><body onload="document.forms[0].submit()">` +
    `<form method="post" action="${escapeHtml(action)}">${inputs}</form></body></html>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}
