/** Typed calls for the hosted login (db/api/login.sql and the user API). */
import { z } from "zod";
import { asApp, asAppStatement, retrying, signUpContext, type Sql, type Tx } from "./client.ts";
import { sha256 } from "../lib/secrets.ts";
import { result } from "./result.ts";
import type { ClaimNotice } from "@/lib/login/claimed_mail.ts";
import { Claimed, tellClaim } from "./claim_notice.ts";

const AuthorizationClient = z.object({
  project_id: z.string(),
  name: z.string(),
  mode: z.enum(["sandbox", "production"]),
  redirect_uris: z.array(z.string()),
  settings: z.record(z.string(), z.unknown()),
});
export type AuthorizationClient = z.infer<typeof AuthorizationClient>;

const Refusal = z.object({ sqlstate: z.enum(["AS4S0", "AS4T0"]), message: z.string() });
const AuthorizationRequestClient = AuthorizationClient.extend({ refusal: Refusal.nullable() });
export type AuthorizationRequestClient = z.infer<typeof AuthorizationRequestClient>;

/**
 * The client of an authorization request, with why its project may not grant the scope and resource
 * (invalid_scope / invalid_target as a SQLSTATE and message) or null: both in one statement, before anyone
 * signs in. Null for an unknown client. One statement, one round trip (no BEGIN/COMMIT): every sign-in page
 * view starts with it.
 */
export async function authorizationRequestClient(
  sql: Sql,
  clientId: string,
  target: { scope: string | null; resource: string | null },
): Promise<AuthorizationRequestClient | null> {
  const [row] = await retrying(
    sql,
    () =>
      asAppStatement(
        sql,
        null,
        (app) =>
          sql`with ${app} select api.authorization_request_client(${clientId}, ${target.scope}, ${target.resource}) as c
            from app`,
      ),
    { read: true },
  );
  return row.c === null ? null : AuthorizationRequestClient.parse(row.c);
}

const SignInRecord = z.object({
  id: z.string(),
  password_hash: z.string().nullable(),
  disabled: z.boolean(),
  email_verified: z.boolean(),
});

/** The user behind an email in the project's current environment, with the hash to check the password. */
export async function userForSignIn(sql: Sql, projectId: string, email: string) {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.user_for_sign_in(${projectId}, ${email}) as u`,
  );
  return row.u === null ? null : SignInRecord.parse(row.u);
}

export type OutgoingMail = { subject: string; body: string; html?: string; kind: string };
/** A mailed link's token hash, the sign-in request its short link opens, and its mail. */
export type MailedLink = { tokenHash: Uint8Array; signInRequest?: string; mail: OutgoingMail };

/**
 * Signs a person up with a password (settings.sign_up checked first, with the request's invitation) and queues
 * their verification mail, in one transaction. `legalConsent`: the person ticked "I agree" (AS4N7 without it
 * where settings.sign_up.require_legal_consent; the account's legal_accepted_at records it). `guestSub`: a guest
 * signing up keeps their row and sub (api.sign_up_guest, docs/anonymous-users.md).
 */
export async function createUser(
  sql: Sql,
  projectId: string,
  user: { email: string; passwordHash: string; guestSub?: string },
  verification: MailedLink,
  invitation?: string,
  legalConsent = false,
): Promise<string> {
  return await asApp(sql, projectId, async (tx) => {
    const [row] = user.guestSub === undefined
      ? await tx`select api.sign_up_user(${projectId}, ${user.email}, ${user.passwordHash}) ->> 'id' as id`
      : await tx`select api.sign_up_guest(${projectId}, ${user.guestSub}::bigint, ${user.email},
                                          ${user.passwordHash}) ->> 'id' as id`;
    await sendLink(tx, user.email, "verify_email", verification);
    return row.id as string;
  }, signUpContext(invitation, undefined, undefined, legalConsent));
}

/**
 * Mails a link (a reset, or a verification while the address is unconfirmed) to the enabled user behind an
 * email; silent when there is nobody to mail, so the page can answer the same either way.
 */
export async function mailEmailLink(
  sql: Sql,
  projectId: string,
  email: string,
  purpose: "verify_email" | "reset_password",
  link: MailedLink,
): Promise<void> {
  await asApp(sql, projectId, (tx) => sendLink(tx, email, purpose, link), { actor: "hosted_login" });
}

function sendLink(
  tx: Tx,
  email: string,
  purpose: "verify_email" | "reset_password",
  { tokenHash, signInRequest, mail }: MailedLink,
) {
  return tx`select api.mail_email_link(${email}, ${purpose}, ${tokenHash}, ${mail.subject}, ${mail.body},
                                       ${mail.kind}, ${mail.html ?? null}, ${signInRequest ?? null})`;
}

/** The sign-in request a short mailed link opens, or null for a token this project never issued. */
export async function emailLinkRequest(sql: Sql, projectId: string, token: string): Promise<string | null> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.email_link_request(${await sha256(token)}) as request`,
  );
  return row.request ?? null;
}

/** Whether a reset link is still unused and unexpired (reading it does not use it). */
export async function resetLinkUsable(sql: Sql, projectId: string, token: string): Promise<boolean> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.reset_link_usable(${await sha256(token)}) as usable`,
  );
  return row.usable === true;
}

/**
 * Uses a reset link: the user whose password it set. A reset that claimed the account (its address was
 * unproven) queues `notice` with what the claim removed, in the same transaction.
 */
export async function resetPassword(
  sql: Sql,
  projectId: string,
  token: string,
  passwordHash: string,
  notice: ClaimNotice,
): Promise<string> {
  return await asApp(
    sql,
    projectId,
    async (tx) => {
      const reset = await result(
        tx`select api.reset_password(${await sha256(token)}, ${passwordHash}) as result`,
        z.object({ user_id: z.string() }).merge(Claimed),
      );
      await tellClaim(tx, projectId, reset, notice);
      return reset.user_id;
    },
    { actor: "hosted_login" },
  );
}

export async function sessionUser(sql: Sql, projectId: string, token: string): Promise<string | null> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.login_session_user(${await sha256(token)})::text as user_id`,
  );
  return row.user_id;
}

export type CodeRequest = {
  codeHash: Uint8Array;
  clientId: string;
  redirectUri: string;
  scope: string;
  resource?: string;
  codeChallenge?: string;
  /** The request's dpop_jkt (RFC 9449 §10): the code is redeemed only with a DPoP proof of that key. */
  dpopJkt?: string;
  nonce?: string;
  /** The active organization the person chose (id or slug); they must be its member. */
  organization?: string;
};

/** A new browser session; `replaces` is the hash of the one this browser held, which ends with it. */
export type NewSession = {
  tokenHash: Uint8Array;
  ttlSeconds: number;
  replaces?: Uint8Array;
  /** The browser's User-Agent, for the account page's list of sessions. */
  userAgent?: string;
};

/**
 * How and when the person signed in: RFC 8176 amr values, and auth_time (now, unless a session is reused).
 * `passwordHash`: after a password, the stored hash it was verified against; the session (or challenge) starts
 * only while it is still the enabled user's, else Postgres raises AS4C0 (credentials_changed).
 */
export type SignInMethod = {
  amr: string[];
  authTime?: Date;
  passwordHash?: string;
  saml?: SamlSignIn;
  oidc?: OidcSsoSignIn;
};

/** A SAML sign-in's connection, NameID (format) and SessionIndex, kept with the session it starts (single logout). */
export type SamlSignIn = {
  connectionId: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
};

/**
 * An OpenID Connect SSO sign-in's connection, the ID token's sub and sid, kept with the session (back-channel
 * logout), and the ID token sealed (the id_token_hint of RP-initiated logout at the IdP; null: none kept).
 */
export type OidcSsoSignIn = {
  connectionId: string;
  subject: string;
  sid: string | null;
  idTokenSealed?: string | null;
};

/**
 * The browser session a code is for: a new one this sign-in starts, or the live one the browser already holds
 * (`live`: its token's SHA-256), found live in an earlier transaction and checked again when the code is issued.
 */
export type SignInSession = NewSession | { live: Uint8Array };

/**
 * Starts a session (when a new sign-in gives one, ending the browser's previous one) and issues the
 * authorization code (unless the client must be allowed first: null), in one transaction. For a live session,
 * the code is issued only while it is still live (else Postgres raises AS4G0, invalid_grant: sign in again).
 */
export async function completeSignIn(
  sql: Sql,
  projectId: string,
  userId: string,
  code: CodeRequest | null,
  session: SignInSession,
  method: SignInMethod = { amr: ["pwd"] },
): Promise<void> {
  await asApp(sql, projectId, (tx) => writeSignIn(tx, userId, code, session, method), {
    actor: "hosted_login",
  });
}

/** completeSignIn's statements, for wrappers that do more in the same transaction (db/factors.ts). */
export async function writeSignIn(
  tx: Tx,
  userId: string,
  code: CodeRequest | null,
  session: SignInSession,
  { amr, authTime, passwordHash, saml, oidc }: SignInMethod,
): Promise<void> {
  const fresh = "tokenHash" in session ? session : null;
  // The code names the session it is for; a new one is live here by construction, a reused one is checked.
  const sessionHash = "tokenHash" in session ? session.tokenHash : session.live;
  if (fresh) {
    await tx`select api.start_login_session(${userId}, ${fresh.tokenHash}, ${fresh.ttlSeconds}, ${amr},
      ${passwordHash ?? null})`;
    if (fresh.userAgent) {
      await tx`select api.describe_login_session(${fresh.tokenHash}, ${fresh.userAgent})`;
    }
    if (saml) {
      await tx`select api.record_saml_session(${fresh.tokenHash}, ${saml.connectionId}, ${saml.nameId},
        ${saml.nameIdFormat}, ${saml.sessionIndex})`;
    }
    if (oidc) {
      await tx`select api.record_oidc_session(${fresh.tokenHash}, ${oidc.connectionId}, ${oidc.subject}, ${oidc.sid},
        ${oidc.idTokenSealed ?? null})`;
    }
    // The browser's previous session ends after the new one starts (which takes the user's row): the one lock
    // order, user before sessions, as a sign-out everywhere and a project's deletion take them. Ended first, it
    // was held while the start waited for a user's row that a sign-out held while waiting for it.
    if (fresh.replaces) await tx`select api.end_login_session(${fresh.replaces})`;
  }
  if (!code) return;
  await tx`select api.issue_authorization_code(${code.codeHash}, ${code.clientId}, ${userId}, ${code.redirectUri},
    ${code.scope}, ${code.resource ?? null}, ${code.codeChallenge ?? null}, ${
    code.codeChallenge ? "S256" : null
  },
    ${code.nonce ?? null}, ${authTime ?? null}::timestamptz, 60, ${amr}, ${code.organization ?? null},
    ${sessionHash})`;
  if (code.dpopJkt) {
    await tx`select api.bind_authorization_code_to_dpop_key(${code.codeHash}, ${code.dpopJkt})`;
  }
}

const LiveSession = z.object({
  user_id: z.string(),
  amr: z.array(z.string()),
  auth_time: z.number(),
  /** The session's public id: the sid of the ID tokens issued from it. */
  sid: z.string(),
});
export type LiveSession = z.infer<typeof LiveSession>;

/** The live session behind a browser's cookie: who, how (amr) and when (auth_time), or null. */
export async function liveSession(sql: Sql, projectId: string, token: string): Promise<LiveSession | null> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.login_session(${await sha256(token)}) as s`,
  );
  return row.s === null ? null : LiveSession.parse(row.s);
}

/** The live session behind a cookie, only when it gave `clientId` tokens (api.client_login_session), else null. */
export async function clientLiveSession(
  sql: Sql,
  projectId: string,
  token: string,
  clientId: string,
): Promise<LiveSession | null> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.client_login_session(${await sha256(token)}, ${clientId}) as s`,
  );
  return row.s === null ? null : LiveSession.parse(row.s);
}

export async function endSession(sql: Sql, projectId: string, token: string): Promise<void> {
  await asApp(sql, projectId, async (tx) => tx`select api.end_login_session(${await sha256(token)})`);
}
