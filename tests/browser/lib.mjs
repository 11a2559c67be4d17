// What the browser tests share: the server's address and password, a call
// to its API, the mails it sent, and Debian's Chromium.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.MAJLIS_BT_BASE;
export const PASSWORD = process.env.MAJLIS_BT_PASSWORD;

/** One API call (English messages); `token` a bearer token or null. */
export async function call(method, path, body, token) {
  const headers = { 'Accept-Language': 'en' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch { data = text; }
  return { status: r.status, data };
}

/**
 * The first mail the server sent (to run.sh's SMTP receiver) whose text
 * `matches`, waiting up to `ms` for it: the mail workers poll every second.
 */
export async function mailMatching(matches, ms = 20000) {
  const dir = process.env.MAJLIS_BT_MAILDIR;
  if (!dir) throw new Error('MAJLIS_BT_MAILDIR is not set (run the tests with run.sh)');
  const deadline = Date.now() + ms;
  for (;;) {
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.eml'))) {
      const text = await readFile(join(dir, name), 'utf8');
      if (matches(text)) return text;
    }
    if (Date.now() > deadline) throw new Error('no such mail arrived');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A mail's Subject, its RFC 2047 encoded words (B or Q) decoded. */
export function mailSubject(mail) {
  const folded = mail.match(/^Subject: (.*(?:\r?\n[ \t].*)*)/m);
  if (!folded) return '';
  return folded[1]
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc, text) => (enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (__, h) => String.fromCharCode(parseInt(h, 16))), 'latin1')
    ).toString('utf8'));
}

/** A bearer token for `email`. */
export async function login(email) {
  const r = await call('POST', '/api/v1/auth/login', { email, password: PASSWORD }, null);
  if (r.status !== 200) throw new Error(`login as ${email}: ${r.status}`);
  return r.data.token;
}

/** Headless Chromium from /usr/bin/chromium (or $CHROMIUM). */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
