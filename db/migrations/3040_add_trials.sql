-- Free trials (issue 23): a plan's trial_days, subscriptions in status `trialing` (source `trial`, the trial's
-- end is current_period_end), and astapa.trials, whose primary key is the rule "one trial per user per plan"
-- (a second start, even a concurrent one, meets the key). renewal_action gains the trial reminder's notice.
alter table astapa.plans add column trial_days integer not null default 0;
alter table astapa.plans add constraint plans_trial_days_check check (trial_days between 0 and 365);
comment on column astapa.plans.trial_days is
  'Days of free trial a user may start once (0: no trial). Only for paid monthly or yearly plans.';
grant update (trial_days) on astapa.plans to astapa_app;

alter table astapa.subscriptions drop constraint subscriptions_status_check;
alter table astapa.subscriptions add constraint subscriptions_status_check
  check (status in ('trialing', 'active', 'past_due', 'canceled', 'expired'));
alter table astapa.subscriptions drop constraint subscriptions_source_check;
alter table astapa.subscriptions add constraint subscriptions_source_check
  check (source in ('payment', 'claims_api', 'dashboard', 'cli', 'default', 'trial'));
comment on table astapa.subscriptions is 'A user''s plan over time: the row with ended_at null is current. status trialing (a free trial until current_period_end), active or past_due grants the plan; canceled grants it until current_period_end; expired does not (the default plan applies). source says who assigned it: payment, claims_api, dashboard, cli, default or trial.';

create table astapa.trials (
  project_id text not null,
  user_id bigint not null,
  plan_key text not null,
  started_at timestamptz not null,
  ends_at timestamptz not null,
  constraint trials_pkey primary key (project_id, user_id, plan_key),
  constraint trials_user_fkey foreign key (project_id, user_id) references astapa.users (project_id, id)
    on delete cascade,
  constraint trials_plan_fkey foreign key (project_id, plan_key) references astapa.plans (project_id, key),
  constraint trials_period_check check (ends_at > started_at)
);
alter table astapa.trials enable row level security;
alter table astapa.trials force row level security;
comment on table astapa.trials is
  'Every free trial a user started, one per user and plan (the primary key enforces it, also under races).';
grant select, insert on astapa.trials to astapa_app;

drop function astapa.renewal_action(astapa.subscriptions, timestamptz, interval, interval, boolean);

-- The reminder's app-webhook event.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in ('user.created', 'subscription.updated',
  'subscription.renewal_due', 'subscription.trial_will_end', 'payment.succeeded', 'payment.failed'));
