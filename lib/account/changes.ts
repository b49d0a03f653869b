/**
 * The account page's forms turned into changes: each posted action becomes one AccountChange for SQL (with the
 * mail it sends, in the person's language), or the problem to show. Sensitive changes carry FRESH_SECONDS:
 * SQL refuses them (AS403) when the sign-in is older, and the page sends the person to sign in again.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { AccountChange } from "@/db/account.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { chosenPasswordProblem, hashPassword } from "@/lib/passwords.ts";
import { projectBreachLookup } from "@/lib/breached_passwords.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import type { AccountKey } from "./i18n.ts";
import { accountDeletedMail, emailChangeMail, identityUnlinkedMail, passwordChangedMail } from "./mail.ts";
import type { AccountForm } from "./form.ts";
import { isProvider } from "@/lib/login/social/providers.ts";
import { type AccountTarget, FRESH_SECONDS } from "./target.ts";
import { refusedProfileField } from "@/lib/platform/profile_body.ts";

const Email = z.string().trim().max(254).regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/);

/** The change a valid form asks for, or the problem to report; sensitive ones need a fresh sign-in (SQL). */
export async function changeFor(
  c: Ctx,
  target: AccountTarget,
  form: AccountForm,
): Promise<AccountChange | AccountKey> {
  const lang = pickLang(c);
  const app = target.project.name;
  switch (form.action) {
    case "name":
    case "profile": {
      // The fields the form posted (absent ones stay as they are); blank clears one.
      const profile = Object.fromEntries(
        PROFILE_KEYS.filter((key) => form[key] !== undefined).map((key) => [key, form[key]]),
      );
      return { kind: "profile", profile };
    }
    case "email": {
      const wanted = Email.safeParse(form.email ?? "");
      if (!wanted.success) return "emailInvalid";
      const token = randomSecret();
      const link = `${c.var.deps.config.baseUrl}/account/email?${new URLSearchParams({
        client_id: target.clientId,
        token,
        lang,
      })}`;
      return {
        kind: "email",
        newEmail: wanted.data,
        tokenHash: await sha256(token),
        freshSeconds: FRESH_SECONDS,
        mail: emailChangeMail(lang, app, link, target.project.settings),
      };
    }
    case "password": {
      const password = form.password ?? "";
      const weak = await chosenPasswordProblem(
        projectBreachLookup(c.var.deps.config.breachedPasswords, target.project, "chosen"),
        password,
      );
      if (weak) return weak;
      return {
        kind: "password",
        passwordHash: await hashPassword(password),
        freshSeconds: FRESH_SECONDS,
        mail: passwordChangedMail(lang, app, target.project.settings),
      };
    }
    case "unlink": {
      const provider = form.provider && isProvider(form.provider) ? form.provider : null;
      if (!provider) return "staleForm";
      return {
        kind: "unlink",
        provider,
        subject: form.subject ?? "",
        freshSeconds: FRESH_SECONDS,
        mail: identityUnlinkedMail(lang, app, provider, target.project.settings),
      };
    }
    case "endOthers":
      return { kind: "endOtherSessions" };
    case "revokeApp":
      return { kind: "revokeApp", clientId: form.client ?? "" };
    case "revokeConsent":
      return { kind: "revokeConsent", clientId: form.client ?? "", resource: form.resource ?? "" };
    case "leaveOrganization":
      return { kind: "leaveOrganization", organizationId: form.organization ?? "" };
    case "delete":
      return {
        kind: "delete",
        typedEmail: form.confirm ?? "",
        freshSeconds: FRESH_SECONDS,
        mail: accountDeletedMail(lang, app, target.project.settings),
      };
  }
  return "staleForm";
}

// Not birthdate or gender: the app's to set (astapa.account_profile_fields, docs/identity.md).
const PROFILE_KEYS = [
  "name",
  "given_name",
  "family_name",
  "locale",
  "picture",
  "nickname",
  "middle_name",
  "preferred_username",
  "website",
  "zoneinfo",
] as const;

/** What SQL refusing the input (AS400) means for each change. */
export const REFUSED: Record<string, AccountKey> = {
  email: "emailInvalid",
  delete: "deleteMismatch",
};

/** The profile field a refusal names (astapa.profile_problem's message starts with it), as the page's problem. */
export function profileRefusal(description: string | undefined): AccountKey {
  const field = refusedProfileField(description);
  const keys: Record<string, AccountKey> = {
    given_name: "givenNameInvalid",
    family_name: "familyNameInvalid",
    picture: "pictureInvalid",
    locale: "localeInvalid",
    nickname: "nicknameInvalid",
    middle_name: "middleNameInvalid",
    preferred_username: "preferredUsernameInvalid",
    website: "websiteInvalid",
    zoneinfo: "zoneinfoInvalid",
  };
  return keys[field ?? ""] ?? "nameInvalid";
}

/** What the page says after each change went through. */
export const NOTICE_OF: Record<string, AccountKey> = {
  profile: "profileSaved",
  email: "emailSent",
  password: "passwordSaved",
  unlinkedIdentity: "unlinked",
  endOtherSessions: "othersEnded",
  revokeApp: "revoked",
  leaveOrganization: "leftOrganization",
  revokeConsent: "consentRevoked",
};
