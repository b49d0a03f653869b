/**
 * Registering a protected resource, for every entry point (Platform API, dashboard, CLI): a production project
 * proves control first (resource_proof.ts), outside any transaction, then api.add_resource records the claim
 * as proven or not. SQL keeps the last word: it refuses an unproven claim from a production project.
 */
import { type AppContext, asApp, type Sql } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { addResource, type Resource } from "@/db/resources.ts";
import { AppError } from "../http/errors.ts";
import { type ProofOptions, resourceProofProblem } from "./resource_proof.ts";

export type RegistrationDeps = { sql: Sql; proof: ProofOptions };

/**
 * Whether the claim is proven: production projects must prove control (else 403 naming the problem);
 * sandbox projects register unproven (no network needed on a laptop).
 */
export async function proofForMode(
  proof: ProofOptions,
  mode: string,
  projectId: string,
  uri: string,
): Promise<boolean> {
  if (mode !== "production") return false;
  const problem = await resourceProofProblem(uri, projectId, proof);
  if (problem) {
    throw new AppError("forbidden", {
      description: `Prove you control ${uri} before registering it for a production project: ${problem}`,
    });
  }
  return true;
}

/** Proves (production) and registers `uri` (canonical) for the project; the fetch holds no transaction. */
export async function registerResource(
  deps: RegistrationDeps,
  projectId: string,
  resource: { uri: string; name?: string },
  context: AppContext = {},
): Promise<Resource> {
  const { mode } = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const proven = await proofForMode(deps.proof, mode, projectId, resource.uri);
  return await asApp(
    deps.sql,
    projectId,
    (tx) => addResource(tx, resource.uri, resource.name, proven),
    context,
  );
}

/** The proof options of this deployment: its issuer, and whether internal addresses may be fetched. */
export function proofOptions(config: { baseUrl: string; webhookAllowPrivate: boolean }): ProofOptions {
  return { issuer: config.baseUrl, allowPrivate: config.webhookAllowPrivate };
}
