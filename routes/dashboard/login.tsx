import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { beginSignIn } from "@/lib/dashboard/sign_in.ts";

type UnavailableData = { baseUrl: string };

/** GET /dashboard/login: off to the console project's hosted login, or why that cannot work here. */
export const handler: Handlers<UnavailableData> = {
  GET: async (c) => {
    const { consoleClient, config } = c.var.deps;
    if (consoleClient.signInAvailable) return c.redirect(await beginSignIn(c), 303);
    return page({ baseUrl: config.baseUrl }, { title: "Dashboard sign-in unavailable" });
  },
};

export default function SignInUnavailable({ data }: PageProps<UnavailableData>) {
  return (
    <section class="card">
      <p class="eyebrow">Dashboard</p>
      <h1>Sign-in is not available on this address</h1>
      <p>
        Developers sign in through this deployment's own hosted login, which may only send people back to an
        https address, or to http on localhost. <code>{data.baseUrl}</code> is neither.
      </p>
      <p>
        Set <code>ASTAPA_BASE_URL</code>{" "}
        to the https address people use (or run on localhost) and restart Astapa.
      </p>
    </section>
  );
}
