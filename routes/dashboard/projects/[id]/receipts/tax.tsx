/** POST …/receipts/tax: admins change the project's PPN settings through api.set_tax_settings (audited). */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { setTaxSettings } from "@/db/receipts.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { type ReceiptsData, receiptsView } from "@/lib/dashboard/receipts_page.ts";
import ReceiptsPage from "./index.tsx";

const blankIsNull = (value: string) => value.trim() === "" ? null : value.trim();
/** A number field: empty restores the default; anything else goes to the SQL check as a number. */
const numberOrNull = (value: string) => {
  const text = value.trim();
  return text === "" ? null : /^\d{1,3}(\.\d{1,2})?$/.test(text) ? Number(text) : text;
};

const TaxForm = z.object({
  csrf: z.string(),
  pkp: z.literal("true").optional(),
  ppn_rate: z.string().max(20).default(""),
  tax_base_numerator: z.string().max(20).default(""),
  tax_base_denominator: z.string().max(20).default(""),
  seller_name: z.string().max(200).default(""),
  seller_npwp: z.string().max(40).default(""),
  seller_address: z.string().max(500).default(""),
});

export const handler: Handlers<ReceiptsData> = {
  POST: (c) =>
    formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/receipts`,
      body: TaxForm,
      load: receiptsView(c),
      run: async (tx, projectId, _role, form) => {
        await setTaxSettings(tx, projectId, {
          pkp: form.pkp === "true",
          ppn_rate: numberOrNull(form.ppn_rate),
          tax_base_numerator: numberOrNull(form.tax_base_numerator),
          tax_base_denominator: numberOrNull(form.tax_base_denominator),
          seller_name: blankIsNull(form.seller_name),
          seller_npwp: blankIsNull(form.seller_npwp),
          seller_address: blankIsNull(form.seller_address),
        });
        return "tax_saved";
      },
      title: (data) => `Receipts · ${data.project.name}`,
    }),
};

export default function TaxPage(props: PageProps<ReceiptsData>) {
  return <ReceiptsPage {...props} />;
}
