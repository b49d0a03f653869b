/**
 * The payment scenario of `deno task bench`: how long from Xendit's paid callback reaching Astapa until the
 * user's next refreshed access token carries the plan. Each sample is one user with a live refresh token and
 * an open QRIS checkout (made through POST /api/platform/checkout against a Xendit simulator on loopback);
 * the clock starts when the Xendit-shaped SUCCEEDED callback is POSTed to /api/webhooks/xendit with the
 * account's callback token, and stops when a refresh answers with `custom_claims.plan` = "pro". Refreshes
 * follow each other without pause (each one rotates the token, as a client would).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { createPlan } from "@/db/plans.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import type { MasterKeys } from "@/lib/tokens/master_key.ts";
import { seedUser } from "@/tests/helpers/identity.ts";
import { basic } from "@/tests/helpers/oauth.ts";
import { claimsOf } from "@/tests/helpers/token_client.ts";
import {
  type ServedSimulator,
  serveSimulator,
  TEST_CALLBACK_TOKEN,
  TEST_SECRET_KEY,
} from "@/tests/helpers/xendit.ts";
import { issueCodesFor, type Seed } from "./fixtures.ts";
import type { LoadResult } from "./load.ts";

export const PAID_PLAN = "pro";

/** A simulator for the server's XENDIT_BASE_URL; the project's own sandbox keys point at it. */
export function startXendit(): ServedSimulator {
  return serveSimulator();
}

/** Plan `pro` and the project's sealed Xendit test keys (the server unseals them with the same master key). */
export async function seedPayments(sql: Sql, s: Seed, masterKeys: MasterKeys): Promise<void> {
  const sealed = await sealXenditKeys(masterKeys.payments, s.project.id, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await asApp(sql, s.project.id, async (tx) => {
    await createPlan(tx, s.project.id, { key: PAID_PLAN, name: "Pro", price_idr: 99_000, interval: "month" });
    await setXenditKeys(tx, s.project.id, "sandbox", sealed);
  });
}

/**
 * `samples` sequential webhook → plan-in-JWT latencies, as a LoadResult (no rate: it is a latency), and how
 * many refreshes it took on average until the plan showed. The first WARMUP samples are not counted, as every
 * other scenario has its warm-up: the first callback loads what the path loads lazily (80–100 ms, measured).
 */
export async function webhookToPlan(options: {
  sql: Sql;
  seed: Seed;
  origin: string;
  xendit: ServedSimulator;
  samples: number;
}): Promise<{ result: LoadResult; refreshesPerSample: number; callbackP50: number }> {
  const { sql, seed: s, origin, xendit } = options;
  const auth = basic(s.project.clientId, s.project.secret);
  const token = async (form: Record<string, string>) => {
    const res = await fetch(`${origin}/api/platform/token`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`token request failed: ${JSON.stringify(body)}`);
    return body as { access_token: string; refresh_token: string };
  };
  const latencies: number[] = [];
  const answered: number[] = [];
  let failures = 0;
  let refreshes = 0;
  const WARMUP = 5;
  for (let i = 0; i < WARMUP + options.samples; i++) {
    const counted = i >= WARMUP;
    const userId = await seedUser(sql, s.project.id, `payer-${i}-${crypto.randomUUID()}@example.com`, {
      verified: true,
    });
    const [code] = await issueCodesFor(sql, s, userId, 1, "");
    let tokens = await token({
      grant_type: "authorization_code",
      code,
      redirect_uri: s.project.redirectUri,
      code_verifier: s.verifier,
    });
    const created = await fetch(`${origin}/api/platform/checkout`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ user: userId, plan: PAID_PLAN, method: "qris" }),
    });
    const checkout = await created.json();
    if (created.status !== 201) throw new Error(`checkout failed: ${JSON.stringify(checkout)}`);
    const pr = [...xendit.sim.paymentRequests.values()].find((p) => p.referenceId === checkout.checkout_id);
    if (!pr) throw new Error("the simulator saw no payment request for the checkout");
    xendit.sim.pay(pr.id, { times: 0 }); // paid at Xendit; the callback is ours to send, and to time
    const body = JSON.stringify(xendit.sim.callbackBody(pr.id, "SUCCEEDED"));

    const sent = performance.now();
    const callback = await fetch(`${origin}/api/webhooks/xendit`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-callback-token": TEST_CALLBACK_TOKEN },
      body,
    });
    await callback.body?.cancel();
    if (counted) answered.push(performance.now() - sent);
    if (!callback.ok) {
      if (counted) failures++;
      continue;
    }
    while (true) {
      tokens = await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token });
      if (counted) refreshes++;
      const plan = (claimsOf(tokens.access_token).custom_claims as { plan?: string } | undefined)?.plan;
      if (plan === PAID_PLAN) break;
      if (performance.now() - sent > 10_000) throw new Error("the plan did not show within 10 s");
    }
    if (counted) latencies.push(performance.now() - sent);
  }
  latencies.sort((a, b) => a - b);
  // Nearest rank: of 100 samples, p99 is the 99th (it was the 100th, the slowest, before).
  const at = (q: number) => latencies[Math.max(0, Math.ceil(q * latencies.length) - 1)];
  return {
    result: { requests: latencies.length, failures, rps: NaN, p50: at(0.5), p99: at(0.99), exhausted: false },
    refreshesPerSample: refreshes / Math.max(1, latencies.length),
    callbackP50: answered.toSorted((a, b) => a - b)[Math.floor(answered.length / 2)],
  };
}
