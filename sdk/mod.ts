/**
 * @module
 * Astapa's SDK for app backends: `createAstapa({ baseUrl, clientId, clientSecret })`, then sign users in,
 * verify their tokens and gate features by `custom_claims.plan`.
 *
 * ```ts
 * const astapa = createAstapa({ baseUrl: "https://auth.example.com", clientId, clientSecret });
 * app.get("/reports", astapa.requirePlan.hono("pro", "team"), (c) => c.json(c.get("astapa").custom_claims));
 * ```
 */
import { type Astapa, type AstapaOptions, createAstapa as createClient } from "./client.ts";
import {
  express,
  fastify,
  hono,
  mfaRule,
  orgPermissionRule,
  orgRoleRule,
  planRule,
  scopeRule,
  withAuthorization,
} from "./middleware.ts";
import { nextMiddleware } from "./next.ts";
import type { AstapaClaims } from "./client.ts";

export type {
  AstapaClaims,
  CustomClaims,
  LinkedMethod,
  LoginOptions,
  LoginRequest,
  ProfileClaims,
  Tokens,
  UserInfo,
} from "./client.ts";
export type {
  BillingSettings,
  BillingSettingsChanges,
  Receipt,
  ReconcileLastError,
  Refund,
  TaxSettings,
} from "./billing_receipts.ts";
export type {
  AbandonedCharge,
  BillingAccount,
  Checkout,
  MethodRevenue,
  MrrMonth,
  PaymentMethod,
  PaymentRow,
  RenewalCharge,
  Subscription,
} from "./billing_accounts.ts";
export type {
  OrganizationPlanChange,
  OrganizationPlanChangeOptions,
  OrganizationRenewal,
} from "./billing_organizations.ts";
export type { Coupon, CouponRedemption, NewCoupon, Plan, PlanChange, PlanFields } from "./billing_plans.ts";
export type { PhoneProvider, PhoneProviderFields, StoredPhoneProvider } from "./phone_providers.ts";
export type { BotProtection, BotProtectionChange, BotProtectionForm } from "./bot_protection.ts";
export type { SignInMethods } from "./sign_in_methods.ts";
export type {
  OidcSsoConnection,
  OidcSsoConnectionInput,
  SamlSsoConnection,
  SamlSsoConnectionInput,
  SsoAttributeMapping,
  SsoConnection,
  SsoConnectionInput,
  SsoGroupRoles,
  SsoMappingInput,
} from "./sso_connections.ts";
export type { ScimDirectory, ScimDirectoryWithToken, ScimGroup } from "./scim_directories.ts";
export type { SignUpSettings } from "./sign_up_settings.ts";
export type { AnonymousUserSettings, GuestTokens, SignInAnonymouslyOptions } from "./anonymous.ts";
export type { WaitlistEntry, WaitlistStatus } from "./waitlist.ts";
export type { Impersonation, PasswordResetSent, SignedOut, User, UserProfile, UserSession } from "./users.ts";
export type { InitiateLoginParams, InitiateLoginSettings } from "./initiate_login.ts";
export type { AuditEntry, AuditQuery } from "./audit_log.ts";
export type {
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookEvents,
  WebhookEventType,
} from "./webhooks.ts";
export { WEBHOOK_EVENT_TYPES } from "./webhooks.ts";
export { AstapaAuthError, AstapaError } from "./errors.ts";
export { signInAnonymously } from "./anonymous.ts";
export { BACKCHANNEL_LOGOUT_EVENT, type LogoutClaims, verifyLogoutToken } from "./logout_tokens.ts";
export {
  ACR_MFA,
  authorize,
  mfaRule,
  orgPermissionRule,
  orgRoleRule,
  planRule,
  scopeRule,
} from "./middleware.ts";
export { nextMiddleware, nextRoute } from "./next.ts";
export {
  checkSenderConstraint,
  DPOP_ALGORITHMS,
  DpopAuthError,
  dpopProof,
  type DpopReplayStore,
  type DpopRequest,
} from "./dpop.ts";
export type { DpopSettings } from "./dpop_settings.ts";
export type { AppleRevocation } from "./apple_revocations.ts";
export type { SignInMethod, UserPasskey, UserWaysIn } from "./user_ways_in.ts";
export type { MailText, MailTexts, MailTextSet } from "./mail_texts.ts";

type Handler<R extends Request, A extends unknown[], T extends Response> = (
  request: R,
  claims: AstapaClaims,
  ...rest: A
) => T | Promise<T>;

/**
 * The client plus ready-made gates: `requirePlan.hono("pro")`, `requireScope.express("jobs:run")`,
 * `requirePlan.fastify("pro")` (a preHandler), `requirePlan.handler(["pro"], fn)` for `Request` handlers, and
 * for Next.js `requirePlan.nextRoute(["pro"], fn)` (route handlers; `.next` is the same) and
 * `requirePlan.nextMiddleware(["pro"], then?)` (proxy.ts / middleware.ts). `requireMfa.hono()` (and .express(),
 * .fastify(), .handler(fn), .next(fn), .nextRoute(fn), .nextMiddleware(then?)) lets through only sign-ins with
 * a second factor. Every gate is built from one rule, so a new check is one more rule in every framework's form.
 */
export function createAstapa(options: AstapaOptions) {
  const astapa: Astapa = createClient(options);
  const gates = (rule: (names: string[]) => Parameters<typeof hono>[1]) => {
    const handler = <R extends Request, A extends unknown[], T extends Response>(
      names: string[],
      fn: Handler<R, A, T>,
    ) => withAuthorization(astapa, rule(names), fn);
    return {
      hono: (...names: string[]) => hono(astapa, rule(names)),
      express: (...names: string[]) => express(astapa, rule(names)),
      fastify: (...names: string[]) => fastify(astapa, rule(names)),
      handler,
      next: handler,
      nextRoute: handler,
      nextMiddleware: <R extends Request, T extends Response | undefined>(
        names: string[],
        then?: (request: R, claims: AstapaClaims) => T | Promise<T>,
      ) => nextMiddleware(astapa, rule(names), then),
    };
  };
  // Tokens from a sign-in with a second factor only; others get 401 insufficient_user_authentication (RFC 9470).
  const requireMfa = {
    hono: () => hono(astapa, mfaRule),
    express: () => express(astapa, mfaRule),
    fastify: () => fastify(astapa, mfaRule),
    handler: <R extends Request, A extends unknown[], T extends Response>(fn: Handler<R, A, T>) =>
      withAuthorization(astapa, mfaRule, fn),
    next: <R extends Request, A extends unknown[], T extends Response>(fn: Handler<R, A, T>) =>
      withAuthorization(astapa, mfaRule, fn),
    nextRoute: <R extends Request, A extends unknown[], T extends Response>(fn: Handler<R, A, T>) =>
      withAuthorization(astapa, mfaRule, fn),
    nextMiddleware: <R extends Request, T extends Response | undefined>(
      then?: (request: R, claims: AstapaClaims) => T | Promise<T>,
    ) => nextMiddleware(astapa, mfaRule, then),
  };
  return {
    ...astapa,
    requirePlan: gates(planRule),
    requireScope: gates(scopeRule),
    requireMfa,
    // The active organization (docs/organizations.md): `requireOrgRole.hono("owner", "admin")`,
    // `requireOrgPermission.express("invoices:pay")`; 403 without an active organization or that role/permission.
    requireOrgRole: gates(orgRoleRule),
    requireOrgPermission: gates(orgPermissionRule),
  };
}
