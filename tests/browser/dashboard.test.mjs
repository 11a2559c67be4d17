// The moderator dashboard in headless Chromium: sign-in, decisions checked
// through the API, bulk, a conflict with a second session, the keyboard,
// Arabic right to left, script payloads shown as text, CSRF, sign-out and
// an accessibility check. Run by tests/browser/run.sh.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const BASE = process.env.MAJLIS_BT_BASE;
const PASSWORD = process.env.MAJLIS_BT_PASSWORD;
const ADMIN = 'admin@news.example';

let browser;
let adminToken;
let seq = 0;
// Script errors in any page: none may happen.
const pageErrors = [];

async function call(method, path, body, token = adminToken) {
  const headers = { 'Accept-Language': 'en' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch { data = text; }
  return { status: r.status, data };
}

/** Posts a held comment (every comment is held in these tests) and returns it. */
async function held(fields = {}) {
  seq += 1;
  const r = await call('POST', '/api/v1/comments', {
    article_id: 'browser/story', author_name: 'Reader', author_email: `reader${seq}@example.com`,
    body: `Comment number ${seq} ${Date.now()}`, ...fields,
  }, null);
  assert.equal(r.status, 201, JSON.stringify(r.data));
  return r.data;
}

async function statusOf(id) {
  const r = await call('GET', `/api/v1/moderation/comments/${id}`);
  assert.equal(r.status, 200);
  return r.data;
}

/** A signed-in page (the dashboard's own form), in `lang`. */
async function signedIn({ lang = 'en', email = ADMIN, context } = {}) {
  const ctx = context || await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.addInitScript((l) => localStorage.setItem('majlis.lang', l), lang);
  await page.goto(`${BASE}/moderate/`);
  const form = page.locator('[data-majlis="login"]');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(PASSWORD);
  await form.locator('button[type="submit"]').click();
  await page.locator('[data-status="pending"]').waitFor();
  return { page, ctx };
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const login = await call('POST', '/api/v1/auth/login', { email: ADMIN, password: PASSWORD }, null);
  assert.equal(login.status, 200);
  adminToken = login.data.token;
  const s = await call('PATCH', '/api/v1/admin/settings', { approval_mode: 'all', flood_interval_seconds: 0 });
  assert.equal(s.status, 200, JSON.stringify(s.data));
});

after(async () => {
  await browser?.close();
  assert.deepEqual(pageErrors, [], 'script errors in the dashboard');
});

test('a wrong password is refused with the API message; the right one shows the queue', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.addInitScript(() => localStorage.setItem('majlis.lang', 'en'));
  await page.goto(`${BASE}/moderate/`);
  const form = page.locator('[data-majlis="login"]');
  await form.locator('input[name="email"]').fill(ADMIN);
  await form.locator('input[name="password"]').fill('not the password at all');
  await form.locator('button[type="submit"]').click();
  await assert.doesNotReject(form.locator('.error', { hasText: 'The email or password is not correct.' }).waitFor());
  const cookies = await ctx.cookies();
  assert.equal(cookies.length, 0);
  await ctx.close();

  const c = await held();
  const { page: signed, ctx: ctx2 } = await signedIn();
  const cookie = (await ctx2.cookies()).find((k) => k.name === 'majlis_session');
  assert.ok(cookie.httpOnly, 'the session cookie is out of scripts reach');
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(await signed.evaluate(() => document.cookie), '');
  await signed.locator(`[data-comment-id="${c.id}"]`).waitFor();
  const count = await signed.locator('[data-status="pending"] .count').textContent();
  assert.ok(Number(count) >= 1);
  assert.match(await signed.title(), /^\(\d+\) majlis$/);
  await ctx2.close();
});

test('approve, spam and reject from the queue reach the API', async () => {
  const [a, b, c] = [await held(), await held(), await held()];
  const { page, ctx } = await signedIn();
  for (const [comment, action, status] of [[a, 'approve', 'approved'], [b, 'spam', 'spam'], [c, 'reject', 'rejected']]) {
    const card = page.locator(`[data-comment-id="${comment.id}"]`);
    await card.locator(`[data-action="${action}"]`).click();
    await card.waitFor({ state: 'detached' });
    assert.equal((await statusOf(comment.id)).status, status);
  }
  await ctx.close();
});

test('a moderator has no settings page', async () => {
  const { page, ctx } = await signedIn({ email: 'moderator@news.example' });
  assert.equal(await page.locator('[data-page="settings"]').count(), 0);
  await ctx.close();
});

test('the keyboard moves, decides and selects', async () => {
  const [a, b] = [await held(), await held()];
  const { page, ctx } = await signedIn();
  // Newest first: b, then a.
  await page.locator(`[data-comment-id="${b.id}"]`).waitFor();
  await page.locator('.comment').first().focus();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.commentId), String(b.id));
  await page.keyboard.press('j');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.commentId), String(a.id));
  await page.keyboard.press('s');
  await page.locator(`[data-comment-id="${a.id}"]`).waitFor({ state: 'detached' });
  assert.equal((await statusOf(a.id)).status, 'spam');
  await page.keyboard.press('?');
  await page.locator('.help[role="dialog"]').waitFor();
  await page.keyboard.press('Escape');
  await ctx.close();
});

test('a decision another moderator made first is shown, never overwritten', async () => {
  const c = await held();
  const { page, ctx } = await signedIn();
  const card = page.locator(`[data-comment-id="${c.id}"]`);
  await card.waitFor();
  // A second session rejects it while this page still shows it pending.
  const other = await call('PATCH', `/api/v1/moderation/comments/${c.id}`, { status: 'rejected' });
  assert.equal(other.status, 200);
  await card.locator('[data-action="approve"]').click();
  await card.locator('.notice', { hasText: 'Another moderator already decided' }).waitFor();
  assert.match(await card.locator('.notice').textContent(), /Rejected/);
  assert.equal((await statusOf(c.id)).status, 'rejected');
  await ctx.close();
});

test('bulk decisions report each comment', async () => {
  const [a, b] = [await held(), await held()];
  const { page, ctx } = await signedIn();
  for (const c of [a, b]) {
    await page.locator(`[data-comment-id="${c.id}"] input[type="checkbox"]`).check();
  }
  const bar = page.locator('[data-majlis="bulk"]');
  assert.match(await bar.locator('.n').textContent(), /^2 /);
  await bar.locator('[data-action="approve"]').click();
  await page.locator('.toast', { hasText: 'Decided: 2' }).waitFor();
  assert.equal((await statusOf(a.id)).status, 'approved');
  assert.equal((await statusOf(b.id)).status, 'approved');
  await ctx.close();
});

test('script payloads in a comment are shown as text and never run', async () => {
  const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  const c = await held({
    author_name: '<img src=x onerror=window.__pwned=3>',
    author_url: 'https://evil.example/"><script>window.__pwned=4</script>',
    body: payload,
  });
  const { page, ctx } = await signedIn();
  const card = page.locator(`[data-comment-id="${c.id}"]`);
  await card.waitFor();
  assert.equal(await card.locator('.body').textContent(), payload);
  assert.equal(await card.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await ctx.close();
});

test('the Arabic dashboard reads right to left, and English left to right', async () => {
  const { page, ctx } = await signedIn({ lang: 'ar' });
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  assert.equal(await page.locator('[data-status="pending"]').evaluate((el) => getComputedStyle(el).direction), 'rtl');
  await page.locator('.bar button', { hasText: 'English' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
  await ctx.close();
});

test('a change without the CSRF header is refused, and signing out ends the session', async () => {
  const c = await held();
  const { page, ctx } = await signedIn();
  const forged = await page.evaluate(async (id) => {
    const r = await fetch(`/api/v1/moderation/comments/${id}`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"status":"approved"}',
    });
    return { status: r.status, body: await r.json() };
  }, c.id);
  assert.equal(forged.status, 403);
  assert.equal(forged.body.error.code, 'csrf_rejected');
  assert.equal((await statusOf(c.id)).status, 'pending');

  const cookie = (await ctx.cookies()).find((k) => k.name === 'majlis_session');
  await page.locator('[data-majlis="sign-out"]').click();
  await page.locator('[data-majlis="login"]').waitFor();
  // The old cookie no longer opens anything.
  const r = await fetch(`${BASE}/api/v1/moderation/counts`, { headers: { Cookie: `majlis_session=${cookie.value}` } });
  assert.equal(r.status, 401);
  await ctx.close();
});

test('the page sends a strict Content-Security-Policy and no inline script', async () => {
  const r = await fetch(`${BASE}/moderate/`);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await r.text();
  assert.doesNotMatch(html, /<script>[^<]/);
});

test('axe-core finds no serious or critical violation in the queue and the settings, in both languages', async () => {
  await held({ body: 'نص عربي مع English words في التعليق' });
  for (const lang of ['ar', 'en']) {
    // The checker is injected into the page, which the policy would refuse.
    const context = await browser.newContext({ bypassCSP: true });
    const { page, ctx } = await signedIn({ lang, context });
    await page.locator('.comment').first().waitFor();
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const result = await page.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    const serious = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0].target})`), [], lang);
    // The settings page too.
    await page.locator('[data-page="settings"]').click();
    await page.locator('[data-majlis="settings"]').waitFor();
    const onSettings = await page.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    const bad = onSettings.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0].target})`), [], `${lang} settings`);
    await ctx.close();
  }
});

test('a settings error is shown beside its field, and a good change is saved', async () => {
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="settings"]').click();
  const form = page.locator('[data-majlis="settings"]');
  await form.waitFor();
  const before = (await call('GET', '/api/v1/admin/settings')).data;
  await form.locator('input[name="max_links"]').fill('-1');
  await form.locator('button[type="submit"]').click();
  const error = form.locator('[data-field-error="max_links"]');
  await error.filter({ hasText: /\S/ }).waitFor();
  assert.equal((await call('GET', '/api/v1/admin/settings')).data.max_links, before.max_links);
  await form.locator('input[name="max_links"]').fill(String(before.max_links + 1));
  await form.locator('button[type="submit"]').click();
  await page.locator('.toast', { hasText: 'Saved.' }).waitFor();
  assert.equal(await error.textContent(), '');
  assert.equal((await call('GET', '/api/v1/admin/settings')).data.max_links, before.max_links + 1);
  const back = await call('PATCH', '/api/v1/admin/settings', { max_links: before.max_links });
  assert.equal(back.status, 200);
  await ctx.close();
});

// `MAJLIS_BT_SCREENSHOTS=docs bash tests/browser/run.sh` refreshes the
// README's pictures of the queue.
test('screenshots of the queue', { skip: !process.env.MAJLIS_BT_SCREENSHOTS }, async () => {
  const dir = process.env.MAJLIS_BT_SCREENSHOTS;
  await held({ author_name: 'ليلى حسن', body: 'شكراً على هذا التقرير الدقيق عن الميزانية، هل ستنشرون الأرقام كاملة؟' });
  await held({ author_name: 'Omar', author_url: 'https://omar.example', body: 'Great reporting. The second chart seems to mix 2023 and 2024 figures, though.' });
  await held({ author_name: 'Cheap Pills', body: 'BUY NOW!!! best prices http://pills.example http://pills2.example' });
  for (const lang of ['ar', 'en']) {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const { page, ctx } = await signedIn({ lang, context });
    await page.locator('.comment').first().waitFor();
    await page.locator('.comment .score').first().evaluate((d) => { d.open = true; });
    await page.screenshot({ path: `${dir}/dashboard-${lang}.png` });
    await ctx.close();
  }
});
