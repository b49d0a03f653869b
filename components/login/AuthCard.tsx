import type { ComponentChildren } from "preact";
import { type Lang, type MessageKey, MESSAGES, say } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasswordToggle from "@/islands/PasswordToggle.tsx";

type AuthCardProps = {
  lang: Lang;
  title: MessageKey;
  subtitle: MessageKey;
  appName: string;
  error?: MessageKey;
  /** Seconds to wait, for errors that say how long (the lockout). */
  waitSeconds?: number;
  /** A field of the form takes the focus for this error (else the message itself does). */
  fieldHasFocus?: boolean;
  /** The same page in the other language. */
  switchHref: string;
  children: ComponentChildren;
};

/** The frame of every hosted-login page: whose app, what to do, what went wrong, and the language switch. */
export function AuthCard(
  { lang, title, subtitle, appName, error, waitSeconds, fieldHasFocus, switchHref, children }: AuthCardProps,
) {
  const t = MESSAGES[lang];
  return (
    <section class="card auth" lang={lang} aria-labelledby="auth-heading">
      <p class="eyebrow">{t[subtitle]} {appName}</p>
      <h1 id="auth-heading">{t[title]}</h1>
      {error && (
        // After a failed submit the focus lands here (or on the field at fault): no JavaScript needed.
        <p class="alert" role="alert" id="form-error" tabindex={-1} autofocus={!fieldHasFocus}>
          {say(lang, error, waitSeconds)}
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
  /** Takes the focus when the page loads: the first field at fault after a failed submit. */
  focus?: boolean;
  /** Password fields: the show/hide toggle's labels. */
  toggle?: { show: string; hide: string };
};

/** A labelled input; its hint and the form's error are announced with it. */
export function Field({ name, label, type, value, autocomplete, hint, invalid, focus, toggle }: FieldProps) {
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
        autofocus={focus || undefined}
      />
      {toggle && <Island of={PasswordToggle} props={{ inputId: name, ...toggle }} />}
      {hint && <span class="hint" id={`${name}-hint`}>{hint}</span>}
    </p>
  );
}
