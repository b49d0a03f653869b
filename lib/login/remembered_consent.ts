/**
 * Remembered consent at the hosted login (issue 26 item 6): a signed-in person who already allowed a
 * third-party client every scope it asks for this resource is not asked again. Asking for a scope they have
 * not allowed yet shows the consent page (incremental consent); allowing it widens the remembered grant when
 * the code is issued (astapa.remember_consent).
 */
import type { Ctx } from "../app_env.ts";
import { consentCovers } from "@/db/consents.ts";
import type { AuthorizeRequest } from "./authorize_request.ts";

/** Whether `userId` already allowed this request's client, resource and scopes. */
export function consentGiven(c: Ctx, request: AuthorizeRequest, userId: string): Promise<boolean> {
  if (!request.thirdParty) return Promise.resolve(true);
  return consentCovers(c.var.deps.sql, request.project.id, {
    userId,
    clientId: request.clientId,
    resource: request.thirdParty.resource,
    scope: request.scope,
  });
}
