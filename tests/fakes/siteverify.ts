/**
 * A local Cloudflare Turnstile and hCaptcha siteverify: `POST /turnstile/v0/siteverify` and `POST /siteverify`,
 * form-encoded `secret`, `response`, `remoteip` (hCaptcha also `sitekey`), answering as the providers do: 200
 * with `success` and `error-codes` (`missing-input-secret`, `invalid-input-secret`, `invalid-input-response`,
 * `timeout-or-duplicate`: a token is good once), plus the `hostname` it was solved on, `challenge_ts` and, for
 * Turnstile, the widget's `action`. `solve()` makes a token as a person solving the widget would.
 */
import { type FakeServer, json, serveFake } from "./serve.ts";
import { randomSecret } from "@/lib/secrets.ts";

export type SolvedChallenge = { provider: "turnstile" | "hcaptcha"; hostname: string; action: string };

export type FakeSiteverify = FakeServer & {
  turnstileUrl: string;
  hcaptchaUrl: string;
  /** The secret key each provider's account accepts. */
  secrets: { turnstile: string; hcaptcha: string };
  hcaptchaSiteKey: string;
  /** Every request's form parameters, for assertions on the exact request. */
  requests: { provider: string; form: URLSearchParams }[];
  /** A token for a challenge solved on `hostname` (Turnstile: in a widget with `action`). */
  solve(challenge: SolvedChallenge): string;
};

export function startFakeSiteverify(): FakeSiteverify {
  const solved = new Map<string, SolvedChallenge & { at: string }>();
  const answer = async (provider: "turnstile" | "hcaptcha", req: Request) => {
    const form = new URLSearchParams(await req.text());
    fake.requests.push({ provider, form });
    const secret = form.get("secret");
    if (!secret) return json({ success: false, "error-codes": ["missing-input-secret"] });
    if (secret !== fake.secrets[provider]) {
      return json({ success: false, "error-codes": ["invalid-input-secret"] });
    }
    const token = form.get("response");
    if (!token) return json({ success: false, "error-codes": ["missing-input-response"] });
    const challenge = solved.get(token);
    if (!challenge || challenge.provider !== provider) {
      return json({ success: false, "error-codes": ["invalid-input-response"] });
    }
    if (provider === "hcaptcha" && form.has("sitekey") && form.get("sitekey") !== fake.hcaptchaSiteKey) {
      return json({ success: false, "error-codes": ["sitekey-secret-mismatch"] });
    }
    solved.delete(token); // single use: the same token again is timeout-or-duplicate
    return json({
      success: true,
      "error-codes": [],
      challenge_ts: challenge.at,
      hostname: challenge.hostname,
      ...(provider === "turnstile" ? { action: challenge.action, cdata: "" } : { credit: false }),
    });
  };
  const server = serveFake(async (req, url) => {
    if (req.method === "POST" && url.pathname === "/turnstile/v0/siteverify") {
      return await answer("turnstile", req);
    }
    if (req.method === "POST" && url.pathname === "/siteverify") return await answer("hcaptcha", req);
    return json({ success: false, "error-codes": ["bad-request"] }, 405);
  });
  const fake: FakeSiteverify = {
    ...server,
    turnstileUrl: `${server.origin}/turnstile/v0/siteverify`,
    hcaptchaUrl: `${server.origin}/siteverify`,
    secrets: { turnstile: `0x4AAAAAAA${randomSecret("", 16)}`, hcaptcha: `0x${randomSecret("", 20)}` },
    hcaptchaSiteKey: "10000000-ffff-ffff-ffff-000000000001",
    requests: [],
    solve(challenge) {
      const token = randomSecret("", 64);
      solved.set(token, { ...challenge, at: new Date().toISOString() });
      return token;
    },
  };
  return fake;
}
