/** GET /billing/checkout/:id: the hosted checkout page (lib/payments/checkout_view.tsx). */
import type { Handlers } from "@/lib/router/routes.ts";
import { type CheckoutData, CheckoutPage, checkoutView } from "@/lib/payments/checkout_view.tsx";

export const handler: Handlers<CheckoutData> = {
  GET: (c) => checkoutView(c, c.req.param("id")!),
};

export default CheckoutPage;
