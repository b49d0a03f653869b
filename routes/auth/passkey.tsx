/**
 * POST /auth/passkey — sign in with a passkey. The island on the sign-in page posts the browser's assertion
 * (from the button or from autofill) with the authorization request and the CSRF token; once it checks out
 * the sign-in continues like a password's (a second factor where one is owed, unless the passkey verified the
 * person: then it is two factors already). A refusal is audited with its reason and shows the sign-in page
 * again with one message.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { AuthPageData } from "@/lib/login/pages.ts";
import { AuthForm, readAuthForm } from "@/lib/login/pages.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { relyingParty, verifySignIn } from "@/lib/login/passkeys/ceremony.ts";
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { passkeyRefused } from "@/db/passkeys.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { refusedBySso } from "@/lib/login/sso/required.tsx";
import SignIn from "./login.tsx";

const PasskeyForm = AuthForm.extend({ credential: z.string().max(40_000) });

export const handler: Handlers<AuthPageData> = {
  async POST(c) {
    const posted = await readAuthForm(c, PasskeyForm, "signInTitle");
    if (!("again" in posted)) return posted;
    const { form, request, query, again } = posted;
    if (!passkeysEnabled(request.project)) return again({ error: "passkeyFailed" }, 404);
    let outcome;
    try {
      outcome = await verifySignIn(c, request.project.id, form.credential);
    } catch (error) {
      // Enforced SSO: the passkey's account has its address at a domain that signs in through its IdP.
      const refused = refusedBySso(c, request, query, error);
      if (!refused) throw error;
      countSignIn("passkey", "failure", "sso_required");
      return refused;
    }
    if ("refused" in outcome) {
      await passkeyRefused(c.var.deps.sql, request.project.id, outcome.refused, {
        address: clientAddress(c),
      });
      countSignIn("passkey", "failure", "wrong_credentials");
      const page = again({ error: "passkeyFailed" }, 400);
      // WebAuthn's Signal API: the password manager stops offering a passkey this project no longer has.
      if (outcome.forgotten) {
        page.data.forgetPasskey = { rpId: relyingParty(c).rpID, credentialId: outcome.forgotten };
      }
      return page;
    }
    countSignIn("passkey", "success", "none");
    return await afterFirstFactor(c, request, query, outcome.userId, outcome.amr);
  },
};

export default SignIn;
