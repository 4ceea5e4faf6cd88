import { decodeGlobalID } from '@pothos/plugin-relay';
import { requireViewer } from '../core/context.ts';
import { resolveVapidKeys } from '../auth/vapid.ts';
import { builder } from '../schema/builder.ts';
import { MobilePlatformEnum, PushTargetRef } from '../schema/push-targets.ts';
import { ServerInfoRef } from '../schema/server-info.ts';
import { NotFoundError, ValidationError } from '../services/errors.ts';
import { addMobilePushToken, addWebPushSubscription, pushTargetsOf, removePushTarget } from '../services/push-targets.ts';

builder.objectField(ServerInfoRef, 'vapidPublicKey', (t) =>
  t.string({
    description: 'The VAPID public key (base64url) browsers subscribe with (`applicationServerKey`), for addWebPushSubscription.',
    resolve: (_info, _args, ctx) => resolveVapidKeys(ctx.services.config).publicKey,
  }),
);

const AddWebPushSubscriptionInput = builder.inputType('AddWebPushSubscriptionInput', {
  description: 'A browser PushSubscription (`subscription.toJSON()`): its endpoint and keys.',
  fields: (t) => ({
    endpoint: t.string({ required: true, description: 'The push service URL (https; not on a private network).' }),
    p256dh: t.string({ required: true, description: '`keys.p256dh`: the browser’s P-256 public key, base64url.' }),
    auth: t.string({ required: true, description: '`keys.auth`: the authentication secret, base64url.' }),
  }),
});

const AddMobilePushTokenInput = builder.inputType('AddMobilePushTokenInput', {
  description: 'An Expo push token of a phone.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'The Expo push token, e.g. `ExponentPushToken[xxxx]`.' }),
    platform: t.field({ type: MobilePlatformEnum, required: true, description: 'iOS or Android.' }),
  }),
});

const RemovePushTargetInput = builder.inputType('RemovePushTargetInput', {
  description: 'One of the viewer’s push targets.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The PushTarget id.' }) }),
});

const RemovePushTargetPayload = builder.objectRef<{ id: string }>('RemovePushTargetPayload').implement({
  description: 'The target that was removed.',
  fields: (t) => ({ pushTargetId: t.exposeID('id', { description: 'Global id of the removed target.' }) }),
});

builder.queryField('pushTargets', (t) =>
  t.field({
    type: [PushTargetRef],
    description: 'Where the viewer’s notifications are pushed to, oldest first.',
    resolve: (_root, _args, ctx) => pushTargetsOf(ctx.services, requireViewer(ctx)),
  }),
);

builder.mutationFields((t) => ({
  addWebPushSubscription: t.field({
    type: PushTargetRef,
    description: 'Registers this browser for web push (the same endpoint again refreshes its keys).',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: AddWebPushSubscriptionInput, required: true }) },
    resolve: (_root, { input }, ctx) => addWebPushSubscription(ctx.services, requireViewer(ctx), input),
  }),
  addMobilePushToken: t.field({
    type: PushTargetRef,
    description: 'Registers a phone’s Expo push token.',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: AddMobilePushTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) => addMobilePushToken(ctx.services, requireViewer(ctx), input),
  }),
  removePushTarget: t.field({
    type: RemovePushTargetPayload,
    description: 'Removes one of the viewer’s push targets.',
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: RemovePushTargetInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      let id: string;
      try {
        const decoded = decodeGlobalID(String(input.id));
        if (decoded.typename !== 'PushTarget' || !/^[0-9a-f-]{36}$/i.test(decoded.id)) throw new Error('not a push target');
        id = decoded.id;
      } catch {
        throw new NotFoundError('PushTarget');
      }
      await removePushTarget(ctx.services, viewer, id);
      return { id: String(input.id) };
    },
  }),
}));
