import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { beginSignIn } from "@/lib/dashboard/sign_in.ts";
import { dashboardLang, type Lang } from "@/lib/dashboard/i18n.ts";
import { SIGN_IN_TEXT } from "@/lib/dashboard/text/sign_in.ts";
import { Phrase } from "@/components/dashboard/Phrase.tsx";

type UnavailableData = { baseUrl: string; lang: Lang };

/** GET /dashboard/login: off to the console project's hosted login, or why that cannot work here. */
export const handler: Handlers<UnavailableData> = {
  GET: async (c) => {
    const { consoleClient, config } = c.var.deps;
    if (consoleClient.signInAvailable) return c.redirect(await beginSignIn(c), 303);
    const lang = dashboardLang(c);
    return page({ baseUrl: config.baseUrl, lang }, { title: SIGN_IN_TEXT[lang].title });
  },
};

export default function SignInUnavailable({ data }: PageProps<UnavailableData>) {
  const text = SIGN_IN_TEXT[data.lang];
  return (
    <section class="card">
      <p class="eyebrow">{text.eyebrow}</p>
      <h1>{text.heading}</h1>
      <p>
        <Phrase text={text.why} parts={{ baseUrl: <code>{data.baseUrl}</code> }} />
      </p>
      <p>
        <Phrase text={text.fix} parts={{ variable: <code>ASTAPA_BASE_URL</code> }} />
      </p>
    </section>
  );
}
