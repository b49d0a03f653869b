/** Request bodies of the machine-client API, shared by create (all fields) and update (any of them). */
import { z } from "zod";
import { canonicalResource } from "../oauth/scope.ts";

const resource = z.string().max(2000).transform((uri, ctx) => {
  const canonical = canonicalResource(uri);
  if (canonical === null) {
    ctx.addIssue({ code: "custom", message: "Use an absolute URI without a fragment." });
    return z.NEVER;
  }
  return canonical;
});

export const MachineClientBody = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(z.string().min(1).max(100)).max(50).optional(),
  resources: z.array(resource).max(50).optional(),
  access_token_ttl: z.number().int().min(300).max(86400).nullable().optional(),
  /** RFC 9449 §5.2: every token request must carry a DPoP proof. */
  dpop_bound_access_tokens: z.boolean().optional(),
});

export const MachineClientChangesBody = MachineClientBody.partial().extend({
  access_token_ttl: z.number().int().min(0).max(86400).nullable().optional(),
  enabled: z.boolean().optional(),
});
