import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationsConfig } from '../config/config.ts';

/** One outgoing mail: plain text, and optionally HTML. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

const transports = new WeakMap<NotificationsConfig, Transporter>();

/** Whether mail is configured (SMTP_URL set); without it nothing is mailed. */
export const canMail = (config: NotificationsConfig): boolean => Boolean(config.smtpUrl);

/**
 * Sends a mail over SMTP_URL from MAIL_FROM (nodemailer; one transport per configuration, a connection per mail).
 * Throws when the server refuses it or cannot be reached (10 s to connect, 30 s idle), so a job
 * sending it is retried. Does nothing without SMTP_URL.
 */
export async function sendMail(config: NotificationsConfig, mail: Mail): Promise<{ sent: boolean }> {
  if (!config.smtpUrl) return { sent: false };
  let transport = transports.get(config);
  if (!transport) {
    const options = { url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
    transport = nodemailer.createTransport(options as unknown as Parameters<typeof nodemailer.createTransport>[0]);
    transports.set(config, transport);
  }
  await transport.sendMail({ from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  return { sent: true };
}
