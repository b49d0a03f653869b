/**
 * How payment tests start: a listening test app (tests/helpers/app.ts: the offline Xendit sandbox's callbacks
 * reach it) and a started payment worker applying those callbacks, both stopped after the file's tests. A file
 * that stops more of its own (a scheduler's wake-ups, a mail sender) registers its afterAll after this one: Deno
 * runs the last registered first, so they stop while the app and its database still run.
 */
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { type TestApp, testApp } from "./app.ts";
import { type ServedSimulator, serveSimulator, TEST_SECRET_KEY } from "./xendit.ts";

export type PaymentsTestApp = TestApp & { worker: PaymentEventWorker };

export type PaymentsTestOptions = {
  /** The worker's receipt mails link to the app's origin (as a deployment's do). */
  receiptLinks?: boolean;
  /**
   * Xendit on a port of its own (tests/helpers/xendit.ts), for a file that drives it or reads what it was asked
   * (`served`): the app calls it at XENDIT_BASE_URL and its callbacks reach the app.
   */
  servedXendit?: boolean;
  /** More of the app's environment (the deployment's own Xendit keys, a timeout). */
  env?: Record<string, string>;
};

/** The app with its worker (and, with `servedXendit`, the served Xendit). Stopped after all the file's tests. */
export async function paymentsTestApp(
  options: PaymentsTestOptions & { servedXendit: true },
): Promise<PaymentsTestApp & { served: ServedSimulator }>;
export async function paymentsTestApp(options?: PaymentsTestOptions): Promise<PaymentsTestApp>;
export async function paymentsTestApp(
  options: PaymentsTestOptions = {},
): Promise<PaymentsTestApp & { served?: ServedSimulator }> {
  const served = options.servedXendit ? serveSimulator() : undefined;
  const t = await testApp({
    listen: true,
    env: { ...(served ? { XENDIT_BASE_URL: served.url } : {}), ...options.env },
  });
  if (served) served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
  const worker = new PaymentEventWorker(
    t.db.sql,
    options.receiptLinks ? { receiptBaseUrl: t.origin } : undefined,
  );
  await worker.start();
  Deno.test.afterAll(async () => {
    await worker.stop();
    await served?.close();
    await t.close();
  });
  return Object.assign(t, { worker, ...(served ? { served } : {}) });
}
