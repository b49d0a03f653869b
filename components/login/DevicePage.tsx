import type { DevicePageData } from "@/lib/login/device_page.ts";
import { DEVICE_MESSAGES, deviceSay } from "@/lib/login/device_messages.ts";

/** The hidden fields every step posts: the CSRF token and the user code the flow is about. */
function Carried({ data, step }: { data: DevicePageData; step: string }) {
  return (
    <>
      <input type="hidden" name="csrf" value={data.csrf} />
      <input type="hidden" name="step" value={step} />
      {step !== "enter" && <input type="hidden" name="user_code" value={data.userCode} />}
    </>
  );
}

/** Who asks for what: the client's own (unverified) name, the resource with its host, the scopes. */
function RequestSummary({ data }: { data: DevicePageData }) {
  const t = DEVICE_MESSAGES[data.lang];
  const request = data.request!;
  return (
    <div class="notice third-party" role="note">
      <p>
        <strong class="client-name">“{request.clientName}”</strong> {t.wantsAccess} {request.resource
          ? (
            <>
              <strong>{request.resourceName ?? request.resourceHost}</strong>{" "}
              (<code>{request.resource}</code>)
            </>
          )
          : <strong>{request.projectName}</strong>} {t.onBehalf}
      </p>
      {request.scopes.length > 0
        ? (
          <ul class="scopes">
            {request.scopes.map((scope) => (
              <li key={scope}>
                <code>{scope}</code>
              </li>
            ))}
          </ul>
        )
        : <p>{t.noScopes}</p>}
      {request.clientHost
        ? (
          <p class="muted">
            {t.publishedAt} <strong class="client-host">{request.clientHost}</strong>. {t.hostChecked}
          </p>
        )
        : request.thirdParty && <p class="muted">{t.unverified}</p>}
    </div>
  );
}

/** /device, one step at a time: code entry, consent, and the outcome (signing in is the hosted login's). */
export function DevicePage({ data }: { data: DevicePageData }) {
  const t = DEVICE_MESSAGES[data.lang];
  const other = data.lang === "en" ? "id" : "en";
  const switchHref = `/device?lang=${other}${
    data.userCode ? `&user_code=${encodeURIComponent(data.userCode)}` : ""
  }`;
  const action = `/device?lang=${data.lang}`;
  const title = {
    enter: t.enterTitle,
    consent: t.consentTitle,
    allowed: t.allowedTitle,
    denied: t.deniedTitle,
  }[data.step];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      <p class="eyebrow">
        {data.request ? `${t.signedInAs} ${data.request.projectName}` : t.title}
      </p>
      <h1 id="auth-heading">{title}</h1>
      {data.error && (
        <p class="alert" role="alert" id="form-error" tabindex={-1} autofocus>
          {deviceSay(data.lang, data.error, data.waitSeconds)}
        </p>
      )}
      {data.step === "enter" && (
        <form method="post" action={action}>
          <Carried data={data} step="enter" />
          <p class="field">
            <label for="user_code">{t.codeLabel}</label>
            <input
              id="user_code"
              name="user_code"
              type="text"
              value={data.userCode}
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              required
              maxLength={20}
              aria-invalid={data.error ? "true" : undefined}
              aria-describedby={data.error ? "user_code-hint form-error" : "user_code-hint"}
            />
            <span class="hint" id="user_code-hint">{t.codeHint}</span>
          </p>
          <button type="submit">{t.continue}</button>
        </form>
      )}
      {data.step === "consent" && (
        <>
          <RequestSummary data={data} />
          <form method="post" action={action}>
            <Carried data={data} step="decide" />
            <p class="consent-actions">
              <button type="submit" name="decision" value="allow">{t.allow}</button>{" "}
              <button type="submit" name="decision" value="deny" class="button secondary">{t.deny}</button>
            </p>
          </form>
        </>
      )}
      {data.step === "allowed" && <p role="status">{t.allowed}</p>}
      {data.step === "allowed" && data.remembered && data.request && (
        <p class="muted">
          {t.remembered.replace("{client}", `“${data.request.clientName}”`).replace(
            "{resource}",
            data.request.resourceName ?? data.request.resource ?? "",
          )}
        </p>
      )}
      {data.step === "denied" && <p role="status">{t.denied}</p>}
      <p class="muted lang-switch">
        <a href={switchHref} hreflang={other}>{t.language}</a>
      </p>
    </section>
  );
}
