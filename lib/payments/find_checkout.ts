/** The checkout a public id names, across projects: the id is the capability the checkout URL carries. */
import { asApp } from "@/db/client.ts";
import { type Checkout, checkoutAccount, getCheckout } from "@/db/payments.ts";
import type { Sql } from "@/db/client.ts";
import { AppError } from "../http/errors.ts";

export async function findCheckout(
  sql: Sql,
  checkoutId: string,
): Promise<{ projectId: string; checkout: Checkout }> {
  const owner = /^chk_[a-z2-7]{24}$/.test(checkoutId)
    ? await asApp(sql, null, (tx) => checkoutAccount(tx, checkoutId))
    : null;
  const checkout = owner &&
    await asApp(sql, owner.project_id, (tx) => getCheckout(tx, owner.project_id, checkoutId));
  if (!owner || !checkout) throw new AppError("not_found", { description: "This checkout was not found." });
  return { projectId: owner.project_id, checkout };
}
