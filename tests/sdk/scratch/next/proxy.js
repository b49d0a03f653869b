/**
 * Next.js 16 middleware (proxy): /members/* needs the "pro" plan and the "email" scope. The scope gate lets
 * the request on (returns nothing); the plan gate then passes the verified sub to the route in a request
 * header it sets itself, so a caller cannot forge it.
 */
import { NextResponse } from "next/server";
import { astapa } from "./common.mjs";

const scope = astapa.requireScope.nextMiddleware(["email"]);
const plan = astapa.requirePlan.nextMiddleware(["pro"], (request, claims) => {
  const headers = new Headers(request.headers);
  headers.set("x-astapa-sub", claims.sub);
  return NextResponse.next({ request: { headers } });
});

export async function proxy(request) {
  return (await scope(request)) ?? (await plan(request));
}

export const config = { matcher: "/members/:path*" };
