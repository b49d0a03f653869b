import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import {
  type Challenge,
  FactorRefused,
  meetChallenge,
  meetChallengeByPasskey,
  mfaChallenge,
  type PasskeyProof,
} from "@/db/factors.ts";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  authPageData,
  readAuthForm,
  STALE_FORM,
} from "@/lib/login/pages.ts";
import { type AuthorizeRequest, redirectTo, requestQuery } from "@/lib/login/authorize_request.ts";
import { codeRequest, newBrowserSession } from "@/lib/login/flow.ts";
import { decideOrganization } from "@/lib/login/organization_step.ts";
import { writeSession } from "@/lib/login/browser.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import {
  onwardHref,
  readChallenge,
  readChallengeOnward,
  writeChallenge,
  writeRemembered,
} from "@/lib/login/factors/step.ts";
import { rememberDays } from "@/lib/login/factors/policy.ts";
import { factorProof, newEnrolment, type ProofResult } from "@/lib/login/factors/proof.ts";
import { countFactorFailure, factorWait } from "@/lib/login/factors/lockout.ts";
import { passkeyFactor, passkeyFactorRefused, passkeyProof } from "@/lib/login/factors/passkey_proof.ts";
import {
  forgetPhoneFactorCode,
  phoneFactor,
  phoneFactorProof,
  phoneFactorView,
  sendPhoneFactorCode,
} from "@/lib/login/factors/phone_step.ts";
import { meetChallengeByPhone } from "@/db/phone_factor.ts";
import { sayPhoneFactor } from "@/lib/login/factors/phone_i18n.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { SecondFactor, type SecondFactorData } from "@/components/login/SecondFactor.tsx";

const FactorForm = AuthForm.extend({
  /** phone_send: a code to the person's phone (channel); phone: that code typed back. */
  method: z.enum(["totp", "recovery", "enrol", "passkey", "phone", "phone_send"]),
  code: z.string().max(64).default(""),
  channel: z.enum(["whatsapp", "sms"]).default("whatsapp"),
  /** phone_send by someone adding a number at this step (no verified one yet): the number typed. */
  phone: z.string().max(100).default(""),
  /** method passkey: the assertion the island posts (bounded like /auth/passkey's). */
  credential: z.string().max(40_000).optional(),
  sealed: z.string().max(400).optional(),
  remember: z.literal("on").optional(),
});

type Mode = NonNullable<SecondFactorData["mode"]>;

/**
 * Which way of meeting the challenge the page offers first: the app's code (or a recovery code) for someone
 * with an app; else a passkey, else a phone code, for someone with those (an app stays one link away); else
 * setting up an app. `method` is what the person picked (a link's ?method= or the posted form).
 */
function modeFor(
  request: AuthorizeRequest,
  challenge: Challenge,
  method: string | null | undefined,
): "totp" | "recovery" | "enrol" | "passkey" | "phone" {
  const phone = phoneFactor(challenge) && (method === "phone" || method === "phone_send");
  if (challenge.enrolled) return method === "recovery" ? "recovery" : phone ? "phone" : "totp";
  if (phone) return "phone";
  if (passkeyFactor(request, challenge) && method !== "enrol") return "passkey";
  // Setting a factor up: the app first, the phone (a verified number, or one to add) one link away.
  return phoneFactor(challenge) && !challenge.phone_enrol && !challenge.phone_add && method !== "enrol"
    ? "phone"
    : "enrol";
}

/** The page again in `mode`; an enrolment keeps its QR code, so the app already holding it still works. */
async function show(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  challenge: Challenge | null,
  tokenHash: Uint8Array | null,
  mode: Mode,
  extra: Partial<SecondFactorData> = {},
  status = 200,
) {
  const base = {
    ...authPageData(c, request, query, extra),
    rememberDays: rememberDays(request.project),
    passkeyFactor: !!challenge && passkeyFactor(request, challenge),
    phone: challenge ? await phoneFactorView(c, request, challenge) ?? undefined : undefined,
  };
  const enrolment = mode === "enrol" && challenge && tokenHash && !extra.qr
    ? await newEnrolment(c, request, challenge, tokenHash)
    : {};
  return authPage({ ...base, mode, ...enrolment, ...extra } as SecondFactorData, "mfaTitle", status);
}

/** A number typed at this step belongs to another account: the number form again, saying so (409). */
async function phoneTaken(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  challenge: Challenge,
  tokenHash: Uint8Array,
) {
  const view = await phoneFactorView(c, request, challenge);
  const notice = sayPhoneFactor(pickLang(c), "phoneFactorTaken");
  // The spent code's cookie is cleared on this response; the page asks for a number again.
  const phone = view ? { ...view, masked: "", sent: undefined, notice } : undefined;
  return await show(c, request, query, challenge, tokenHash, "phone", { phone }, 409);
}

/** The live challenge this browser holds, with its token's hash. */
async function currentChallenge(c: Ctx, request: AuthorizeRequest) {
  const token = readChallenge(c, request.project.id);
  const tokenHash = token ? await sha256(token) : null;
  const challenge = tokenHash ? await mfaChallenge(c.var.deps.sql, request.project.id, tokenHash) : null;
  return { challenge, tokenHash };
}

/**
 * The second factor: a code from the authenticator app, a recovery code, a passkey with user verification, or
 * setting up an app.
 */
export const handler: Handlers<SecondFactorData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const { challenge, tokenHash } = await currentChallenge(c, request);
    if (!challenge) return await show(c, request, query, null, null, "expired", {}, 400);
    // Someone with a passkey or a phone factor but no app counts as set up: that is offered, an app optional.
    return await show(
      c,
      request,
      query,
      challenge,
      tokenHash,
      modeFor(request, challenge, query.get("method")),
    );
  },

  async POST(c) {
    const posted = await readAuthForm(c, FactorForm, "mfaTitle", async (request, query, form) => {
      // As a reload shows it: the challenge this browser holds, in the way the person was meeting it.
      const { challenge, tokenHash } = await currentChallenge(c, request);
      const mode = !challenge
        ? "expired"
        : form.method === "passkey" && passkeyFactor(request, challenge)
        ? "passkey"
        : modeFor(request, challenge, form.method);
      return await show(
        c,
        request,
        query,
        challenge,
        tokenHash,
        mode,
        { error: STALE_FORM.error },
        STALE_FORM.status,
      );
    });
    if (!("again" in posted)) return posted;
    const { form, query, request } = posted;
    const { challenge, tokenHash } = await currentChallenge(c, request);
    if (!challenge || !tokenHash) {
      return await show(c, request, query, null, null, "expired", { error: "mfaExpired" }, 400);
    }
    const byPasskey = form.method === "passkey";
    const mode = byPasskey && passkeyFactor(request, challenge)
      ? "passkey"
      : modeFor(request, challenge, form.method);
    if (form.method === "phone_send" && mode === "phone") {
      // Sending is limited per number, address, range and project (lib/phone/flow.ts), not by the lockout.
      const sent = await sendPhoneFactorCode(c, request, challenge, tokenHash, {
        channel: form.channel,
        typed: form.phone,
      }, pickLang(c));
      return await show(c, request, query, challenge, tokenHash, mode, { phone: sent.view }, sent.status);
    }
    const byPhone = form.method === "phone" && mode === "phone";
    const kept = mode === "enrol" ? { sealed: form.sealed } : {};
    const wait = await factorWait(c, request.project, challenge.user_id);
    if (wait > 0) {
      return await show(c, request, query, challenge, tokenHash, mode, {
        error: "tooMany",
        waitSeconds: wait,
      }, 429);
    }
    const passkey: PasskeyProof | null = byPasskey
      ? await passkeyProof(c, request, challenge, form.credential)
      : null;
    const phoneProof = byPhone ? await phoneFactorProof(c, request.project.id, form.code) : null;
    const proof: ProofResult = byPasskey || mode === "passkey" || mode === "phone"
      ? {}
      : await factorProof(c, request, challenge, tokenHash, mode, form, pickLang(c));
    const refused = async () => {
      await countFactorFailure(c, request.project, challenge.user_id, byPasskey ? "passkey" : mode);
      const again = proof.enrolmentShown ?? {};
      return await show(c, request, query, challenge, tokenHash, mode, {
        error: byPasskey ? "passkeyFailed" : "mfaWrongCode",
        ...kept,
        ...again,
      }, 422);
    };
    if (!(passkey ?? phoneProof ?? proof.proof)) return await refused();
    const code = randomSecret();
    // A page of ours the first factor's sign-in goes on to (afterFirstFactor's `onward`): it comes first, and
    // the app's code later, fresh, through the sign-in page (where the consent and organization steps run).
    // Someone who met the step with a passkey has one already: no offer of a first one, no upgrade.
    const offered = readChallengeOnward(c, request.project.id);
    const onward = offered?.startsWith("passkey_") && passkey ? undefined : offered;
    // A self-registered client still needs the person's "Allow"; an enrolment first shows the recovery codes.
    const consent = !onward && !!request.thirdParty;
    // The organization step (lib/login/organization_step.ts): a picker to go through means no code yet.
    const decision = mode !== "enrol" && !consent && !onward
      ? await decideOrganization(c, request, challenge.user_id)
      : null;
    const issueCode = decision !== null && !("redirect" in decision);
    const session = await newBrowserSession(c, request);
    const days = rememberDays(request.project);
    const remembered = form.remember && days > 0 ? randomSecret() : null;
    const rememberRecord = remembered ? { tokenHash: await sha256(remembered), days } : null;
    const codeRecord = issueCode
      ? await codeRequest({ ...request, organization: decision.organization }, code)
      : null;
    try {
      if (phoneProof) {
        const met = await meetChallengeByPhone(
          c.var.deps.sql,
          request.project.id,
          tokenHash,
          phoneProof,
          codeRecord,
          session.record,
          rememberRecord,
        );
        if ("refused" in met) {
          if (met.refused.expired) forgetPhoneFactorCode(c, request.project.id);
          // The right code for a number typed here that another account holds: not a guess, so not counted.
          if (met.refused.taken) return await phoneTaken(c, request, query, challenge, tokenHash);
          return await refused();
        }
        forgetPhoneFactorCode(c, request.project.id);
      } else if (passkey) {
        const met = await meetChallengeByPasskey(
          c.var.deps.sql,
          request.project.id,
          tokenHash,
          passkey,
          codeRecord,
          session.record,
          rememberRecord,
        );
        if ("refused" in met) {
          await passkeyFactorRefused(c, request.project.id, met.refused);
          return await refused();
        }
      } else {
        try {
          await meetChallenge(
            c.var.deps.sql,
            request.project.id,
            tokenHash,
            proof.proof!,
            codeRecord,
            session.record,
            rememberRecord,
          );
        } catch (error) {
          if (error instanceof FactorRefused) return await refused();
          throw error;
        }
      }
    } catch (error) {
      // A dead challenge, or a step-up whose session ended meanwhile (a sign-out everywhere, a disable): nothing
      // was met or set up; the page says to sign in again.
      if (toAppError(error).code !== "invalid_grant") throw error;
      return await show(c, request, query, null, null, "expired", { error: "mfaExpired" }, 400);
    }
    writeChallenge(c, request.project.id, null);
    if (remembered) writeRemembered(c, request.project.id, remembered, days);
    writeSession(c, request.project.id, session.token, session.record.ttlSeconds);
    const then = onward ? onwardHref(onward, query, pickLang(c)) : undefined;
    if (mode === "enrol") {
      const again = new URLSearchParams(requestQuery(query));
      again.delete("prompt");
      again.delete("max_age");
      return await show(c, request, query, challenge, tokenHash, "codes", {
        codes: proof.recoveryCodes,
        continueHref: then ?? `/auth/login?${again}&lang=${pickLang(c)}`,
      });
    }
    if (then) return c.redirect(then, 303);
    if (consent) return authPage(authPageData(c, request, query, { consent: true }), "consentTitle");
    if (decision && "redirect" in decision) return c.redirect(decision.redirect, 303);
    return c.redirect(redirectTo(request, c.var.deps.config.baseUrl, { code }), 303);
  },
};

export default function SecondFactorPage({ data }: PageProps<SecondFactorData>) {
  return <SecondFactor data={data} />;
}
