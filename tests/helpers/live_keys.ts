/** Live Xendit keys for a project, so tests can take it to production (going live requires them). */
import { asApp, type Sql } from "@/db/client.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { updateProject } from "@/db/projects.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY } from "./app.ts";

/** Stores sealed live keys (under the test master key) for the project's production environment. */
export async function giveLiveXenditKeys(sql: Sql, projectId: string): Promise<void> {
  const keys = await deriveMasterKeys(TEST_MASTER_KEY);
  const sealed = await sealXenditKeys(keys.payments, projectId, "production", {
    secretKey: "xnd_production_test_live_key_0000",
    callbackToken: "live-callback-token-for-tests",
  });
  await asApp(sql, projectId, (tx) => setXenditKeys(tx, projectId, "production", sealed), { actor: "test" });
}

/** Takes a project live the way an owner does: live keys first (going live requires them), then the mode. */
export async function takeLive(sql: Sql, projectId: string): Promise<void> {
  await giveLiveXenditKeys(sql, projectId);
  await asApp(sql, projectId, (tx) => updateProject(tx, projectId, { mode: "production" }), {
    actor: "test",
  });
}
