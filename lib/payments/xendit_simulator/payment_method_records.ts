/**
 * The simulator's reusable payment methods as records and as the JSON Xendit answers with (what xendit-node 7's
 * PaymentMethodFromJSON reads): linked e-wallets (OVO, DANA, ShopeePay), direct debit (BRI with a debit card and
 * an OTP, Mandiri with a bank page) and cards on file (`cardonfile_type: RECURRING`, approved on a 3-D Secure
 * page). Cards are checked (Luhn, expiry) but never kept: a record holds the last four digits and the network.
 */
import { z } from "zod";
import { SimulatorError } from "./simulator.ts";
import type { SimulatorAccount } from "./simulator.ts";

export type MethodType = "EWALLET" | "DIRECT_DEBIT" | "CARD";

export type PaymentMethodRecord = {
  secretKey: string;
  businessId: string;
  id: string;
  /** Records saved before direct debit and cards were linkable have no type: EWALLET. */
  type?: MethodType;
  /** OVO | DANA | SHOPEEPAY, BRI | MANDIRI, or the card's network (VISA, MASTERCARD, JCB). */
  channelCode: string;
  status: "REQUIRES_ACTION" | "ACTIVE" | "EXPIRED" | "FAILED";
  referenceId: string | null;
  customerId: string | null;
  description: string | null;
  successReturnUrl: string | null;
  failureReturnUrl: string | null;
  mobileNumber: string | null;
  /** Direct debit (BRI): the debit card's last four digits, MM/YY expiry and the account's email. */
  cardLastFour?: string | null;
  cardExpiry?: string | null;
  email?: string | null;
  /** Cards: masked number (first six and last four), expiry, holder. */
  maskedCardNumber?: string | null;
  expiryMonth?: string | null;
  expiryYear?: string | null;
  cardholderName?: string | null;
  metadata: Record<string, unknown> | null;
  failureCode: string | null;
  created: string;
  updated: string;
};

/** The one-time password Xendit's test mode accepts for direct debit linking (BRI). */
export const TEST_OTP = "333000";

const ReturnUrl = z.string().url().max(2000);
const Mobile = z.string().regex(/^\+62\d{8,13}$/, "mobile_number: +62…");
const Common = {
  reusability: z.literal("MULTIPLE_USE", { message: "reusability: linking needs MULTIPLE_USE" }),
  country: z.literal("ID").optional(),
  customer_id: z.string().max(255).nullable().optional(),
  reference_id: z.string().max(255).nullable().optional(),
  description: z.string().max(1000).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
};
export const PaymentMethodInput = z.discriminatedUnion("type", [
  z.object({
    ...Common,
    type: z.literal("EWALLET"),
    ewallet: z.object({
      channel_code: z.enum(["OVO", "DANA", "SHOPEEPAY"]),
      channel_properties: z.object({
        success_return_url: ReturnUrl,
        failure_return_url: ReturnUrl,
        mobile_number: Mobile.optional(),
      }),
    }),
  }),
  z.object({
    ...Common,
    type: z.literal("DIRECT_DEBIT"),
    direct_debit: z.object({
      channel_code: z.enum(["BRI", "MANDIRI"], { message: "direct_debit.channel_code: BRI or MANDIRI" }),
      channel_properties: z.object({
        success_return_url: ReturnUrl.optional(),
        failure_return_url: ReturnUrl.nullable().optional(),
        mobile_number: Mobile.nullable().optional(),
        card_last_four: z.string().regex(/^\d{4}$/, "card_last_four: 4 digits").nullable().optional(),
        card_expiry: z.string().regex(/^(0[1-9]|1[0-2])\/\d{2}$/, "card_expiry: MM/YY").nullable().optional(),
        email: z.string().email().max(255).nullable().optional(),
      }),
    }),
  }),
  z.object({
    ...Common,
    type: z.literal("CARD"),
    card: z.object({
      currency: z.literal("IDR", { message: "card.currency: IDR" }),
      channel_properties: z.object({
        success_return_url: ReturnUrl,
        failure_return_url: ReturnUrl,
        cardonfile_type: z.enum(["RECURRING", "MERCHANT_UNSCHEDULED", "CUSTOMER_UNSCHEDULED"]).optional(),
        skip_three_d_secure: z.boolean().nullable().optional(),
      }),
      card_information: z.object({
        card_number: z.string().regex(/^\d{12,19}$/, "card_information.card_number: 12–19 digits"),
        expiry_month: z.string().regex(/^(0[1-9]|1[0-2])$/, "card_information.expiry_month: MM"),
        expiry_year: z.string().regex(/^\d{4}$/, "card_information.expiry_year: YYYY"),
        cardholder_name: z.string().max(255).nullable().optional(),
        cvv: z.string().regex(/^\d{3,4}$/, "card_information.cvv: 3 or 4 digits").nullable().optional(),
      }),
    }),
  }),
], { message: "type: EWALLET, DIRECT_DEBIT or CARD" });
export type PaymentMethodInput = z.infer<typeof PaymentMethodInput>;

/** Channels Xendit links without asking; others (ShopeePay) wait for the merchant's approval. */
const OPEN_LINKING = new Set(["OVO", "DANA", "BRI", "MANDIRI", "CARD"]);

/** A new record (REQUIRES_ACTION) from a valid request, or a Xendit-shaped refusal. */
export function newPaymentMethod(
  account: SimulatorAccount,
  input: PaymentMethodInput,
  approved: Set<string>,
  now = new Date(),
): PaymentMethodRecord {
  const base = {
    secretKey: account.secretKey,
    businessId: account.businessId,
    id: `pm-${crypto.randomUUID()}`,
    status: "REQUIRES_ACTION" as const,
    referenceId: input.reference_id ?? null,
    customerId: input.customer_id ?? null,
    description: input.description ?? null,
    metadata: input.metadata ?? null,
    failureCode: null,
    created: now.toISOString(),
    updated: now.toISOString(),
  };
  const gate = (channel: string) => {
    if (!OPEN_LINKING.has(channel) && !approved.has(channel)) {
      throw new SimulatorError(403, "CHANNEL_NOT_ACTIVATED", `${channel} account linking is not activated`);
    }
  };
  const invalid = (message: string) => new SimulatorError(400, "API_VALIDATION_ERROR", message);
  if (input.type === "EWALLET") {
    const { channel_code: channel, channel_properties: props } = input.ewallet;
    gate(channel);
    if (channel === "OVO" && !props.mobile_number) throw invalid("mobile_number is required for OVO");
    return {
      ...base,
      type: "EWALLET",
      channelCode: channel,
      successReturnUrl: props.success_return_url,
      failureReturnUrl: props.failure_return_url,
      mobileNumber: props.mobile_number ?? null,
    };
  }
  if (input.type === "DIRECT_DEBIT") {
    const { channel_code: channel, channel_properties: props } = input.direct_debit;
    gate(channel);
    // BRI links a debit card (last four, expiry, mobile, email) and confirms with an OTP; Mandiri sends the
    // customer to the bank's page, so it needs the return URLs.
    if (
      channel === "BRI" && !(props.mobile_number && props.card_last_four && props.card_expiry && props.email)
    ) {
      throw invalid("BRI needs mobile_number, card_last_four, card_expiry and email");
    }
    if (channel === "MANDIRI" && !(props.success_return_url && props.failure_return_url)) {
      throw invalid("MANDIRI needs success_return_url and failure_return_url");
    }
    return {
      ...base,
      type: "DIRECT_DEBIT",
      channelCode: channel,
      successReturnUrl: props.success_return_url ?? null,
      failureReturnUrl: props.failure_return_url ?? null,
      mobileNumber: props.mobile_number ?? null,
      cardLastFour: props.card_last_four ?? null,
      cardExpiry: props.card_expiry ?? null,
      email: props.email ?? null,
    };
  }
  const { card_information: info, channel_properties: props } = input.card;
  if (!luhn(info.card_number)) throw invalid("card_information.card_number is not a valid card number");
  const expiry = new Date(Date.UTC(Number(info.expiry_year), Number(info.expiry_month), 1));
  if (expiry <= now) throw new SimulatorError(400, "CARD_EXPIRED", "the card has expired");
  if (props.cardonfile_type !== "RECURRING") {
    throw invalid("card.channel_properties.cardonfile_type: a reusable card for renewals is RECURRING");
  }
  return {
    ...base,
    type: "CARD",
    channelCode: network(info.card_number),
    successReturnUrl: props.success_return_url,
    failureReturnUrl: props.failure_return_url,
    mobileNumber: null,
    maskedCardNumber: `${info.card_number.slice(0, 6)}XXXXXX${info.card_number.slice(-4)}`,
    expiryMonth: info.expiry_month,
    expiryYear: info.expiry_year,
    cardholderName: info.cardholder_name ?? null,
  };
}

/** How the customer approves: a code typed back through the API (BRI), or a page (everything else). */
export function authAction(sim: { baseUrl: string }, pm: PaymentMethodRecord): Record<string, unknown> {
  return pm.type === "DIRECT_DEBIT" && pm.channelCode === "BRI"
    ? {
      action: "AUTH",
      url_type: "API",
      method: "POST",
      url: `${sim.baseUrl}/v2/payment_methods/${pm.id}/auth`,
    }
    : { action: "AUTH", url_type: "WEB", method: "GET", url: `${sim.baseUrl}/web/payment_methods/${pm.id}` };
}

/** The method as the API returns it (snake_case, as xendit-node's PaymentMethodFromJSON reads it). */
export function paymentMethodBody(
  sim: { baseUrl: string },
  pm: PaymentMethodRecord,
): Record<string, unknown> {
  const type = pm.type ?? "EWALLET";
  return {
    id: pm.id,
    business_id: pm.businessId,
    type,
    country: "ID",
    customer_id: pm.customerId,
    reference_id: pm.referenceId,
    description: pm.description,
    status: pm.status,
    reusability: "MULTIPLE_USE",
    actions: pm.status === "REQUIRES_ACTION" ? [authAction(sim, pm)] : [],
    metadata: pm.metadata,
    billing_information: null,
    failure_code: pm.failureCode,
    created: pm.created,
    updated: pm.updated,
    ...(type === "EWALLET" ? { ewallet: ewalletBody(pm) } : {}),
    ...(type === "DIRECT_DEBIT" ? { direct_debit: directDebitBody(pm) } : {}),
    ...(type === "CARD" ? { card: cardBody(pm) } : {}),
  };
}

function ewalletBody(pm: PaymentMethodRecord) {
  return {
    channel_code: pm.channelCode,
    channel_properties: {
      success_return_url: pm.successReturnUrl,
      failure_return_url: pm.failureReturnUrl,
      ...(pm.mobileNumber ? { mobile_number: pm.mobileNumber } : {}),
    },
    account: pm.status === "ACTIVE"
      ? {
        name: null,
        account_details: pm.mobileNumber ?? `${pm.channelCode} account`,
        balance: null,
        point_balance: null,
      }
      : null,
  };
}

function directDebitBody(pm: PaymentMethodRecord) {
  const debitCard = pm.channelCode === "BRI";
  return {
    channel_code: pm.channelCode,
    channel_properties: {
      success_return_url: pm.successReturnUrl,
      failure_return_url: pm.failureReturnUrl,
      ...(pm.mobileNumber ? { mobile_number: pm.mobileNumber } : {}),
    },
    type: debitCard ? "DEBIT_CARD" : "BANK_ACCOUNT",
    ...(debitCard
      ? {
        debit_card: {
          mobile_number: pm.mobileNumber,
          card_last_four: pm.cardLastFour,
          card_expiry: pm.cardExpiry,
          email: pm.email,
        },
      }
      : { bank_account: { masked_bank_account_number: pm.status === "ACTIVE" ? "XXXXXX7890" : null } }),
  };
}

function cardBody(pm: PaymentMethodRecord) {
  return {
    currency: "IDR",
    channel_properties: {
      success_return_url: pm.successReturnUrl,
      failure_return_url: pm.failureReturnUrl,
      cardonfile_type: "RECURRING",
    },
    card_information: {
      token_id: pm.id,
      masked_card_number: pm.maskedCardNumber,
      cardholder_name: pm.cardholderName,
      expiry_month: pm.expiryMonth,
      expiry_year: pm.expiryYear,
      type: "CREDIT",
      network: pm.channelCode,
      country: "ID",
    },
    card_verification_results: pm.status === "ACTIVE"
      ? {
        three_d_secure: {
          three_d_secure_flow: "CHALLENGE",
          three_d_secure_result: "AUTHENTICATE_SUCCESSFULLY",
        },
      }
      : null,
  };
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function network(number: string): string {
  if (number.startsWith("4")) return "VISA";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "MASTERCARD";
  if (number.startsWith("35")) return "JCB";
  if (/^3[47]/.test(number)) return "AMEX";
  return "CARD";
}
