/**
 * How payment tests start: a listening test app (tests/helpers/app.ts: the offline Xendit sandbox's callbacks
 * reach it) and a started payment worker applying those callbacks, both stopped after the file's tests.
 */
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { type TestApp, testApp } from "./app.ts";

export type PaymentsTestApp = TestApp & { worker: PaymentEventWorker };

/**
 * The app with its worker; `receiptLinks`: the worker's receipt mails link to the app's origin (as a deployment's
 * do). Stopped after all the file's tests.
 */
export async function paymentsTestApp(options: { receiptLinks?: boolean } = {}): Promise<PaymentsTestApp> {
  const t = await testApp({ listen: true });
  const worker = new PaymentEventWorker(
    t.db.sql,
    options.receiptLinks ? { receiptBaseUrl: t.origin } : undefined,
  );
  await worker.start();
  Deno.test.afterAll(async () => {
    await worker.stop();
    await t.close();
  });
  return Object.assign(t, { worker });
}
