/**
 * The hosted "manage two-step verification" page (/auth/mfa/manage): a signed-in person makes new recovery
 * codes or removes their authenticator app, each after a fresh code. Works without JavaScript.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { ACR_MFA } from "@/lib/login/factors/policy.ts";
import { AuthCard } from "./AuthCard.tsx";

export type ManageFactorData = AuthPageData & {
  /** manage (also a stale form shown again): the form; codes: new recovery codes, shown once; removed; none: no
   * app set up; signedOut. */
  mode?: "manage" | "codes" | "removed" | "none" | "signedOut";
  codes?: string[];
};

export function ManageFactor({ data }: { data: ManageFactorData }) {
  const t = MESSAGES[data.lang];
  const mode = data.mode ?? "manage";
  const other = data.lang === "en" ? "id" : "en";
  const invalid = data.error === "mfaWrongCode";
  const back = flowHref("/auth/login", data);
  // Setting up goes through sign-in asking for MFA: the same step-up every app can ask for.
  const setUp = `/auth/login?${data.request}${data.request ? "&" : ""}acr_values=${
    encodeURIComponent(ACR_MFA)
  }&lang=${data.lang}`;
  return (
    <AuthCard
      lang={data.lang}
      title={mode === "codes" ? "codesTitle" : "manageTitle"}
      subtitle="manageFor"
      appName={data.appName}
      error={data.error}
      waitSeconds={data.waitSeconds}
      fieldHasFocus={invalid}
      switchHref={flowHref("/auth/mfa/manage", data, other)}
    >
      {mode === "signedOut" && (
        <>
          <p>{t.manageSignedOut}</p>
          <p>
            <a class="button" href={back}>{t.signInTitle}</a>
          </p>
        </>
      )}
      {mode === "none" && (
        <>
          <p>{t.manageNone}</p>
          <p>
            <a class="button" href={setUp}>{t.manageSetUp}</a>
          </p>
        </>
      )}
      {mode === "removed" && (
        <>
          <p role="status">{t.manageRemoved}</p>
          <p>
            <a class="button" href={back}>{t.manageBack}</a>
          </p>
        </>
      )}
      {mode === "manage" && (
        <>
          <p>{t.manageIntro}</p>
          <form method="post" action={`/auth/mfa/manage?lang=${data.lang}`} novalidate>
            <input type="hidden" name="request" value={data.request} />
            <input type="hidden" name="csrf" value={data.csrf} />
            <p class="field">
              <label for="code">{t.manageCode}</label>
              <input
                id="code"
                name="code"
                type="text"
                required
                autocomplete="one-time-code"
                maxlength={20}
                spellcheck={false}
                autocapitalize="off"
                aria-invalid={invalid ? "true" : undefined}
                aria-describedby={invalid ? "form-error" : undefined}
              />
            </p>
            <p>
              <button type="submit" name="action" value="regenerate">{t.manageRegenerate}</button>
            </p>
            <p>
              <button type="submit" name="action" value="remove">{t.manageRemove}</button>
            </p>
          </form>
        </>
      )}
      {mode === "codes" && (
        <>
          <p>{t.manageRegenerated}</p>
          <ul class="recovery-codes">
            {(data.codes ?? []).map((code) => (
              <li>
                <code>{code}</code>
              </li>
            ))}
          </ul>
          <p>
            <a
              href={`data:text/plain;charset=utf-8,${
                encodeURIComponent((data.codes ?? []).join("\n") + "\n")
              }`}
              download="recovery-codes.txt"
            >
              {t.codesDownload}
            </a>
          </p>
          <p>
            <a class="button" href={back}>{t.codesContinue}</a>
          </p>
        </>
      )}
    </AuthCard>
  );
}
