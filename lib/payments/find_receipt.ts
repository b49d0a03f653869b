/** The receipt a public id names, across projects: the random id is the capability the receipt URL carries. */
import { asApp, type Sql } from "@/db/client.ts";
import { getReceipt, type Receipt, receiptProject } from "@/db/receipts.ts";
import { AppError } from "../http/errors.ts";

export async function findReceipt(
  sql: Sql,
  receiptId: string,
): Promise<{ projectId: string; receipt: Receipt }> {
  const projectId = /^rcp_[a-z2-7]{24}$/.test(receiptId)
    ? await asApp(sql, null, (tx) => receiptProject(tx, receiptId))
    : null;
  const receipt = projectId && await asApp(sql, projectId, (tx) => getReceipt(tx, projectId, receiptId));
  if (!projectId || !receipt) throw new AppError("not_found", { description: "This receipt was not found." });
  return { projectId, receipt };
}
