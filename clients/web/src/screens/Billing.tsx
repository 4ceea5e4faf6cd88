import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  WebBillingDocument,
  WebOpenBillingPortalDocument,
  WebStartCheckoutDocument,
  type PlanKey,
  type WebPlanFieldsFragment,
} from '../../../generated/graphql.ts';
import { describeCombinedError, errorMessage } from '../errors.ts';
import { formatSize } from './ThreadView.tsx';

/** Price per month in minor units (cents) and an ISO 4217 code, as a person reads it. */
function formatPrice(plan: WebPlanFieldsFragment): string | null {
  if (plan.monthlyPrice == null || !plan.currency) return null;
  const amount = new Intl.NumberFormat(undefined, { style: 'currency', currency: plan.currency.toUpperCase() }).format(plan.monthlyPrice / 100);
  return `${amount} / month${plan.billingInterval === 'year' ? ' (billed yearly)' : ''}`;
}

const limitOrNone = (n: number | null | undefined, format: (n: number) => string = String) => (n == null ? 'No limit' : format(n));
const formatDate = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** One usage figure against its cap: a labelled progress bar (no bar without a cap). */
function UsageBar({ label, used, max, format = String }: { label: string; used: number; max: number | null | undefined; format?: (n: number) => string }) {
  return (
    <li className="usage">
      <span>
        {label}: {format(used)} of {max == null ? 'no limit' : format(max)}
      </span>
      {max != null && <progress aria-label={label} value={Math.min(used, max)} max={Math.max(max, 1)} className={used >= max ? 'full' : ''} />}
    </li>
  );
}

/**
 * Billing: the plan in force with usage against its caps, the subscription, the plans with
 * "Upgrade" (Stripe Checkout) and "Manage billing" (Stripe's customer portal) for owners and admins.
 * Stripe sends people back to `/billing?checkout=success|cancelled`.
 */
export default function Billing() {
  const [{ data, error }, refetch] = useQuery({ query: WebBillingDocument, requestPolicy: 'cache-and-network' });
  const [, startCheckout] = useMutation(WebStartCheckoutDocument);
  const [, openPortal] = useMutation(WebOpenBillingPortalDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [returned] = useState(() => new URLSearchParams(window.location.search).get('checkout'));
  useEffect(() => {
    if (!returned) return;
    // The subscription arrives by webhook: read again, and drop the query string so a reload does not repeat the notice.
    window.history.replaceState(window.history.state, '', window.location.pathname);
    refetch({ requestPolicy: 'network-only' });
  }, [returned, refetch]);

  const org = data?.viewer?.currentOrg;
  if (!org) return error ? <p role="alert" className="error">{describeCombinedError(error)}</p> : <div className="skeleton" role="status" aria-label="Loading billing" />;
  const plans = data.plans;
  const canManage = org.viewerRole === 'OWNER' || org.viewerRole === 'ADMIN';
  const billingOn = plans.some((p) => p.purchasable) || org.subscription != null;
  const sub = org.subscription;
  const u = org.usage;

  async function redirect(run: () => Promise<{ __typename?: string; url?: string; message?: string } | null | undefined>) {
    setProblem(null);
    setBusy(true);
    const result = await run();
    if (result?.__typename === 'BillingUrlPayload' && result.url) {
      window.location.assign(result.url);
      return;
    }
    setBusy(false);
    setProblem(errorMessage(result ?? null) ?? 'Something went wrong.');
  }

  return (
    <section className="page billing">
      <h1>Billing</h1>
      {returned === 'success' && (
        <p role="status" className="notice">
          Thank you: the payment went through. Your new plan shows here as soon as Stripe confirms it.
        </p>
      )}
      {returned === 'cancelled' && (
        <p role="status" className="notice">
          Checkout was cancelled; nothing was charged.
        </p>
      )}
      {!billingOn && (
        <p role="status" className="notice billing-off">
          Billing is not configured on this server: the plan below is in force and nothing can be bought here.
        </p>
      )}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}

      <h2>Current plan: {org.plan.name}</h2>
      <p className="muted">{org.plan.description}</p>
      {sub && (
        <p>
          Subscription {sub.plan ? `to ${sub.plan.name} ` : ''}is {sub.status.toLowerCase().replace('_', ' ')}
          {sub.trialEnd && sub.status === 'TRIALING' ? `; the trial ends ${formatDate(sub.trialEnd)}` : ''}
          {sub.currentPeriodEnd ? `; ${sub.cancelAtPeriodEnd ? 'it ends' : 'it renews'} ${formatDate(sub.currentPeriodEnd)}` : ''}
          {sub.graceEndsAt && sub.status === 'PAST_DUE' ? `. A payment failed: update it before ${formatDate(sub.graceEndsAt)} to keep this plan` : ''}.
        </p>
      )}
      {billingOn && canManage && (
        <button type="button" disabled={busy} onClick={() => void redirect(async () => (await openPortal({})).data?.openBillingPortal)}>
          Manage billing
        </button>
      )}

      <h2>Usage</h2>
      <p className="muted">
        This period: {formatDate(u.periodStart)} to {formatDate(u.periodEnd)}.
      </p>
      <ul className="usage-list">
        <UsageBar label="Members" used={u.members} max={u.maxMembers} />
        <UsageBar label="Teammates" used={u.teammates} max={u.maxTeammates} />
        <UsageBar label="Runs" used={u.runs} max={u.maxRuns} />
        <UsageBar label="Tokens" used={u.totalTokens} max={u.maxTokens} format={(n) => n.toLocaleString()} />
        <UsageBar label="Storage" used={u.storageBytes} max={u.maxStorageBytes} format={formatSize} />
      </ul>

      <h2>Plans</h2>
      <ul className="plans">
        {plans.map((plan) => {
          const price = formatPrice(plan);
          const current = plan.key === org.plan.key;
          return (
            <li key={plan.key} className={`plan${current ? ' current' : ''}`} aria-labelledby={`plan-${plan.key}`}>
              <h3 id={`plan-${plan.key}`}>
                {plan.name}
                {current && <span className="muted"> (current)</span>}
              </h3>
              <p>{price ?? (billingOn ? 'Not for sale here' : '')}</p>
              <p className="muted">{plan.description}</p>
              <ul className="limits">
                <li>Members: {limitOrNone(plan.limits.members)}</li>
                <li>Teammates: {limitOrNone(plan.limits.teammates)}</li>
                <li>Runs a month: {limitOrNone(plan.limits.monthlyRuns, (n) => n.toLocaleString())}</li>
                <li>Tokens a month: {limitOrNone(plan.limits.monthlyTokens, (n) => n.toLocaleString())}</li>
                <li>Storage: {limitOrNone(plan.limits.storageBytes, formatSize)}</li>
              </ul>
              {plan.purchasable && canManage && !current && (
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Upgrade to ${plan.name}`}
                  onClick={() => void redirect(async () => (await startCheckout({ plan: plan.key as PlanKey })).data?.startCheckout)}
                >
                  Upgrade
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {!canManage && billingOn && <p className="muted">Only owners and admins can change the plan.</p>}
    </section>
  );
}
