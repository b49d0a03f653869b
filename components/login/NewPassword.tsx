import type { AuthPageData } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasswordStrength from "@/islands/PasswordStrength.tsx";
import { Field } from "./AuthCard.tsx";

const PASSWORD_REFUSALS = new Set<string | undefined>(["weakPassword", "commonPassword", "breachedPassword"]);

/** Whether a page's error is a refusal of the chosen password (the field is marked and focused). */
export function refusesPassword(error: string | undefined): boolean {
  return PASSWORD_REFUSALS.has(error);
}

/** A new-password field with its rule, the page's password errors, and the strength hint island. */
export function NewPassword({ data, label }: { data: AuthPageData; label: string }) {
  const t = MESSAGES[data.lang];
  return (
    <>
      <Field
        name="password"
        label={label}
        type="password"
        autocomplete="new-password"
        hint={t.passwordHint}
        invalid={refusesPassword(data.error)}
        focus={refusesPassword(data.error)}
        toggle={{ show: t.showPassword, hide: t.hidePassword }}
      />
      <Island
        of={PasswordStrength}
        props={{ inputId: "password", labels: [t.strength0, t.strength1, t.strength2, t.strength3] }}
      />
    </>
  );
}
