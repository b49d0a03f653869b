/** GET /members/report: behind the middleware (proxy.js), which hands the verified sub on in a header. */
export const dynamic = "force-dynamic";
export const GET = (request) => Response.json({ sub: request.headers.get("x-astapa-sub") });
