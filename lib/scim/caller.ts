/**
 * Who calls below /scim/v2/{directory}: an organization's IdP with the directory's bearer token. The family's
 * authorize (routes/scim/_middleware.ts) checks the token once per request; the handlers then act in the
 * directory's project, as the actor `scim:{directory}` in the audit log.
 */
import type { Ctx } from "../app_env.ts";
import { asApp, type Tx } from "@/db/client.ts";
import { authenticateScimDirectory } from "@/db/scim.ts";
import { randomSecret, sha256 } from "../secrets.ts";
import { unauthenticated } from "./problem.ts";

export type ScimDirectoryCaller = {
  directory: string;
  projectId: string;
  organizationId: string;
  /** The directory's SCIM base URL (meta.location of every resource starts with it). */
  baseUrl: string;
};

/** A new directory token: `ascim_` + 43 URL-safe characters (256 bits), a prefix secret scanners can spot. */
export const newScimToken = () => randomSecret("ascim_");
const TOKEN = /^Bearer +(ascim_[A-Za-z0-9_-]{43})$/i;
const DIRECTORY = /^scim_[a-z2-7]{24}$/;

/** The SCIM base URL of a directory. */
export const scimBaseUrl = (issuer: string, directory: string) => `${issuer}/scim/v2/${directory}`;

/** Checks the bearer token against the directory the path names; 401 for anything else. */
export async function authenticateScim(c: Ctx): Promise<ScimDirectoryCaller> {
  const directory = c.req.param("directory") ?? "";
  const token = TOKEN.exec(c.req.header("authorization")?.trim() ?? "")?.[1];
  if (!token || !DIRECTORY.test(directory)) throw unauthenticated();
  const found = await authenticateScimDirectory(c.var.deps.sql, directory, await sha256(token));
  if (!found) throw unauthenticated();
  return {
    directory,
    projectId: found.project_id,
    organizationId: found.organization_id,
    baseUrl: scimBaseUrl(c.var.deps.config.baseUrl, directory),
  };
}

/** The directory the request's token opened (set by the family's authorize). */
export function scimOf(c: Ctx): ScimDirectoryCaller {
  const scim = c.get("scim");
  if (!scim) throw new Error("a /scim/v2 handler ran without its directory: authorize did not run");
  return scim;
}

/** Runs `work` in the directory's project as the directory. */
export function asDirectory<T>(c: Ctx, work: (tx: Tx, directory: string) => Promise<T>): Promise<T> {
  const scim = scimOf(c);
  return asApp(c.var.deps.sql, scim.projectId, (tx) => work(tx, scim.directory), {
    actor: `scim:${scim.directory}`,
  });
}
