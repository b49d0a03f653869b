/**
 * Shared setup of the organization billing portal's HTTP tests: the Platform API as a project's own client,
 * people signed up through the hosted login (each with a cookie-keeping browser), a team paying a per-seat plan,
 * and picking one form of a portal page.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import { FormBrowser } from "./form_browser.ts";
import type { SeededProject } from "./identity.ts";
import { platformApi } from "./platform_api.ts";
import { payCheckout } from "./paid_checkouts.ts";

/** The page from the form holding `marker` on, so a FormBrowser posts that form (it posts a page's first). */
export const formWith = (html: string, marker: string) =>
  html.slice(html.lastIndexOf("<form", html.indexOf(marker)));

/** The Platform API, sign-up and a paying team for `project` of the test app `t`. */
export function organizationPortal(t: TestApp, project: SeededProject) {
  const api = platformApi(t, project);

  async function signUp(email: string) {
    const browser = new FormBrowser(t);
    const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
    await browser.submit(`/auth/signup?${query}`, { email, password: "correct horse battery" });
    const [{ id }] = await t.db.sql`select id::text from astapa.users where email = ${email}`;
    return { browser, id: id as string };
  }

  /** An organization `slug` with an owner, an admin and a member, paying 3 seats of the per-seat `plan`. */
  async function paidTeam(slug: string, plan = "studio", seatPrice = 30_000) {
    const owner = await signUp(`owner@${slug}.example`);
    const admin = await signUp(`admin@${slug}.example`);
    const member = await signUp(`member@${slug}.example`);
    const { body: org } = await api("POST", "/organizations", { name: slug, slug, owner: owner.id });
    await api("POST", `/organizations/${org.id}/members`, { user_id: admin.id, role: "admin" });
    await api("POST", `/organizations/${org.id}/members`, { user_id: member.id, role: "member" });
    const { body: checkout } = await api("POST", `/organizations/${org.id}/checkout`, {
      user: owner.id,
      plan,
      seats: 3,
    });
    assert.equal(await payCheckout(t.db.sql, project.id, checkout.checkout_id, 3 * seatPrice), "paid");
    return { id: org.id as string, owner, admin, member };
  }

  return { api, signUp, paidTeam };
}
