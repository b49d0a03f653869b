import type { Lang } from "../lib/login/i18n.ts";
import { ERROR_TEXT } from "../lib/http/error_text.ts";

type ErrorPageProps = {
  lang: Lang;
  status: number;
  message: string;
  /** A more specific description in English, shown under an Indonesian message. */
  detail?: string;
  /** What is wrong with each field, for a refusal that says only that some are (lib/http/errors.ts). */
  fields?: string[];
  /** The fields' language when it is not the page's (English under an Indonesian message). */
  fieldsLang?: string;
  requestId: string;
};

/** What a person sees when a page fails: what happened, what to do, and a reference for support. */
export function ErrorPage(
  { lang, status, message, detail, fields = [], fieldsLang, requestId }: ErrorPageProps,
) {
  const text = ERROR_TEXT[lang];
  const heading = text.headings[status] ?? (status >= 500 ? text.serverHeading : text.clientHeading);
  return (
    <section class="card error" aria-labelledby="error-heading">
      <p class="eyebrow">{text.error} {status}</p>
      <h1 id="error-heading">{heading}</h1>
      <p>{message}</p>
      {detail && <p lang="en">{detail}</p>}
      {fields.length > 0 && (
        <ul class="field-problems" lang={fieldsLang}>
          {fields.map((field, i) => <li key={i}>{field}</li>)}
        </ul>
      )}
      <p>
        <a href="/">{text.home}</a>
      </p>
      <p class="muted">
        {text.reference}: <code>{requestId}</code>
      </p>
    </section>
  );
}
