/** Typed calls for enterprise SSO connections and SSO sign-in (db/api/sso_connections.sql). */
import { fillProfile } from "./social.ts";
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

/**
 * The SAML attribute or OpenID Connect claim names a connection reads (docs/enterprise-sso.md "Attribute mapping and
 * groups"); a name left out is read under the well-known names.
 */
export const AttributeMapping = z.object({
  email: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  groups: z.string().optional(),
});
export type AttributeMapping = z.infer<typeof AttributeMapping>;

/** The IdP's group values (exact) → the organization role they give; `{}`: groups change no role. */
export const GroupRoles = z.record(z.string(), z.string());
export type GroupRoles = z.infer<typeof GroupRoles>;

/** A connection as the Platform API shows it: its protocol's fields only, never a secret. */
export const SsoConnection = z.object({
  id: z.string(),
  organization_id: z.string(),
  protocol: z.enum(["oidc", "saml"]),
  /** OpenID Connect. */
  issuer: z.string().optional(),
  idp_client_id: z.string().optional(),
  idp_client_secret_set: z.literal(true).optional(),
  /** SAML 2.0; the service provider's URLs are added by lib/login/sso/saml_urls.ts. */
  idp_entity_id: z.string().optional(),
  idp_sso_url: z.string().optional(),
  idp_certificates: z.array(z.string()).optional(),
  want_assertions_encrypted: z.boolean().optional(),
  sign_authn_requests: z.boolean().optional(),
  /** SAML: a Response the IdP sends unasked (its portal's tile) is handed to the app's initiate_login_uri. */
  idp_initiated: z.boolean().optional(),
  /** SAML: the IdP's single logout URL (HTTP-Redirect); absent: no single logout. */
  idp_slo_url: z.string().optional(),
  /** The connection's own service provider certificates (base64 DER), current first; never a private key. */
  sp_certificates: z.array(z.object({
    id: z.string(),
    state: z.enum(["current", "previous"]),
    certificate: z.string(),
    created_at: z.string(),
  })).optional(),
  enabled: z.boolean(),
  email_verified_required: z.boolean(),
  domains: z.array(z.string()),
  attribute_mapping: AttributeMapping,
  group_roles: GroupRoles,
  created_at: z.string(),
  updated_at: z.string(),
});
export type SsoConnection = z.infer<typeof SsoConnection>;

/** A save's attribute mapping and group roles; null keeps what the connection has. */
export type SsoMappingInput = {
  attributeMapping: Record<string, string | null> | null;
  groupRoles: GroupRoles | null;
};

const jsonOrNull = (tx: Tx, value: Record<string, unknown> | null) =>
  value === null ? null : tx.json(value as Record<string, string>);

/** What the hosted login needs to talk to the IdP: the connection with its sealed secret and the org's name. */
export const SsoSignInConnection = SsoConnection.extend({
  /** Null for SAML. */
  client_secret_sealed: z.string().nullable(),
  /** SAML: the service provider's key pairs, sealed (lib/login/sso/saml_sp_key.ts), current first. */
  sp_keys: z.array(z.object({
    id: z.string(),
    state: z.enum(["current", "previous"]),
    certificate: z.string(),
    private_key_sealed: z.string(),
  })),
  organization_name: z.string(),
  /** The project client's, where an IdP-initiated sign-in is handed to the app; null when it has none. */
  initiate_login_uri: z.string().nullable(),
});
export type SsoSignInConnection = z.infer<typeof SsoSignInConnection>;

export type SsoConnectionInput = SsoMappingInput & {
  issuer: string;
  clientId: string;
  /** Sealed by lib/login/sso/secret.ts; null keeps the current secret. */
  clientSecretSealed: string | null;
  enabled: boolean | null;
  emailVerifiedRequired: boolean | null;
};

export const putSsoConnection = (tx: Tx, organization: string, input: SsoConnectionInput) =>
  result(
    tx`select api.put_sso_connection(${organization}, ${input.issuer}, ${input.clientId},
                                     ${input.clientSecretSealed}, ${input.enabled}, ${input.emailVerifiedRequired},
                                     ${jsonOrNull(tx, input.attributeMapping)},
                                     ${jsonOrNull(tx, input.groupRoles)}) as result`,
    SsoConnection,
  );
/** The IdP's three fields, or all null (keep a SAML connection's own IdP, or save one pending). */
export type SamlConnectionInput = SsoMappingInput & {
  entityId: string | null;
  ssoUrl: string | null;
  /** Base64 DER (lib/login/sso/saml_metadata.ts). */
  certificates: string[] | null;
  enabled: boolean | null;
  emailVerifiedRequired: boolean | null;
  wantAssertionsEncrypted: boolean | null;
  signAuthnRequests: boolean | null;
  idpInitiated: boolean | null;
  /** The IdP's single logout URL: null keeps the connection's, "" removes it. */
  sloUrl: string | null;
  /** Makes a new key pair (~0.3 s): called only when the connection has none yet (api.saml_sp_key_needed). */
  makeSpKey: () => Promise<SealedSpKey>;
};

/** A service provider key pair as stored: its id, certificate (base64 DER) and sealed private key. */
export type SealedSpKey = { id: string; certificate: string; privateKeySealed: string };

/**
 * Saves the SAML connection; a connection that has its service provider key pair keeps it (its metadata's certificate
 * stays what the IdP has), so a key is made only for one without (the check locks the organization until the save).
 */
export const putSamlSsoConnection = async (tx: Tx, organization: string, input: SamlConnectionInput) => {
  const needed = await result(tx`select api.saml_sp_key_needed(${organization}) as result`, z.boolean());
  const spKey = needed ? await input.makeSpKey() : null;
  return await result(
    tx`select api.put_saml_sso_connection(${organization}, ${input.entityId}, ${input.ssoUrl},
                                          ${input.certificates}, ${input.enabled}, ${input.emailVerifiedRequired},
                                          ${input.wantAssertionsEncrypted}, ${input.signAuthnRequests},
                                          ${spKey?.id ?? null}, ${spKey?.certificate ?? null},
                                          ${spKey?.privateKeySealed ?? null}, ${input.idpInitiated},
                                          ${input.sloUrl}, ${jsonOrNull(tx, input.attributeMapping)},
                                          ${jsonOrNull(tx, input.groupRoles)}) as result`,
    SsoConnection,
  );
};
/** The new key pair becomes current, the current one previous (AS409 while a previous one is kept). */
export const rotateSamlSpKey = (tx: Tx, organization: string, key: SealedSpKey) =>
  result(
    tx`select api.rotate_saml_sp_key(${organization}, ${key.id}, ${key.certificate}, ${key.privateKeySealed}) as result`,
    SsoConnection,
  );
/** Ends a rotation: the previous key is neither published nor decrypting any more. */
export const removePreviousSamlSpKey = (tx: Tx, organization: string) =>
  result(tx`select api.remove_previous_saml_sp_key(${organization}) as result`, SsoConnection);
/** Only the attribute mapping and group roles (the dashboard's form); null keeps either. */
export const setSsoConnectionMapping = (tx: Tx, organization: string, input: SsoMappingInput) =>
  result(
    tx`select api.set_sso_connection_mapping(${organization}, ${jsonOrNull(tx, input.attributeMapping)},
                                             ${jsonOrNull(tx, input.groupRoles)}) as result`,
    SsoConnection,
  );
export const getSsoConnection = (tx: Tx, organization: string) =>
  result(tx`select api.get_sso_connection(${organization}) as result`, SsoConnection);
export const listSsoConnections = (tx: Tx) =>
  result(tx`select api.list_sso_connections() as result`, z.array(SsoConnection));
export const deleteSsoConnection = async (tx: Tx, organization: string) => {
  await tx`select api.delete_sso_connection(${organization})`;
};

/** The enabled connection whose organization verified the address's domain, or null. */
export function ssoConnectionForEmail(sql: Sql, projectId: string, email: string) {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(tx`select api.sso_connection_for_email(${email}) as result`, SsoSignInConnection.nullable()),
  );
}

/** An enabled connection by id (the callback reads it again), or null. */
export function ssoConnectionForSignIn(sql: Sql, projectId: string, connectionId: string) {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.sso_connection_for_sign_in(${connectionId}) as result`,
        SsoSignInConnection.nullable(),
      ),
  );
}

const Outcome = z.object({
  user_id: z.string(),
  created: z.boolean(),
  linked: z.boolean(),
  organization_id: z.string(),
});

/** profile: the OIDC claims or SAML attributes of the person's profile, for api.fill_profile. */
export type SsoIdentity = {
  subject: string;
  email: string;
  emailVerified: boolean;
  profile?: Record<string, unknown>;
  /** The groups the IdP sent (read only when the connection maps groups to roles; lib/login/sso/idp_claims.ts). */
  groups?: string[];
  /** SAML: what single logout needs of the assertion besides the NameID (the subject). */
  saml?: SamlSessionFacts;
  /**
   * OpenID Connect: the ID token's sid (null when it sent none, or not a usable one), for back-channel logout; the
   * ID token itself sealed (lib/login/sso/oidc_id_token.ts), for RP-initiated logout at the IdP.
   */
  oidc?: { sid: string | null; idTokenSealed?: string | null };
};

/** The assertion's NameID format and SessionIndex (either may be absent), kept with the session it starts. */
export type SamlSessionFacts = { nameIdFormat: string | null; sessionIndex: string | null };

/**
 * The person the connection's IdP vouched for: found or created, and a member of its organization. A new user or
 * a first link takes the IdP's profile into the fields still empty (api.fill_profile), in the same transaction.
 * `guestSub`: the guest a new account is (docs/anonymous-users.md).
 */
export function signInWithSso(
  sql: Sql,
  projectId: string,
  connectionId: string,
  identity: SsoIdentity,
  guestSub?: string,
) {
  return asApp(
    sql,
    projectId,
    async (tx) => {
      const outcome = await result(
        tx`select api.sign_in_with_sso(${connectionId}, ${identity.subject}, ${identity.email},
                                       ${identity.emailVerified}, ${identity.groups ?? null}) as result`,
        Outcome,
      );
      if ((outcome.created || outcome.linked) && identity.profile) {
        await fillProfile(tx, outcome.user_id, "sso", identity.profile);
      }
      return outcome;
    },
    { actor: "hosted_login:sso", ...(guestSub ? { signUpGuest: guestSub } : {}) },
  );
}

const SamlServiceProviderFacts = z.object({
  sign_authn_requests: z.boolean(),
  want_assertions_encrypted: z.boolean(),
  certificates: z.array(z.string()),
}).nullable();

/** A SAML connection's public facts for its SP metadata (certificates, settings), or null when none has this id. */
export function samlServiceProviderFacts(sql: Sql, connectionId: string) {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.saml_service_provider(${connectionId}) as result`, SamlServiceProviderFacts),
  );
}

/** Records an accepted assertion's ID until `expiresAt`; a replay fails as `conflict`. */
export function recordSamlAssertion(
  sql: Sql,
  projectId: string,
  connectionId: string,
  assertionId: string,
  expiresAt: Date,
) {
  return asApp(sql, projectId, async (tx) => {
    await tx`select api.record_sso_message_id(${connectionId}, ${assertionId}, ${expiresAt})`;
  });
}

/**
 * The project of the connection of `protocol` a URL names (SAML's ACS and SLO, OpenID Connect's back-channel
 * logout), before any project is known, or null.
 */
export function ssoConnectionProject(sql: Sql, connectionId: string, protocol: "saml" | "oidc") {
  return asApp(
    sql,
    null,
    (tx) =>
      result(
        tx`select api.sso_connection_project(${connectionId}, ${protocol}) as result`,
        z.string().nullable(),
      ),
  );
}

/**
 * Keeps a verified IdP-initiated sign-in's identity under the SHA-256 of the pending-login cookie's token; answers
 * where the browser goes next (the project client's initiate_login_uri and redirect URIs).
 */
export function recordSsoPendingSignIn(
  sql: Sql,
  projectId: string,
  connectionId: string,
  tokenHash: Uint8Array,
  identity: SsoIdentity,
) {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.record_sso_pending_sign_in(${connectionId}, ${tokenHash}, ${identity.subject},
                                                 ${identity.email}, ${
          tx.json((identity.profile ?? {}) as Record<string, string>)
        }, ${identity.saml?.nameIdFormat ?? null}, ${identity.saml?.sessionIndex ?? null},
                                                 ${identity.groups ?? null}) as result`,
        z.object({ initiate_login_uri: z.string(), redirect_uris: z.array(z.string()) }),
      ),
  );
}

const PendingSsoSignIn = z.object({
  connection_id: z.string(),
  subject: z.string(),
  email: z.string(),
  profile: z.record(z.string(), z.unknown()),
  name_id_format: z.string().nullable().default(null),
  session_index: z.string().nullable().default(null),
  groups: z.array(z.string()).default([]),
}).nullable();

/** Uses a pending IdP-initiated sign-in (once); null when unknown, used, expired or its connection stopped it. */
export function useSsoPendingSignIn(sql: Sql, projectId: string, tokenHash: Uint8Array) {
  return asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.use_sso_pending_sign_in(${tokenHash}) as result`, PendingSsoSignIn),
  );
}
