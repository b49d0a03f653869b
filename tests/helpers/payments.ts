/** Fixtures for payment tests: a project with a paid plan and a user, and waiting for the worker. */
import { asApp, type Sql } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { type SeededProject, seedProject, seedUser } from "./identity.ts";

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

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
