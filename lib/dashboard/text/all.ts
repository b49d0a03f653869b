/** Every dashboard catalogue by name, for the test that holds English and Indonesian to the same keys. */
import { FRAME_TEXT } from "./frame.ts";
import { PROJECTS_TEXT } from "./projects.ts";
import { SIGN_IN_TEXT } from "./sign_in.ts";
import { USERS_TEXT } from "./users.ts";
import { USER_TEXT } from "./user.ts";
import { PLANS_TEXT } from "./plans.ts";
import { PAYMENTS_TEXT } from "./payments.ts";
import { RECEIPTS_TEXT } from "./receipts.ts";
import { SETTINGS_TEXT } from "./settings.ts";
import { WAITLIST_TEXT } from "./waitlist.ts";
import { KEYS_TEXT } from "./keys.ts";
import { COUPONS_TEXT } from "./coupons.ts";
import { BRANDING_TEXT } from "./branding.ts";
import { WEBHOOKS_TEXT } from "./webhooks.ts";
import { MACHINE_CLIENTS_TEXT } from "./machine_clients.ts";
import { ORGANIZATIONS_TEXT } from "./organizations.ts";
import { ORGANIZATION_SSO_TEXT } from "./organization_sso.ts";
import { USER_ACCOUNT_TEXT } from "./user_account.ts";
import { USER_ACCESS_TEXT } from "./user_access.ts";
import { CONSENTS_TEXT } from "./consents.ts";
import { USER_BILLING_TEXT } from "./user_billing.ts";
import { SETTINGS_ACCESS_TEXT } from "./settings_access.ts";
import { SETTINGS_LOGIN_TEXT } from "./settings_login.ts";
import { SETTINGS_BILLING_TEXT } from "./settings_billing.ts";
import { PROJECT_DELETION_TEXT } from "./project_deletion.ts";
import { SETTINGS_MAIL_TEXT } from "./settings_mail.ts";
import { SETTINGS_PROVIDERS_TEXT } from "./settings_providers.ts";
import { CHARTS_TEXT } from "./charts.ts";
import { MEMBERS_TEXT } from "./members.ts";
import { MAIL_TEXT } from "./mail.ts";
import { AUDIT_TEXT } from "./audit.ts";
import { FIELD_MESSAGES_TEXT } from "./field_messages.ts";

export const CATALOGUES = {
  frame: FRAME_TEXT,
  projects: PROJECTS_TEXT,
  signIn: SIGN_IN_TEXT,
  users: USERS_TEXT,
  user: USER_TEXT,
  plans: PLANS_TEXT,
  payments: PAYMENTS_TEXT,
  receipts: RECEIPTS_TEXT,
  settings: SETTINGS_TEXT,
  waitlist: WAITLIST_TEXT,
  keys: KEYS_TEXT,
  coupons: COUPONS_TEXT,
  branding: BRANDING_TEXT,
  webhooks: WEBHOOKS_TEXT,
  machineClients: MACHINE_CLIENTS_TEXT,
  organizations: ORGANIZATIONS_TEXT,
  organizationSso: ORGANIZATION_SSO_TEXT,
  userAccount: USER_ACCOUNT_TEXT,
  userAccess: USER_ACCESS_TEXT,
  consents: CONSENTS_TEXT,
  userBilling: USER_BILLING_TEXT,
  settingsAccess: SETTINGS_ACCESS_TEXT,
  settingsLogin: SETTINGS_LOGIN_TEXT,
  settingsBilling: SETTINGS_BILLING_TEXT,
  projectDeletion: PROJECT_DELETION_TEXT,
  settingsMail: SETTINGS_MAIL_TEXT,
  settingsProviders: SETTINGS_PROVIDERS_TEXT,
  charts: CHARTS_TEXT,
  members: MEMBERS_TEXT,
  mail: MAIL_TEXT,
  audit: AUDIT_TEXT,
  fieldMessages: FIELD_MESSAGES_TEXT,
};
