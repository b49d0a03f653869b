/**
 * Proof that a project controls a protected resource it registers (docs/mcp.md "Who owns a resource"): the
 * resource's own RFC 9728 metadata, fetched from `/.well-known/oauth-protected-resource` inserted before the
 * resource's path, must name the resource itself, this deployment's issuer among `authorization_servers`, and
 * the project in `astapa_project_id`. Only whoever runs the resource's server can publish that, and it names
 * the one project the owner chose. The fetch goes through the SSRF guard and connects to the address checked.
 */
import { z } from "zod";
import { checkTarget, type Resolver } from "../webhooks/address_guard.ts";
import { pinnedRequest } from "../webhooks/pinned_request.ts";
import { canonicalResource } from "./scope.ts";

export type ProofOptions = {
  issuer: string;
  /** ASTAPA_WEBHOOK_ALLOW_PRIVATE: single-tenant deployments may prove resources on internal addresses. */
  allowPrivate: boolean;
  resolve?: Resolver;
  timeoutMs?: number;
  caCerts?: string[];
};

const Metadata = z.object({
  resource: z.string(),
  authorization_servers: z.array(z.string()).optional(),
  astapa_project_id: z.string().optional(),
});

/** Where RFC 9728 §3.1 puts a resource's metadata: the well-known segment between host and path. */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`;
}

/** Null when `projectId` proved control of `resource`, else why not (shown to the developer). */
export async function resourceProofProblem(
  resource: string,
  projectId: string,
  options: ProofOptions,
): Promise<string | null> {
  const url = resourceMetadataUrl(resource);
  if (!options.allowPrivate && !url.startsWith("https://")) return `${url} must be https.`;
  const target = options.allowPrivate ? { address: null } : await checkTarget(url, options.resolve);
  if ("refused" in target) return `${url} cannot be fetched: ${target.refused}`;
  let text: string;
  try {
    const res = await pinnedRequest({
      method: "GET",
      url,
      address: target.address,
      headers: { accept: "application/json", "user-agent": "Astapa-Resource-Proof/1" },
      timeoutMs: options.timeoutMs ?? 5000,
      maxBodyBytes: 64 * 1024,
      caCerts: options.caCerts,
    });
    if (res.status !== 200) return `${url} answered ${res.status} (expected 200 with the metadata).`;
    text = res.body;
  } catch (cause) {
    return `${url} could not be fetched (${cause instanceof Error ? cause.message : String(cause)}).`;
  }
  let parsed;
  try {
    parsed = Metadata.safeParse(JSON.parse(text));
  } catch {
    return `${url} is not JSON.`;
  }
  if (!parsed.success) return `${url} is not protected-resource metadata (it needs "resource").`;
  const metadata = parsed.data;
  if (canonicalResource(metadata.resource) !== resource) {
    return `${url} names the resource ${metadata.resource}, not ${resource}.`;
  }
  if (!metadata.authorization_servers?.includes(options.issuer)) {
    return `${url} must list ${options.issuer} in authorization_servers.`;
  }
  if (metadata.astapa_project_id !== projectId) {
    return `${url} must say "astapa_project_id": "${projectId}".`;
  }
  return null;
}
