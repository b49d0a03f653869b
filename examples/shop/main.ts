/** Runs the example shop: ASTAPA_URL, ASTAPA_CLIENT_ID, ASTAPA_CLIENT_SECRET, SHOP_PORT (3000). */
import { createShop } from "./app.ts";

const port = Number(Deno.env.get("SHOP_PORT") ?? 3000);
const required = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) {
    console.error(`Set ${name} (see examples/shop/README.md)`);
    Deno.exit(1);
  }
  return value;
};
const shop = createShop({
  astapaUrl: Deno.env.get("ASTAPA_URL") ?? "http://localhost:8000",
  clientId: required("ASTAPA_CLIENT_ID"),
  clientSecret: required("ASTAPA_CLIENT_SECRET"),
  origin: `http://localhost:${port}`,
});
Deno.serve({ port }, shop.fetch);
