import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { contrast, isHexColour } from "@/lib/branding/colour.ts";
import { themeVariables } from "@/lib/branding/stylesheet.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { fill } from "@/lib/dashboard/text/catalogue.ts";
import { BRANDING_TEXT } from "@/lib/dashboard/text/branding.ts";

type BrandPreviewProps = {
  projectName: string;
  logoUrl: string | null;
  values: {
    display_name: string;
    primary_color: string;
    theme: string;
    terms_url: string;
    privacy_url: string;
    support_email: string;
  };
  disabled: boolean;
  /** The page's language (English when absent). */
  lang?: Lang;
};

/**
 * The branding form's fields and a live preview of a hosted sign-in card. Without JavaScript the fields post
 * as a plain form and the preview shows Astapa's colours; hydrated, every keystroke restyles the preview. The
 * colours are set through the CSSOM (style.setProperty), which the CSP allows, never as a style attribute.
 */
export default function BrandPreview(
  { projectName, logoUrl, values, disabled, lang = "en" }: BrandPreviewProps,
) {
  const text = BRANDING_TEXT[lang];
  const name = useSignal(values.display_name);
  const color = useSignal(values.primary_color);
  const theme = useSignal(values.theme || "auto");
  const preview = useRef<HTMLDivElement>(null);
  const valid = isHexColour(color.value);
  const ratio = valid ? contrast(color.value, "#ffffff") : null;
  const dark = theme.value === "dark" ||
    (theme.value === "auto" && typeof matchMedia === "function" &&
      matchMedia("(prefers-color-scheme: dark)").matches);

  useEffect(() => {
    const element = preview.current;
    if (!element) return;
    const vars = themeVariables(valid ? color.value : undefined, dark ? "dark" : "light");
    for (const [key, value] of Object.entries(vars)) element.style.setProperty(key, value);
  }, [color.value, theme.value, dark, valid]);

  const field = (
    id: keyof BrandPreviewProps["values"],
    label: string,
    hint: string,
    type: "url" | "email",
  ) => (
    <div class="field">
      <label for={`branding-${id}`}>{label}</label>
      <input
        id={`branding-${id}`}
        name={id}
        type={type as "text"}
        value={values[id]}
        disabled={disabled}
        aria-describedby={hint ? `branding-${id}-hint` : undefined}
      />
      {hint && <p class="hint" id={`branding-${id}-hint`}>{hint}</p>}
    </div>
  );

  return (
    <div class="brand-editor">
      <div class="brand-fields">
        <div class="field">
          <label for="branding-display_name">{text.displayName}</label>
          <input
            id="branding-display_name"
            name="display_name"
            maxLength={80}
            value={name.value}
            placeholder={projectName}
            disabled={disabled}
            onInput={(e) => name.value = (e.target as HTMLInputElement).value}
          />
        </div>
        <div class="field">
          <label for="branding-primary_color">{text.primaryColour}</label>
          <input
            id="branding-primary_color"
            name="primary_color"
            value={color.value}
            placeholder="#0b6e4f"
            pattern="#[0-9a-fA-F]{6}"
            disabled={disabled}
            aria-describedby="branding-contrast"
            onInput={(e) => color.value = (e.target as HTMLInputElement).value.trim()}
          />
          <p class="hint" id="branding-contrast" aria-live="polite">
            {ratio === null
              ? text.contrastNeeded
              : fill(ratio >= 4.5 ? text.contrastPasses : text.contrastFails, { ratio: ratio.toFixed(2) })}
          </p>
        </div>
        <div class="field">
          <label for="branding-theme">{text.theme}</label>
          <select
            id="branding-theme"
            name="theme"
            disabled={disabled}
            onChange={(e) => theme.value = (e.target as HTMLSelectElement).value}
          >
            {[["auto", text.themeAuto], ["light", text.themeLight], ["dark", text.themeDark]].map((
              [v, label],
            ) => <option key={v} value={v} selected={theme.value === v}>{label}</option>)}
          </select>
        </div>
        {field("terms_url", text.termsUrl, text.httpOnly, "url")}
        {field("privacy_url", text.privacyUrl, text.httpOnly, "url")}
        {field("support_email", text.supportEmail, text.supportEmailHint, "email")}
      </div>
      <div class="brand-preview" ref={preview} aria-label={text.preview} role="group">
        {logoUrl && <img class="brand-logo" src={logoUrl} alt="" />}
        <p class="brand-name">{name.value || projectName}</p>
        <p class="muted">{fill(text.previewSignIn, { name: name.value || projectName })}</p>
        <span class="button">{text.previewContinue}</span>{" "}
        <a href="#branding-terms_url">{text.previewTerms}</a>
      </div>
    </div>
  );
}
