// What the browser tests share: the server's address and password, a call
// to its API, and Debian's Chromium.
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
