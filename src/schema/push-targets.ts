import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PushTarget } from '../repositories/push-targets.ts';
import { builder } from './builder.ts';

export const PushTargetKindEnum = builder.enumType('PushTargetKind', {
  description: 'How a push target is reached.',
  values: {
    WEB: { value: 'web', description: 'A browser push subscription (web push with VAPID).' },
    MOBILE: { value: 'mobile', description: 'An Expo push token of a phone.' },
  } as const,
});

export const MobilePlatformEnum = builder.enumType('MobilePlatform', {
  description: 'The phone platform of an Expo push token.',
  values: { IOS: { value: 'ios', description: 'iOS.' }, ANDROID: { value: 'android', description: 'Android.' } } as const,
});

export const PushTargetRef = builder.objectRef<PushTarget>('PushTarget').implement({
  description: 'A place the viewer’s notifications are pushed to. Only its owner sees it; keys are never returned.',
  fields: (t) => ({
    id: t.id({ description: 'Global id (for removePushTarget).', resolve: (p) => encodeGlobalID('PushTarget', p.id) }),
    kind: t.field({ type: PushTargetKindEnum, description: 'Web push or Expo.', resolve: (p) => p.kind }),
    endpoint: t.exposeString('endpoint', { nullable: true, description: 'The push service URL (web targets).' }),
    platform: t.field({ type: MobilePlatformEnum, nullable: true, description: 'iOS or Android (mobile targets).', resolve: (p) => p.platform }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
  }),
});
