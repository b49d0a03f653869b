/**
 * A small shop that signs people in through Astapa, shows a Pro feature to those whose token says
 * `custom_claims.plan === "pro"`, and upgrades through Astapa's hosted checkout. Everything Astapa-specific
 * is the SDK; the rest is an ordinary Hono app with a cookie session.
 */
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { type AstapaClaims, createAstapa, type Tokens } from "@/sdk/mod.ts";

export type ShopOptions = { astapaUrl: string; clientId: string; clientSecret: string; origin: string };

type Session = { tokens?: Tokens; login?: { state: string; codeVerifier: string } };

export function createShop(options: ShopOptions) {
  const astapa = createAstapa({
    baseUrl: options.astapaUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${options.origin}/callback`,
  });
  // In memory for the example; a real app keeps sessions in its database or an encrypted cookie.
  const sessions = new Map<string, Session>();
  const app = new Hono();

  const session = (c: Context) => {
    let id = getCookie(c, "shop_session");
    if (!id || !sessions.has(id)) {
      id = crypto.randomUUID();
      sessions.set(id, {});
      setCookie(c, "shop_session", id, { httpOnly: true, sameSite: "Lax", path: "/" });
    }
    return sessions.get(id)!;
  };

  /** The signed-in person's verified claims, refreshing the access token when it has expired. */
  async function claims(s: Session): Promise<AstapaClaims | null> {
    if (!s.tokens) return null;
    try {
      return await astapa.verify(s.tokens.accessToken);
    } catch {
      if (!s.tokens.refreshToken) return null;
      try {
        s.tokens = await astapa.refresh(s.tokens.refreshToken);
        return await astapa.verify(s.tokens.accessToken);
      } catch {
        s.tokens = undefined;
        return null;
      }
    }
  }

  const page = (body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>${body}</body></html>`;

  app.get("/", async (c) => {
    const me = await claims(session(c));
    if (!me) return c.html(page(`<h1>Shop</h1><p><a id="sign-in" href="/login">Sign in</a></p>`));
    const plan = me.custom_claims?.plan ?? "free";
    return c.html(page(`<h1>Shop</h1>
      <p id="who">Signed in as ${escape(me.email ?? me.sub)} on the <strong id="plan">${
      escape(plan)
    }</strong> plan.</p>
      <p><a href="/reports">Sales reports (Pro)</a></p>
      ${
      plan === "pro"
        ? ""
        : `<form method="post" action="/upgrade"><button id="upgrade">Upgrade to Pro</button></form>`
    }
      <form method="post" action="/refresh"><button id="refresh">Refresh my plan</button></form>
      <form method="post" action="/logout"><button id="sign-out">Sign out</button></form>`));
  });

  app.get("/login", async (c) => {
    const login = await astapa.loginUrl({ scope: "openid email" });
    session(c).login = { state: login.state, codeVerifier: login.codeVerifier };
    return c.redirect(login.url, 302);
  });

  app.get("/callback", async (c) => {
    const s = session(c);
    const code = c.req.query("code");
    if (!s.login || !code || c.req.query("state") !== s.login.state) {
      return c.html(page("<p>That sign-in link is stale. <a href='/login'>Try again</a>.</p>"), 400);
    }
    s.tokens = await astapa.exchangeCode({ code, codeVerifier: s.login.codeVerifier });
    s.login = undefined;
    return c.redirect("/", 303);
  });

  app.get("/reports", async (c) => {
    const me = await claims(session(c));
    if (!me) return c.redirect("/login", 302);
    if (me.custom_claims?.plan !== "pro") {
      return c.html(page(`<h1>Reports are a Pro feature</h1><p><a href="/">Back</a></p>`), 403);
    }
    return c.html(page(`<h1 id="reports">Sales reports</h1><p>Only Pro customers see this.</p>`));
  });

  app.post("/upgrade", async (c) => {
    const me = await claims(session(c));
    if (!me) return c.redirect("/login", 303);
    const checkout = await astapa.checkout.create({
      user: me.sub,
      plan: "pro",
      success_url: `${options.origin}/`,
      failure_url: `${options.origin}/`,
    });
    return c.redirect(checkout.checkout_url, 303);
  });

  app.post("/refresh", async (c) => {
    const s = session(c);
    if (s.tokens?.refreshToken) s.tokens = await astapa.refresh(s.tokens.refreshToken);
    return c.redirect("/", 303);
  });

  app.post("/logout", async (c) => {
    const s = session(c);
    if (s.tokens?.refreshToken) await astapa.revoke(s.tokens.refreshToken);
    s.tokens = undefined;
    return c.redirect("/", 303);
  });

  return app;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
