/** Fixtures for payment tests: a project with a paid plan and a user, and calls and forms as its client and buyer. */
import { asApp, type Sql } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { type SeededProject, seedProject, seedUser } from "./identity.ts";
import { basic } from "./oauth.ts";
import { csrfOf } from "./csrf.ts";

export type Shop = { project: SeededProject; userId: string };

/** A sandbox project with plan `pro` (IDR 99,000 a month) and one user. */
export async function seedShop(sql: Sql, options: { price?: number; email?: string } = {}): Promise<Shop> {
  const project = await seedProject(sql, { name: "Shop", redirectUri: "https://shop.example/callback" });
  await asApp(
    sql,
    project.id,
    (tx) =>
      createPlan(tx, project.id, {
        key: "pro",
        name: "Pro",
        price_idr: options.price ?? 99_000,
        interval: "month",
      }),
  );
  const userId = await seedUser(sql, project.id, options.email ?? "ayu@example.com");
  return { project, userId };
}

/** Calls the Platform API at `origin` as the shop's client (JSON body, if any): the response and its JSON. */
export async function platformCall(origin: string, shop: Shop, method: string, path: string, body?: unknown) {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: basic(shop.project.clientId, shop.project.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, json: await res.json() };
}

/**
 * The checkout page of `checkoutId` as a browser has it (its cookie and CSRF token): a function that posts its
 * method form choosing QRIS in `lang`, asking for HTML, and answers the response.
 */
export async function checkoutMethodForm(
  app: { request(url: string, init?: RequestInit): Response | Promise<Response> },
  checkoutId: string,
): Promise<(lang: string) => Promise<Response>> {
  const url = `/billing/checkout/${checkoutId}`;
  const first = await app.request(url);
  const cookie = first.headers.get("set-cookie")!.split(";")[0];
  const csrf = csrfOf(await first.text());
  return async (lang) =>
    await app.request(`${url}/method?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", cookie },
      body: `method=qris&csrf=${csrf}`,
    });
}
