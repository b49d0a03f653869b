import type { ComponentChildren } from "preact";
import { type Lang, type MessageKey, MESSAGES } from "../../lib/login/i18n.ts";

type AuthCardProps = {
  lang: Lang;
  title: MessageKey;
  subtitle: MessageKey;
  appName: string;
  error?: MessageKey;
  /** The same page in the other language. */
  switchHref: string;
  children: ComponentChildren;
};

/** The frame of every hosted-login page: whose app, what to do, what went wrong, and the language switch. */
export function AuthCard({ lang, title, subtitle, appName, error, switchHref, children }: AuthCardProps) {
  const t = MESSAGES[lang];
  return (
    <section class="card auth" lang={lang} aria-labelledby="auth-heading">
      <p class="eyebrow">{t[subtitle]} {appName}</p>
      <h1 id="auth-heading">{t[title]}</h1>
      {error && (
        <p class="alert" role="alert" id="form-error">
          {t[error]}
        </p>
      )}
      {children}
      <p class="muted lang-switch">
        <a href={switchHref} hreflang={lang === "en" ? "id" : "en"}>{t.language}</a>
      </p>
    </section>
  );
}

type FieldProps = {
  name: string;
  label: string;
  type: "email" | "password";
  value?: string;
  autocomplete: string;
  hint?: string;
  invalid?: boolean;
};

/** A labelled input; its hint and the form's error are announced with it. */
export function Field({ name, label, type, value, autocomplete, hint, invalid }: FieldProps) {
  const described = [hint ? `${name}-hint` : "", invalid ? "form-error" : ""].filter(Boolean).join(" ");
  return (
    <p class="field">
      <label for={name}>{label}</label>
      <input
        id={name}
        name={name}
        type={type as "text"} // Preact types each input kind apart; all ours are text-like
        value={value}
        autocomplete={autocomplete}
        required
        aria-invalid={invalid ? "true" : undefined}
        aria-describedby={described || undefined}
      />
      {hint && <span class="hint" id={`${name}-hint`}>{hint}</span>}
    </p>
  );
}
