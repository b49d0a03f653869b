/**
 * Who is using the hosted billing pages (/billing, /billing/account): the project a client id names and the
 * signed-in user of this browser there, or a trip through the hosted login that comes back to the same page.
 */
import { sessionUser } from "@/db/login.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { AppError } from "@/lib/http/errors.ts";
import { fromAnotherSite, readSession } from "@/lib/login/browser.ts";
import { useBrand } from "@/lib/branding/use_brand.ts";

export const CLIENT_ID = /^cid_[a-z2-7]{24}$/;

/** The hosted billing pages the login callback may return to; the login's state names one with the client. */
export const BILLING_PAGES = {
  plans: "/billing",
  account: "/billing/account",
  organizations: "/billing/organizations",
} as const;
export type BillingPage = keyof typeof BILLING_PAGES;

/** The project a client id names, and the signed-in user of this browser there (null: not signed in). */
export async function signedIn(c: Ctx, clientId: string) {
  const client = await requestClient(c.var.deps, clientId);
  if (!client) throw new AppError("not_found", { description: "This app is not registered with Astapa." });
  useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
  const session = readSession(c, client.project_id);
  const userId = session ? await sessionUser(c.var.deps.sql, client.project_id, session) : null;
  // The app's home: the origin of its first redirect URI (where a paid checkout links back to).
  const appUrl = client.redirect_uris[0] ? `${new URL(client.redirect_uris[0]).origin}/` : undefined;
  return { projectId: client.project_id, appName: c.var.brand!.name, appUrl, userId };
}

/** Through the hosted login (a session for this browser), then back to `back`. */
export function signInFirst(c: Ctx, clientId: string, back: BillingPage = "plans"): Response {
  const login = new URLSearchParams({
    client_id: clientId,
    redirect_uri: `${c.var.deps.config.baseUrl}/billing/callback`,
    response_type: "code",
    scope: "openid",
    // The plan picker keeps its plain client-id state (links already sent out carry it).
    state: back === "plans" ? clientId : `${back}.${clientId}`,
  });
  return c.redirect(`/auth/login?${login}`, 303);
}

/** A form posted from another site is refused even with a valid CSRF token (browsers send Origin on POST). */
export function sameOrigin(c: Ctx): void {
  if (fromAnotherSite(c)) {
    throw new AppError("forbidden", { description: "This form came from another site." });
  }
}
