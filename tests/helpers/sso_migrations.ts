/**
 * What the SSO migrations' tests (tests/sql/sso_*_migration_test.ts) put in a database as the release before the
 * migration left it, written once: a project with a SAML and an OpenID Connect connection, each its own
 * organization's, and a user whose sessions and second-factor challenges SSO sign-ins are kept with. Plain
 * inserts: that release's db/api is not this build's.
 */
import type { Sql } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";

export const SAML = "sso_" + "s".repeat(24);
export const OIDC = "sso_" + "o".repeat(24);

/** The project, its two organizations and their connections (SAML with an IdP and its single logout URL). */
export async function seedSsoConnections(sql: Sql, project: string): Promise<void> {
  await sql`insert into astapa.projects (id, name, client_id, client_secret_hash)
            values (${project}, ${project}, ${"cid_".padEnd(28, "s")}, sha256('secret'))`;
  const saml = "org_" + "a".repeat(24);
  const oidc = "org_" + "b".repeat(24);
  await sql`insert into astapa.organizations (project_id, id, name, slug)
            values (${project}, ${saml}, 'saml-org', 'saml-org'), (${project}, ${oidc}, 'oidc-org', 'oidc-org')`;
  await sql`insert into astapa.sso_connections (project_id, id, organization_id, protocol, idp_entity_id,
              idp_sso_url, idp_certificates, idp_slo_url)
            values (${project}, ${SAML}, ${saml}, 'saml', 'https://idp.example/saml', 'https://idp.example/sso',
                    ${["MIIC" + "A".repeat(60)]}, 'https://idp.example/slo')`;
  await sql`insert into astapa.sso_connections (project_id, id, organization_id, issuer, client_id,
              client_secret_sealed)
            values (${project}, ${OIDC}, ${oidc}, 'https://idp.example', 'c', 'sealed')`;
}

/** A user of the project, and makers of its sessions and open challenges (each named; the hash returned). */
export async function seedSsoUser(sql: Sql, project: string, email: string) {
  const [user] = await sql`insert into astapa.users (project_id, email, environment)
                           values (${project}, ${email}, 'production') returning id`;
  return {
    async session(name: string, ended = false): Promise<Uint8Array> {
      const hash = await sha256(name);
      await sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at, ended_at)
                values (${project}, ${hash}, ${user.id}, now() + interval '1 day', ${
        ended ? new Date() : null
      })`;
      return hash;
    },
    async challenge(name: string): Promise<Uint8Array> {
      const hash = await sha256(name);
      await sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
                values (${project}, ${hash}, ${user.id}, '{fed}', now() + interval '10 minutes')`;
      return hash;
    },
  };
}
