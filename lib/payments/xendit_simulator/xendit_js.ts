/**
 * The simulator's copy of Xendit.js v3 (`https://js.xendit.co/v3/xendit.min.js`) and what it calls: the card
 * fields are turned into a reusable CARD payment method in the browser, with the merchant's *publishable* key,
 * so the card number never reaches the merchant's server (docs/billing.md "Cards on file"). The script offers
 * what Astapa's island uses of the real one — `Xendit.setPublishableKey(key)` and
 * `Xendit.payment.createPaymentMethod(data, (err, paymentMethod) => …)` — and posts to this simulator's
 * `/v2/payment_methods` with Basic auth of the publishable key, like the real script posts to api.xendit.co.
 * A publishable key may create a CARD method and nothing else (publicKeyAllows); the answer is the usual
 * payment method, REQUIRES_ACTION with the 3-D Secure AUTH action.
 */
import type { Hono } from "hono";
import type { SimEnv } from "./routes.ts";
import type { XenditSimulator } from "./simulator.ts";

const PUBLIC_PREFIX = "xnd_public_development_";

/** The simulator's publishable key of an account (public by nature: it names the business, nothing more). */
export function simulatorPublicKey(businessId: string): string {
  return PUBLIC_PREFIX + btoa(businessId).replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_");
}

/** The business a simulator publishable key names, or null when it is not one. */
export function publicKeyBusiness(key: string): string | null {
  if (!key.startsWith(PUBLIC_PREFIX)) return null;
  try {
    return atob(key.slice(PUBLIC_PREFIX.length).replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
}

/** A publishable key only tokenises: POST /v2/payment_methods (the body must be a CARD; checked there). */
export function publicKeyAllows(method: string, path: string): boolean {
  return method === "POST" && path.endsWith("/v2/payment_methods");
}

/** The script, talking to `apiBase`. Plain ES5-style code: it is what a browser runs as is. */
export function xenditJs(apiBase: string): string {
  return `/* Xendit.js v3 — Xendit simulator (test mode): no card leaves this machine. */
(function () {
  var publishableKey = null;
  function send(path, body, callback) {
    if (!publishableKey) return callback({ error_code: "API_KEY_NOT_SET", message: "Call Xendit.setPublishableKey first" });
    fetch(${JSON.stringify(apiBase)} + path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic " + btoa(publishableKey + ":") },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (json) {
        if (response.ok) callback(null, json); else callback(json);
      });
    }).catch(function (error) {
      callback({ error_code: "NETWORK_ERROR", message: String(error && error.message || error) });
    });
  }
  window.Xendit = {
    setPublishableKey: function (key) { publishableKey = key; },
    payment: {
      createPaymentMethod: function (data, callback) { send("/v2/payment_methods", data, callback); }
    }
  };
})();
`;
}

/** Serves the script (no key, like js.xendit.co) and lets browsers on other origins call the tokenising API. */
export function xenditJsRoutes(app: Hono<SimEnv>, sim: XenditSimulator): void {
  app.get("/js/v3/xendit.min.js", (c) =>
    c.body(xenditJs(sim.baseUrl), 200, {
      "content-type": "application/javascript; charset=utf-8",
      "cache-control": "no-store",
      "access-control-allow-origin": "*",
    }));
  // Xendit's API answers the browser's preflight for the publishable-key calls.
  app.options("/v2/payment_methods", () =>
    new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "authorization, content-type",
        "access-control-max-age": "600",
      },
    }));
}
