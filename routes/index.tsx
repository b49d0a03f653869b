import type { Handlers } from "../lib/router/routes.ts";
import { page, type PageProps } from "../lib/router/page.tsx";
import { Island } from "../lib/islands/Island.tsx";
import QuickStart from "../islands/QuickStart.tsx";

type HomeData = { baseUrl: string };

export const handler: Handlers<HomeData> = {
  GET: (c) => page({ baseUrl: c.var.deps.config.baseUrl }),
};

/** The deployment's front door: what it is, where to go next, how to integrate. */
export default function Home({ data }: PageProps<HomeData>) {
  return (
    <>
      <section class="hero">
        <p class="eyebrow">Astapa</p>
        <h1>Auth, plans and local payments for your app</h1>
        <p>
          This Astapa deployment signs your users in, puts their plan in a signed JWT, and takes payments by
          QRIS, GoPay, OVO and bank transfer. Its issuer is <code>{data.baseUrl}</code>.
        </p>
        <p class="actions">
          <a class="button" href="/dashboard">Open the dashboard</a>
          <a class="button secondary" href="/docs">Read the docs</a>
        </p>
      </section>
      <section class="card">
        <h2>Integrate in three steps</h2>
        <Island of={QuickStart} props={{ baseUrl: data.baseUrl }} />
      </section>
    </>
  );
}
