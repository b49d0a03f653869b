/**
 * The providers' siteverify call (Cloudflare Turnstile, hCaptcha): both take a form POST of `secret`,
 * `response` (the widget's token) and `remoteip`, and answer JSON with `success`, `error-codes` and, when they
 * know them, the `hostname` the challenge was solved on and (Turnstile) the widget's `action`. A token is good
 * only if the provider says so *and* it was solved on this deployment's hostname for this form: a token solved
 * on another site of the same account, or on the sign-in form, does not pass the sign-up form. Neither the token
 * nor the secret is ever logged; the provider's error codes are (they name the fault, not a secret).
 */
import { z } from "zod";
import { log } from "@/lib/http/log.ts";

/** passed; missing (no token posted); failed (the provider said no); unavailable (no usable answer). */
export type Verdict = "passed" | "missing" | "failed" | "unavailable";

export type SiteverifyCall = {
  provider: "turnstile" | "hcaptcha";
  url: string;
  timeoutMs: number;
  secret: string;
  token: string;
  remoteIp: string;
  siteKey: string;
  /** The hostname the hosted login is served on (BASE_URL's). */
  hostname: string;
  /** The form's name, which the page gives Turnstile as the widget's action. */
  action: string;
};

const Answer = z.object({
  success: z.boolean(),
  "error-codes": z.array(z.string().max(100)).max(20).optional().catch(undefined),
  hostname: z.string().max(300).optional().catch(undefined),
  action: z.string().max(100).optional().catch(undefined),
});

// Tokens are at most 2048 characters (Turnstile) and a few kilobytes (hCaptcha); longer is not a token.
const LONGEST_TOKEN = 8192;

// The project's account is misconfigured, not the person a bot: worth a log line for the operator.
const ACCOUNT_FAULTS = new Set(["missing-input-secret", "invalid-input-secret", "sitekey-secret-mismatch"]);

/** Asks the provider about `token`; never throws. */
export async function siteverify(call: SiteverifyCall): Promise<Verdict> {
  if (call.token.length > LONGEST_TOKEN) return "failed";
  const body = new URLSearchParams({ secret: call.secret, response: call.token });
  if (call.remoteIp !== "unknown") body.set("remoteip", call.remoteIp);
  // hCaptcha checks the token was issued for this site key when given one (Turnstile ties it by the secret).
  if (call.provider === "hcaptcha") body.set("sitekey", call.siteKey);
  let answer: z.infer<typeof Answer>;
  try {
    const response = await fetch(call.url, {
      method: "POST",
      body,
      headers: { "user-agent": "Astapa" },
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      log("warn", "bot_check_unavailable", { provider: call.provider, status: response.status });
      return "unavailable";
    }
    answer = Answer.parse(await response.json());
  } catch (error) {
    log("warn", "bot_check_unavailable", { provider: call.provider, error: (error as Error).name });
    return "unavailable";
  }
  if (!answer.success) {
    const codes = answer["error-codes"] ?? [];
    if (codes.some((code) => ACCOUNT_FAULTS.has(code))) {
      log("warn", "bot_check_account_fault", { provider: call.provider, error_codes: codes });
    }
    return "failed";
  }
  if (answer.hostname !== undefined && answer.hostname !== call.hostname) return "failed";
  if (answer.action !== undefined && answer.action !== call.action) return "failed";
  return "passed";
}
