import { builder } from '../schema/builder.ts';
import { PlanKeyEnum, PlanRef } from '../schema/billing.ts';
import { requireViewer } from '../core/context.ts';
import { listPlans, openBillingPortal, startCheckout } from '../services/billing.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../services/errors.ts';

const BillingUrlPayload = builder.objectRef<{ url: string }>('BillingUrlPayload').implement({
  description: 'A Stripe-hosted page to send the person to.',
  fields: (t) => ({ url: t.exposeString('url', { description: 'Redirect the browser here (valid for a short time).' }) }),
});

const StartCheckoutInput = builder.inputType('StartCheckoutInput', {
  description: 'The plan to buy for the current organisation.',
  fields: (t) => ({ plan: t.field({ type: PlanKeyEnum, required: true, description: 'A plan for sale (`Plan.purchasable`).' }) }),
});

builder.queryFields((t) => ({
  plans: t.field({
    type: [PlanRef],
    description: 'Every plan with its limits and, when billing is on, its price from Stripe. Public: no sign-in needed.',
    resolve: (_root, _args, ctx) => listPlans(ctx.services),
  }),
}));

builder.mutationFields((t) => ({
  startCheckout: t.field({
    type: BillingUrlPayload,
    description:
      'Starts a Stripe Checkout Session (subscription mode) for the current organisation; redirect to `url`. Owners and admins only. The subscription arrives by webhook; then `Org.subscription` and `Org.plan` show it.',
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: StartCheckoutInput, required: true }) },
    resolve: (_root, { input }, ctx) => startCheckout(ctx.services, requireViewer(ctx), input),
  }),
  openBillingPortal: t.field({
    type: BillingUrlPayload,
    description:
      "Opens Stripe's customer portal for the current organisation (change plan, payment method, invoices, cancel); redirect to `url`. Owners and admins only. Changes arrive by webhook.",
    errors: { types: [ForbiddenError, ConflictError] },
    resolve: (_root, _args, ctx) => openBillingPortal(ctx.services, requireViewer(ctx)),
  }),
}));
