/**
 * POST /auth/passkey/options — the options a passkey ceremony starts from, for the island on the sign-in page
 * (`sign_in`: any passkey of the project, discoverable), on /auth/mfa (`second_factor`: the passkeys of the
 * person this browser's challenge is for, user verification required) or on /auth/passkeys (`register`: the
 * signed-in person adds one, after a recent sign-in) or on /auth/signup/passkey (`sign_up`: the first passkey of
 * a sign-up whose address was proven, named by its token). Posted like every hosted form (the authorization request, the CSRF
 * token, a same-origin Origin); the challenge is opened in Postgres for 5 minutes.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { readBody } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { csrfValid, readSession } from "@/lib/login/browser.ts";
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { registrationOptions, secondFactorOptions, signInOptions } from "@/lib/login/passkeys/ceremony.ts";
import { readChallenge } from "@/lib/login/factors/step.ts";
import { signUpOptions } from "@/lib/login/passkeys/sign_up.ts";
import { ownPasskeys } from "@/db/passkeys.ts";
import { mfaChallenge } from "@/db/factors.ts";
import { sha256 } from "@/lib/secrets.ts";

const OptionsForm = z.object({
  request: z.string().max(8000),
  csrf: z.string().max(100),
  purpose: z.enum(["sign_in", "register", "second_factor", "sign_up"]),
  sign_up: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional(),
});

export const handler: Handlers = {
  async POST(c) {
    const form = await readBody(c, OptionsForm, ["form"]);
    const request = await authorizeRequest(c, new URLSearchParams(form.request));
    if (request instanceof Response) throw new AppError("validation_failed", { description: "Bad request." });
    const origin = c.req.header("origin");
    if (origin !== new URL(c.var.deps.config.baseUrl).origin || !csrfValid(c, form.csrf)) {
      throw new AppError("forbidden", { description: "This form expired. Reload the page." });
    }
    if (!passkeysEnabled(request.project)) throw new AppError("not_found");
    c.header("cache-control", "no-store");
    if (form.purpose === "sign_in") return c.json(await signInOptions(c, request.project.id));
    if (form.purpose === "sign_up") {
      if (!form.sign_up) {
        throw new AppError("forbidden", { description: "This sign-up has expired. Start again." });
      }
      return c.json(await signUpOptions(c, request.project, form.sign_up));
    }
    if (form.purpose === "second_factor") {
      const token = readChallenge(c, request.project.id);
      const challenge = token
        ? await mfaChallenge(c.var.deps.sql, request.project.id, await sha256(token))
        : null;
      if (!challenge?.passkeys.length) {
        throw new AppError("forbidden", { description: "This sign-in step has expired. Sign in again." });
      }
      return c.json(await secondFactorOptions(c, request.project.id, challenge.passkeys));
    }
    const token = readSession(c, request.project.id);
    const sessionHash = token ? await sha256(token) : null;
    const own = sessionHash ? await ownPasskeys(c.var.deps.sql, request.project.id, sessionHash) : null;
    // Support staff signed in as the person may not add a key to their account (docs/impersonation.md).
    if (own?.impersonated) throw new AppError("impersonated");
    if (!own || !sessionHash || !own.recent) {
      throw new AppError("forbidden", { description: "Sign in again before adding a passkey." });
    }
    return c.json(await registrationOptions(c, request.project, own, sessionHash));
  },
};
