/** Typed wrappers around the project functions in `api` (db/api/projects.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";
import { newClientSecret, sha256 } from "../lib/secrets.ts";

export const ModeSchema = z.enum(["sandbox", "production"]);
export type Mode = z.infer<typeof ModeSchema>;

export const ProjectSchema = z.object({
  project_id: z.string(),
  name: z.string(),
  mode: ModeSchema,
  client_id: z.string(),
  redirect_uris: z.array(z.string()),
  settings: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Project = z.infer<typeof ProjectSchema>;

export const ProjectSummarySchema = ProjectSchema.pick({
  project_id: true,
  name: true,
  mode: true,
  client_id: true,
  created_at: true,
});
export type ProjectSummary = z.infer<typeof ProjectSummarySchema>;

/** A project with the client secret that was just issued: the only time anyone sees it. */
export type ProjectWithSecret = Project & { client_secret: string };

/** Creates a project (sandbox) and makes the transaction act for it; returns it with its new secret. */
export async function createProject(
  tx: Tx,
  input: { name: string; redirectUris: string[] },
): Promise<ProjectWithSecret> {
  const secret = newClientSecret();
  const project = await result(
    tx`select api.create_project(${input.name}, ${input.redirectUris}::text[], ${await sha256(
      secret,
    )}) as result`,
    ProjectSchema,
  );
  return { ...project, client_secret: secret };
}

/** The project the transaction acts for (not_found for any other). */
export function getProject(tx: Tx, projectId: string): Promise<Project> {
  return result(tx`select api.get_project(${projectId}) as result`, ProjectSchema);
}

/** Every project in the deployment, for the operator; refused while acting for a project. */
export function listProjects(tx: Tx): Promise<ProjectSummary[]> {
  return result(tx`select api.list_projects() as result`, z.array(ProjectSummarySchema));
}

/**
 * Changes name, mode and/or settings; omitted fields stay as they are. Going live needs live Xendit keys:
 * `deploymentLiveXendit` tells the SQL whether the deployment has default live keys (it cannot read the env).
 */
export async function updateProject(
  tx: Tx,
  projectId: string,
  changes: { name?: string; mode?: Mode; settings?: Record<string, unknown>; deploymentLiveXendit?: boolean },
): Promise<Project> {
  const settings = changes.settings === undefined ? null : JSON.stringify(changes.settings);
  await tx`select set_config('astapa.deployment_live_xendit', ${
    changes.deploymentLiveXendit ? "on" : ""
  }, true)`;
  return await result(
    tx`select api.update_project(${projectId}, name => ${changes.name ?? null}::text,
      mode => ${changes.mode ?? null}::text, settings => ${settings}::text::jsonb) as result`,
    ProjectSchema,
  );
}

/** Allows one more redirect URI (exact string). */
export function addRedirectUri(tx: Tx, projectId: string, uri: string): Promise<Project> {
  return result(tx`select api.add_redirect_uri(${projectId}, ${uri}) as result`, ProjectSchema);
}

/** Stops allowing a redirect URI. */
export function removeRedirectUri(tx: Tx, projectId: string, uri: string): Promise<Project> {
  return result(tx`select api.remove_redirect_uri(${projectId}, ${uri}) as result`, ProjectSchema);
}

/** Issues a new client secret; the old one stops verifying at once. */
export async function rotateClientSecret(tx: Tx, projectId: string): Promise<ProjectWithSecret> {
  const secret = newClientSecret();
  const project = await result(
    tx`select api.rotate_client_secret(${projectId}, ${await sha256(secret)}) as result`,
    ProjectSchema,
  );
  return { ...project, client_secret: secret };
}

/** The project id these client credentials belong to, or null when they do not match. */
export async function verifyClientCredentials(
  tx: Tx,
  clientId: string,
  clientSecret: string,
): Promise<string | null> {
  return await result(
    tx`select api.verify_client_credentials(${clientId}, ${await sha256(clientSecret)}) as result`,
    z.string().nullable(),
  );
}
