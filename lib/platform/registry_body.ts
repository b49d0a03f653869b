/** Request bodies of the resource, scope and dynamic-client-switch APIs (routes/api/platform/…). */
import { z } from "zod";
import { canonicalResource } from "../oauth/scope.ts";

export const ResourceUri = z.string().max(2000).transform((uri, ctx) => {
  const canonical = canonicalResource(uri);
  if (canonical === null) {
    ctx.addIssue({ code: "custom", message: "Use an absolute URI without a fragment." });
    return z.NEVER;
  }
  return canonical;
});

export const ResourceBody = z.object({ uri: ResourceUri, name: z.string().max(100).optional() });
export const ResourceQuery = z.object({ uri: ResourceUri });
export const ScopeBody = z.object({
  name: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
});
/** The self-registered-client switches: RFC 7591 registrations, and clients known by a metadata document URL. */
export const DynamicClientsBody = z.object({
  enabled: z.boolean().optional(),
  client_metadata_documents: z.boolean().optional(),
}).refine((b) => b.enabled !== undefined || b.client_metadata_documents !== undefined, {
  message: "Send enabled, client_metadata_documents, or both.",
});
