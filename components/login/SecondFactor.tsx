import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasskeyButton from "@/islands/PasskeyButton.tsx";
import { AuthCard } from "./AuthCard.tsx";
import { ConsentForm } from "./ConsentForm.tsx";
import { PhoneFactor, UsePhoneLink } from "./PhoneFactor.tsx";
import type { PhoneFactorView } from "@/lib/login/factors/phone_step.ts";

/**
 * What /auth/mfa shows: a code, a recovery code, a passkey or a phone code (for someone with one but no app), an
 * enrolment, the new recovery codes, or "expired".
 */
export type SecondFactorData = AuthPageData & {
  mode?: "totp" | "recovery" | "enrol" | "passkey" | "phone" | "codes" | "expired";
  /** The person has a phone factor the project accepts (lib/login/factors/phone_step.ts). */
  phone?: PhoneFactorView;
  /** The person has a passkey that may meet the challenge (and the project offers passkeys). */
  passkeyFactor?: boolean;
  /** Enrolment: the QR code (an SVG data: URL), the key as text, and the sealed secret the form carries. */
  qr?: string;
  key?: string;
  sealed?: string;
  /** After enrolment, shown once. */
  codes?: string[];
  /**
   * After enrolment: back to the authorization request (without prompt=login or max_age, now met), or the
   * page of ours the sign-in goes on to first (afterFirstFactor's `onward`).
   */
  continueHref?: string;
  /** The project lets a browser skip the factor this many days (0: not offered). */
  rememberDays?: number;
};

/** The one-time-code input every mode uses: numeric keypad, and the OS may fill it from an SMS or app. */
function CodeField({ label, recovery, invalid }: { label: string; recovery?: boolean; invalid: boolean }) {
  return (
    <p class="field">
      <label for="code">{label}</label>
      <input
        id="code"
        name="code"
        type="text"
        required
        autocomplete="one-time-code"
        inputmode={recovery ? "text" : "numeric"}
        pattern={recovery ? undefined : "[0-9 ]*"}
        maxlength={recovery ? 20 : 7}
        spellcheck={false}
        autocapitalize="off"
        aria-invalid={invalid ? "true" : undefined}
        aria-describedby={invalid ? "form-error" : undefined}
        autofocus
      />
    </p>
  );
}

/** The second-factor page; works without JavaScript (the QR code is an image drawn on the server). */
export function SecondFactor({ data }: { data: SecondFactorData }) {
  if (data.consent) return <ConsentForm data={data} />;
  const t = MESSAGES[data.lang];
  const mode = data.mode ?? "expired";
  const other = data.lang === "en" ? "id" : "en";
  const here = (lang = data.lang, method?: string) =>
    `${flowHref("/auth/mfa", data, lang)}${method ? `&method=${method}` : ""}`;
  const invalid = data.error === "mfaWrongCode";
  const enrol = mode === "enrol" || mode === "codes";
  const form = (method: string, children: preact.ComponentChildren) => (
    <form method="post" action={`/auth/mfa?lang=${data.lang}`} novalidate>
      <input type="hidden" name="request" value={data.request} />
      <input type="hidden" name="csrf" value={data.csrf} />
      <input type="hidden" name="method" value={method} />
      {children}
    </form>
  );
  return (
    <AuthCard
      lang={data.lang}
      title={mode === "codes" ? "codesTitle" : enrol ? "enrolTitle" : "mfaTitle"}
      subtitle={enrol ? "enrolFor" : "mfaFor"}
      appName={data.appName}
      error={data.error}
      waitSeconds={data.waitSeconds}
      fieldHasFocus={invalid}
      switchHref={mode === "codes" ? `${flowHref("/auth/login", data, other)}` : here(other, modeQuery(mode))}
    >
      {mode === "expired" && (
        <p>
          <a class="button" href={flowHref("/auth/login", data)}>{t.signInAgain}</a>
        </p>
      )}
      {mode === "totp" && (
        <>
          <p>{t.mfaIntro}</p>
          {form(
            "totp",
            <>
              <CodeField label={t.mfaCode} invalid={invalid} />
              <Remember data={data} />
              <button type="submit">{t.mfaVerify}</button>
            </>,
          )}
          <p>
            <a href={here(data.lang, "recovery")}>{t.mfaUseRecovery}</a>
          </p>
          {data.passkeyFactor && (
            <>
              <p>{t.mfaOrPasskey}</p>
              <UsePasskey data={data} />
            </>
          )}
          <UsePhoneLink data={data} href={here(data.lang, "phone")} />
        </>
      )}
      {mode === "phone" && data.phone && (
        <PhoneFactor
          data={data}
          phone={data.phone}
          invalid={invalid}
          form={form}
          code={<CodeField label={t.mfaCode} invalid={invalid} />}
          remember={<Remember data={data} />}
          appHref={data.passkeyFactor ? here(data.lang) : here(data.lang, "enrol")}
          appLabel={data.passkeyFactor ? t.mfaUsePasskey : t.mfaEnrolInstead}
        />
      )}
      {mode === "passkey" && (
        <>
          <p>{t.mfaPasskeyIntro}</p>
          <UsePasskey data={data} />
          <UsePhoneLink data={data} href={here(data.lang, "phone")} />
          <p>
            <a href={here(data.lang, "enrol")}>{t.mfaEnrolInstead}</a>
          </p>
        </>
      )}
      {mode === "recovery" && (
        <>
          <p>{t.mfaRecoveryIntro}</p>
          {form(
            "recovery",
            <>
              <CodeField label={t.mfaRecoveryCode} recovery invalid={invalid} />
              <Remember data={data} />
              <button type="submit">{t.mfaVerify}</button>
            </>,
          )}
          <p>
            <a href={here()}>{t.mfaUseApp}</a>
          </p>
        </>
      )}
      {mode === "enrol" && (
        <>
          <p>{t.enrolIntro}</p>
          <p class="qr">
            <img src={data.qr} alt={t.enrolQrAlt} width={200} height={200} />
          </p>
          <p>
            {t.enrolKey} <code class="totp-key">{data.key}</code>
          </p>
          {form(
            "enrol",
            <>
              <input type="hidden" name="sealed" value={data.sealed} />
              <CodeField label={t.mfaCode} invalid={invalid} />
              <button type="submit">{t.enrolConfirm}</button>
            </>,
          )}
          <UsePhoneLink data={data} href={here(data.lang, "phone")} />
        </>
      )}
      {mode === "codes" && (
        <>
          <p>{t.codesIntro}</p>
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
            <a class="button" href={data.continueHref}>{t.codesContinue}</a>
          </p>
        </>
      )}
    </AuthCard>
  );
}

/** "Use a passkey": the island asks for the challenged person's passkeys and posts the assertion here. */
function UsePasskey({ data }: { data: SecondFactorData }) {
  const t = MESSAGES[data.lang];
  return (
    <Island
      of={PasskeyButton}
      props={{
        purpose: "second_factor" as const,
        action: `/auth/mfa?lang=${data.lang}`,
        request: data.request,
        csrf: data.csrf,
        label: t.mfaUsePasskey,
        cancelled: t.passkeyCancelled,
        rateLimited: t.passkeyRateLimited,
        unavailable: t.passkeyUnavailable,
        remember: data.rememberDays ? t.mfaRemember.replace("{days}", String(data.rememberDays)) : undefined,
      }}
    />
  );
}

/** "Remember this browser for N days", where the project allows it. */
function Remember({ data }: { data: SecondFactorData }) {
  if (!data.rememberDays) return null;
  return (
    <p class="field checkbox">
      <label>
        <input type="checkbox" name="remember" value="on" />{" "}
        {MESSAGES[data.lang].mfaRemember.replace("{days}", String(data.rememberDays))}
      </label>
    </p>
  );
}

const modeQuery = (mode: string) => (["recovery", "enrol", "phone"].includes(mode) ? mode : undefined);
