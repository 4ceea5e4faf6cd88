import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedPurpose = 'download' | 'upload';
export type SignatureCheck = 'ok' | 'expired' | 'invalid';

/**
 * HMAC-signed, expiring URLs for files the API serves itself (the local backend). The key is
 * derived from the installation secret for this one purpose, so a file signature can never stand
 * in for a token signature or the other way round.
 */
export class UrlSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('tmates/file-urls/v1').digest();
  }

  private mac(purpose: SignedPurpose, fileId: string, expires: number): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}\n${fileId}\n${expires}`).digest();
  }

  /** Query parameters `expires` (unix seconds) and `sig` for a URL valid `ttlSeconds` from now. */
  sign(purpose: SignedPurpose, fileId: string, ttlSeconds: number, now = Date.now()): { expires: string; sig: string } {
    const expires = Math.floor(now / 1000) + ttlSeconds;
    return { expires: String(expires), sig: this.mac(purpose, fileId, expires).toString('base64url') };
  }

  /** Tampered (any changed part) is `invalid`; a genuine URL past its time is `expired`. */
  verify(purpose: SignedPurpose, fileId: string, expires: string | null, sig: string | null, now = Date.now()): SignatureCheck {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[\w-]{43}$/.test(sig)) return 'invalid';
    // Compare the canonical text, not decoded bytes: base64url's last character carries two spare
    // bits, so decoding would accept four spellings of one signature.
    const expected = Buffer.from(this.mac(purpose, fileId, Number(expires)).toString('base64url'));
    if (!timingSafeEqual(Buffer.from(sig), expected)) return 'invalid';
    return Number(expires) * 1000 < now ? 'expired' : 'ok';
  }
}
