import type { AuthPageData } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { Island } from "@/lib/islands/Island.tsx";
import PasswordStrength from "@/islands/PasswordStrength.tsx";
import { Field } from "./AuthCard.tsx";

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
        invalid={data.error === "weakPassword" || data.error === "commonPassword"}
        focus={data.error === "weakPassword" || data.error === "commonPassword"}
        toggle={{ show: t.showPassword, hide: t.hidePassword }}
      />
      <Island
        of={PasswordStrength}
        props={{ inputId: "password", labels: [t.strength0, t.strength1, t.strength2, t.strength3] }}
      />
    </>
  );
}
