/**
 * Developers for dashboard tests: a console user (created with the console project's own API), linked to a
 * developer account the way /dashboard/callback links it, and a live dashboard session for it.
 */
import { asApp } from "@/db/client.ts";
import { addMember, type MemberRole } from "@/db/accounts.ts";
import { linkConsoleAccount } from "@/db/dashboard.ts";
import { csrfFor, SESSION_COOKIE, startSession } from "@/lib/dashboard/session.ts";
import type { Page } from "playwright-core";
import type { TestApp } from "./app.ts";
import { seedUser } from "./identity.ts";

export type TestDeveloper = { accountId: string; email: string; cookie: string; csrf: string };

/** A signed-in developer (the first one on a fresh install owns the deployment; later ones need an invite). */
export async function signInDeveloper(t: TestApp, email: string): Promise<TestDeveloper> {
  const { sql } = t.db;
  const consoleId = t.deps.consoleClient.projectId;
  const sub = await seedUser(sql, consoleId, email, { verified: true });
  const account = await asApp(sql, consoleId, (tx) => linkConsoleAccount(tx, sub));
  const token = await startSession(sql, account.id);
  return { accountId: account.id, email, cookie: `${SESSION_COOKIE}=${token}`, csrf: await csrfFor(token) };
}

/** Invites an email (as the deployment owner would) so it may sign in. */
export async function inviteDeveloper(t: TestApp, email: string): Promise<void> {
  await asApp(t.db.sql, null, (tx) => tx`select api.invite_account(${email})`);
}

/** Makes an account a member of a project with a role. */
export async function addDeveloperTo(t: TestApp, projectId: string, accountId: string, role: MemberRole) {
  await asApp(t.db.sql, projectId, (tx) => addMember(tx, projectId, accountId, role), { actor: "test" });
}

/** A GET as the developer (HTML wanted). */
export function getAs(t: TestApp, developer: TestDeveloper | null, path: string): Promise<Response> {
  return Promise.resolve(t.app.request(path, {
    headers: { accept: "text/html", ...(developer ? { cookie: developer.cookie } : {}) },
  }));
}

/** A form POST as the developer; `csrf` defaults to the developer's own token (pass null to leave it out). */
export function postAs(
  t: TestApp,
  developer: TestDeveloper,
  path: string,
  fields: Record<string, string>,
  csrf: string | null = developer.csrf,
): Promise<Response> {
  const body = new URLSearchParams(csrf === null ? fields : { csrf, ...fields });
  return Promise.resolve(t.app.request(path, {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: developer.cookie,
      "content-type": "application/x-www-form-urlencoded",
    },
    body,
  }));
}

/** Signs a Chromium page in to the dashboard as the developer (their session cookie, for /dashboard only). */
export async function signInPage(page: Page, t: TestApp, developer: TestDeveloper): Promise<void> {
  await page.context().addCookies([{
    name: SESSION_COOKIE,
    value: developer.cookie.split("=")[1],
    url: `${t.origin}/dashboard`,
  }]);
}
