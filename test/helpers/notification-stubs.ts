/**
 * Stand-ins for the services notifications reach, each a real server on a random local port:
 * a web push service over HTTPS (self-signed certificate made with openssl, for the server under
 * test to trust through NODE_EXTRA_CA_CERTS), Expo's push API over HTTP, and an SMTP server
 * (`smtp-server`). Plus a browser's push subscription keys, to decrypt what arrives.
 */
import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const require = createRequire(import.meta.url);
// web-push's own dependency for RFC 8188 content encoding (no types of its own).
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: { version: string; privateKey: ECDH; authSecret: string }): Buffer };

export interface PushRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface PushService {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** The CA file (the self-signed certificate) to pass as NODE_EXTRA_CA_CERTS. */
  caFile: string;
  requests: PushRequest[];
  /** Answers `status` for pushes to `path` (default 201 Created). */
  answer(path: string, status: number): void;
  close(): Promise<void>;
}

/** A web push service over HTTPS with a certificate for 127.0.0.1 made now with openssl. */
export async function startPushService(): Promise<PushService> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tmates-push-ca-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', caFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2',
  ], { stdio: 'ignore' });
  const requests: PushRequest[] = [];
  const statuses = new Map<string, number>();
  const server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statuses.get(req.url ?? '') ?? 201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile,
    requests,
    answer: (p, status) => statuses.set(p, status),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser's push subscription keys: a P-256 key pair and a 16-byte auth secret. */
export function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16).toString('base64url');
  return {
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth,
    /** Decrypts an `aes128gcm` push body (RFC 8291) as the browser would. */
    decrypt: (body: Buffer): Record<string, any> => JSON.parse(ece.decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret: auth }).toString('utf8')),
  };
}

export interface ExpoStub {
  url: string;
  /** Every message posted, with the Authorization header of its request. */
  messages: Array<Record<string, any> & { authorization?: string }>;
  close(): Promise<void>;
}

/** Expo's push API: one ticket per message; tokens containing "Dead" get a DeviceNotRegistered ticket. */
export async function startExpoStub(): Promise<ExpoStub> {
  const messages: ExpoStub['messages'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<Record<string, any>>;
      const tickets = list.map((m) => {
        messages.push({ ...m, authorization: req.headers.authorization });
        return String(m.to).includes('Dead')
          ? { status: 'error', message: `"${m.to}" is not a registered push notification recipient`, details: { error: 'DeviceNotRegistered' } }
          : { status: 'ok', id: randomBytes(8).toString('hex') };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: tickets }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/--/api/v2/push/send`,
    messages,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Mail {
  from: string;
  to: string[];
  /** The raw message (headers and body). */
  raw: string;
  subject: string;
  /** The text body, quoted-printable undone. */
  text: string;
}

export interface SmtpStub {
  url: string;
  mails: Mail[];
  close(): Promise<void>;
}

/** Undoes quoted-printable (soft line breaks and =XX bytes). */
function unquote(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** An SMTP server (`smtp-server`) keeping every mail; no TLS, no authentication needed. */
export async function startSmtpStub(): Promise<SmtpStub> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(head)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
        const qp = /Content-Transfer-Encoding: quoted-printable/i.test(head);
        const body = rest.join('\n\n');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject,
          text: qp ? unquote(body) : body,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
