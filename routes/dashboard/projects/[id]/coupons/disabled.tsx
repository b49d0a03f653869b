import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { setCouponDisabled } from "@/db/coupons.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { type CouponsData, couponsView } from "@/lib/dashboard/coupons_page.ts";
import CouponsPage from "./index.tsx";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { COUPONS_TEXT } from "@/lib/dashboard/text/coupons.ts";

const DisabledForm = z.object({
  csrf: z.string(),
  code: z.string().max(64),
  disabled: z.enum(["true", "false"]),
});

/** POST …/coupons/disabled: disables (or enables) a coupon through api.set_coupon_disabled. */
export const handler: Handlers<CouponsData> = {
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/coupons`,
      body: DisabledForm,
      load: couponsView(c),
      run: async (tx, projectId, _role, form) => {
        const disabled = form.disabled === "true";
        await setCouponDisabled(tx, projectId, form.code, disabled);
        return disabled ? "disabled" : "enabled";
      },
      title: (data) => `${COUPONS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    }),
};

export default function DisabledPage(props: PageProps<CouponsData>) {
  return <CouponsPage {...props} />;
}
