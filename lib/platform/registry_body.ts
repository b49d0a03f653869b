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
export const DynamicClientsBody = z.object({ enabled: z.boolean() });
