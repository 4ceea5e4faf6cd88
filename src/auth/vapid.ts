import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import type { Config } from '../config/config.ts';

export interface VapidKeys {
  /** Uncompressed P-256 public key, base64url (what browsers pass as `applicationServerKey`). */
  publicKey: string;
  /** P-256 private key, base64url. */
  privateKey: string;
}

/**
 * The VAPID keys web push signs with: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or a pair generated
 * on first use and kept in TMATES_HOME/vapid.json (mode 0600), like the server secret. Every
 * process of an installation must share them (browsers subscribed with the public key).
 */
const resolved = new WeakMap<Config, VapidKeys>();

export function resolveVapidKeys(config: Config): VapidKeys {
  const known = resolved.get(config);
  if (known) return known;
  const keys = readOrCreate(config);
  resolved.set(config, keys);
  return keys;
}

function readOrCreate(config: Config): VapidKeys {
  const { vapidPublicKey, vapidPrivateKey } = config.push;
  if (vapidPublicKey && vapidPrivateKey) return { publicKey: vapidPublicKey, privateKey: vapidPrivateKey };
  const file = path.join(config.home, 'vapid.json');
  const read = (): VapidKeys | undefined => {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<VapidKeys>;
      return parsed.publicKey && parsed.privateKey ? { publicKey: parsed.publicKey, privateKey: parsed.privateKey } : undefined;
    } catch {
      return undefined;
    }
  };
  const existing = read();
  if (existing) return existing;
  mkdirSync(config.home, { recursive: true });
  const generated = webpush.generateVAPIDKeys();
  try {
    writeFileSync(file, `${JSON.stringify(generated)}\n`, { mode: 0o600, flag: 'wx' });
    return generated;
  } catch {
    return read() ?? generated; // another process wrote it first: use theirs
  }
}
