/** Seeds projects, users and authorization codes through the SQL API, as the hosted login will. */
import { asApp, type Sql } from "../../db/client.ts";
import { base64url, randomToken, sha256 } from "../../lib/tokens/encoding.ts";

export type SeededProject = {
  projectId: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
};

export async function seedProject(
  sql: Sql,
  options: { redirectUri?: string; settings?: Record<string, unknown> } = {},
): Promise<SeededProject> {
  const clientSecret = randomToken(32);
  const redirectUri = options.redirectUri ?? "https://app.example.com/callback";
  const project = await asApp(sql, null, async (tx) => {
    const [row] = await tx`select api.create_project('Test app', ${[redirectUri]}, ${await sha256(
      clientSecret,
    )}) as p`;
    if (options.settings) {
      await tx`update astapa.projects set settings = ${
        tx.json(options.settings as never)
      } where id = ${row.p.project_id}`;
    }
    return row.p;
  });
  return { projectId: project.project_id, clientId: project.client_id, clientSecret, redirectUri };
}

export async function seedUser(sql: Sql, projectId: string, email = "ayu@example.com"): Promise<string> {
  return await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.create_user(${projectId}, ${email}, null, true) as u`;
    return row.u.id as string;
  });
}

export type CodeOptions = {
  userId: string;
  scope?: string;
  codeChallenge?: string;
  nonce?: string;
  resource?: string;
  redirectUri?: string;
  ttlSeconds?: number;
};

/** Issues an authorization code for the project's client, returning the code itself. */
export async function issueCode(sql: Sql, project: SeededProject, options: CodeOptions): Promise<string> {
  const code = randomToken(32);
  await asApp(sql, project.projectId, async (tx) => {
    await tx`select api.issue_authorization_code(
      ${await sha256(code)}, ${project.clientId}, ${options.userId}, ${
      options.redirectUri ?? project.redirectUri
    },
      ${options.scope ?? ""}, ${options.resource ?? null}, ${options.codeChallenge ?? null},
      ${options.codeChallenge ? "S256" : null}, ${options.nonce ?? null}, now(), ${
      options.ttlSeconds ?? 60
    })`;
  });
  return code;
}

/** A PKCE pair (RFC 7636): a random verifier and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomToken(32);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url.encode(digest) };
}

export function basic(clientId: string, secret: string): string {
  const encode = (part: string) => encodeURIComponent(part).replace(/%20/g, "+");
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}
