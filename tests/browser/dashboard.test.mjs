// The moderator dashboard in headless Chromium: sign-in, decisions checked
// through the API, bulk, a conflict with a second session, the keyboard,
// Arabic right to left, script payloads shown as text, CSRF, sign-out and
// an accessibility check. Run by tests/browser/run.sh.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BASE, PASSWORD, call as api, launch, login, mailMatching } from './lib.mjs';

const require = createRequire(import.meta.url);
const ADMIN = 'admin@news.example';

let browser;
let adminToken;
let seq = 0;
// Script errors in any page: none may happen.
const pageErrors = [];
// Requests to anywhere but majlis: none may happen.
const elsewhere = [];

const call = (method, path, body, token = adminToken) => api(method, path, body, token);

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
async function signedIn({ lang = 'en', email = ADMIN, context, clock = false } = {}) {
  const ctx = context || await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith(BASE) && !r.url().startsWith('blob:')) elsewhere.push(r.url()); });
  // The page's timers under the test's control (polling every 15 s).
  if (clock) await page.clock.install();
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
  browser = await launch();
  adminToken = await login(ADMIN);
  const s = await call('PATCH', '/api/v1/admin/settings', { approval_mode: 'all', flood_interval_seconds: 0 });
  assert.equal(s.status, 200, JSON.stringify(s.data));
});

after(async () => {
  await browser?.close();
  assert.deepEqual(pageErrors, [], 'script errors in the dashboard');
  assert.deepEqual(elsewhere, [], 'requests to third parties');
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

test('a rejection carries the category chosen on its card, and the log shows it', async () => {
  const c = await held({ body: 'A remark aimed at a group of readers' });
  const { page, ctx } = await signedIn();
  const card = page.locator(`[data-comment-id="${c.id}"]`);
  await card.locator('[data-majlis="category"]').selectOption('hate');
  await card.locator('[data-action="reject"]').click();
  await card.waitFor({ state: 'detached' });
  const now = await statusOf(c.id);
  assert.equal(now.status, 'rejected');
  assert.equal(now.decision_category, 'hate');
  await page.locator('[data-page="log"]').click();
  const row = page.locator('[data-majlis="log"] tr', { hasText: 'comment.status_changed' }).first();
  await row.waitFor();
  assert.match(await row.textContent(), /Hate speech/);
  await ctx.close();
});

test('a moderator has no admin pages', async () => {
  const { page, ctx } = await signedIn({ email: 'moderator@news.example' });
  for (const name of ['settings', 'articles', 'moderators', 'privacy']) {
    assert.equal(await page.locator(`[data-page="${name}"]`).count(), 0, name);
  }
  for (const name of ['queue', 'log', 'sanctions', 'export']) {
    assert.equal(await page.locator(`[data-page="${name}"]`).count(), 1, name);
  }
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

test('axe-core finds no serious or critical violation on any page, in both languages', async () => {
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
    assert.doesNotMatch(await page.locator('main').textContent(), /\b(null|undefined)\b/, `${lang} queue`);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0].target})`), [], lang);
    // Every other page too.
    for (const name of ['articles', 'log', 'sanctions', 'export', 'moderators', 'privacy', 'settings', 'webhooks', 'mail']) {
      await page.locator(`[data-page="${name}"]`).click();
      await page.locator(`[data-page="${name}"][aria-current="page"]`).waitFor();
      await page.locator('main h2').waitFor();
      const onPage = await page.evaluate(async () => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      }));
      const bad = onPage.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
      // Nothing absent is printed as `null` or `undefined`.
      assert.doesNotMatch(await page.locator('main').textContent(), /\b(null|undefined)\b/, `${lang} ${name}`);
      assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0].target})`), [], `${lang} ${name}`);
    }
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

test('queue cards show the article and the comment a reply answers; oldest first on request', async () => {
  const article = `browser/context-${Date.now()}`;
  const put = await call('PUT', `/api/v1/admin/articles/${article}`, { url: 'https://news.example/budget', title: 'Budget night' });
  assert.equal(put.status, 201, JSON.stringify(put.data));
  const parent = await held({ article_id: article, author_name: 'Layla', body: 'The first comment of the thread, quoted in the reply.' });
  assert.equal((await call('PATCH', `/api/v1/moderation/comments/${parent.id}`, { status: 'approved' })).status, 200);
  const reply = await held({ article_id: article, parent_id: parent.id });
  const later = await held({ article_id: article });
  const { page, ctx } = await signedIn();
  const card = page.locator(`[data-comment-id="${reply.id}"]`);
  await card.waitFor();
  const link = card.locator('.where a');
  assert.equal(await link.textContent(), 'Budget night');
  assert.equal(await link.getAttribute('href'), 'https://news.example/budget');
  assert.match(await card.locator('.parent').textContent(), /Layla.*The first comment of the thread/s);
  // After a decision that keeps it in view (an edit), the context stays.
  await card.locator('[data-action="edit"]').click();
  await card.locator('textarea').fill('Edited text');
  await card.locator('button[type="submit"]').click();
  await card.locator('.body', { hasText: 'Edited text' }).waitFor();
  assert.match(await card.locator('.parent').textContent(), /Layla/);

  await page.locator('.filters summary').click();
  await page.locator('.filters input[name="article_id"]').fill(article);
  await page.locator('.filters select[name="order"]').selectOption('oldest');
  await page.locator('.filters button[type="submit"]').click();
  // The unfiltered queue shown before holds both comments too: wait for the
  // filtered list (a wrong filter or order times out here).
  const shown = () => page.locator('.comment').evaluateAll((els) => els.map((e) => Number(e.dataset.commentId)));
  await page.waitForFunction((ids) => {
    const now = [...document.querySelectorAll('.comment')].map((e) => Number(e.dataset.commentId));
    return now.join() === ids.join();
  }, [reply.id, later.id]).catch(() => {});
  assert.deepEqual(await shown(), [reply.id, later.id]);
  await ctx.close();
});

test('the Reported tab lists reported comments with their reasons; a decision resolves them', async () => {
  const c = await held({ body: 'A published comment readers reported' });
  assert.equal((await call('PATCH', `/api/v1/moderation/comments/${c.id}`, { status: 'approved' })).status, 200);
  const r = await call('POST', `/api/v1/comments/${c.id}/reports`, { reason: 'abuse', note: 'Insults another reader' }, null);
  assert.equal(r.status, 202, JSON.stringify(r.data));
  const { page, ctx } = await signedIn();
  const tab = page.locator('[data-status="reported"]');
  await tab.locator('.count').filter({ hasText: /^[1-9]/ }).waitFor();
  await tab.click();
  const card = page.locator(`[data-comment-id="${c.id}"]`);
  await card.waitFor();
  const reports = card.locator('[data-majlis="reports"]');
  assert.match(await reports.textContent(), /Reader reports: 1 .*abuse 1/s);
  assert.match(await reports.textContent(), /Insults another reader/);
  // Keeping it (approve, its status already) resolves the reports.
  await card.locator('[data-action="approve"]').click();
  await card.waitFor({ state: 'detached' });
  const now = await statusOf(c.id);
  assert.equal(now.status, 'approved');
  assert.equal(now.reports, null);
  await ctx.close();
});

test('sanctions: ban a card\'s author and reject their comments, then revoke the ban', async () => {
  const email = `troll-${Date.now()}@example.com`;
  const c = await held({ author_email: email, body: 'An insult to another reader' });
  const { page, ctx } = await signedIn();
  await page.locator(`[data-comment-id="${c.id}"] [data-action="sanction"]`).click();
  const form = page.locator('[data-majlis="new-sanction"]');
  await form.waitFor();
  // A reason is required: the API's message appears beside the field.
  await form.locator('button[type="submit"]').click();
  await form.locator('[data-field-error="reason"]').filter({ hasText: /\S/ }).waitFor();
  await form.locator('textarea[name="reason"]').fill('Harassment of other readers');
  await form.locator('input[name="reject_existing"]').check();
  await form.locator('button[type="submit"]').click();
  const row = page.locator('[data-majlis="sanctions"] [data-sanction-id]').first();
  await row.waitFor();
  const text = await row.textContent();
  assert.ok(text.includes('Ban') && text.includes(email), text);
  const sanctionId = await row.getAttribute('data-sanction-id');
  assert.equal((await statusOf(c.id)).status, 'rejected');
  // Their next comment is answered as any held one is, and goes to spam.
  const next = await held({ author_email: email.toUpperCase(), body: 'Another try' });
  assert.equal(next.status, 'pending');
  assert.equal((await statusOf(next.id)).status, 'spam');
  await row.locator('[data-action="revoke"]').click();
  await page.locator(`[data-sanction-id="${sanctionId}"]`).waitFor({ state: 'detached' });
  const active = await call('GET', '/api/v1/moderation/sanctions');
  assert.equal(active.data.sanctions.filter((x) => x.target === email).length, 0);
  await ctx.close();
});

test('webhooks: an admin adds one, sees its secret once and its deliveries, then deletes it', async () => {
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="webhooks"]').click();
  const form = page.locator('[data-majlis="new-webhook"]');
  await form.waitFor();
  // No URL: the API's message appears beside the field.
  await form.locator('button[type="submit"]').click();
  await form.locator('[data-field-error="url"]').filter({ hasText: /\S/ }).waitFor();
  // `.invalid` never resolves: the deliveries fail here and everywhere.
  await form.locator('input[name="url"]').fill('https://hooks.invalid/majlis');
  await form.locator('input[name="include"][value="email"]').check();
  await form.locator('button[type="submit"]').click();
  const secret = page.locator('[data-majlis="webhook-secret"] code');
  await secret.waitFor();
  assert.match(await secret.textContent(), /^whsec_[A-Za-z0-9+/]+=*$/);
  const row = page.locator('[data-majlis="webhooks"] [data-webhook-id]').first();
  const id = await row.getAttribute('data-webhook-id');
  const listed = await call('GET', '/api/v1/admin/webhooks');
  const hook = listed.data.find((w) => String(w.id) === id);
  assert.deepEqual([hook.url, hook.events, hook.include], ['https://hooks.invalid/majlis', ['comment.created'], ['email']]);
  // A new comment is queued for it, and its failed attempt is shown.
  const c = await held({ body: 'Waiting for the newsroom bot' });
  let delivery;
  for (let i = 0; i < 40 && !delivery; i += 1) {
    await row.locator('[data-action="deliveries"]').click();
    const shown = page.locator(`[data-majlis="deliveries"] [data-delivery-id]`).first();
    if (await shown.count() && (await shown.textContent()).includes(`#${c.id}`)) delivery = shown;
    else await page.waitForTimeout(250);
  }
  assert.ok(delivery, 'the delivery is listed');
  await row.locator('[data-action="toggle"]').click();
  await page.locator(`[data-webhook-id="${id}"] [data-action="toggle"]`).filter({ hasText: 'Turn on' }).waitFor();
  assert.equal((await call('GET', `/api/v1/admin/webhooks/${id}`)).data.active, false);
  await page.locator(`[data-webhook-id="${id}"] [data-action="delete"]`).click();
  await page.locator(`[data-webhook-id="${id}"]`).waitFor({ state: 'detached' });
  assert.equal((await call('GET', `/api/v1/admin/webhooks/${id}`)).status, 404);
  await ctx.close();
});

test('my mail: a moderator asks for a mail per held comment, gets one, and saves the digest settings', async () => {
  const { page, ctx } = await signedIn({ email: 'moderator@news.example' });
  await page.locator('[data-page="mail"]').click();
  const form = page.locator('[data-majlis="notifications"]');
  await form.waitFor();
  // run.sh gives the server an SMTP receiver.
  assert.equal(await page.locator('[data-majlis="mail-off"]').count(), 0);
  await form.locator('select[name="notify"]').selectOption('each');
  await form.locator('select[name="lang"]').selectOption('en');
  await form.locator('button[type="submit"]').click();
  await page.locator('.toasts').filter({ hasText: 'Saved.' }).waitFor();
  const article = `dash/mail-${Date.now()}`;
  const posted = await call('POST', '/api/v1/comments', {
    article_id: article, author_name: 'Nadia', author_email: 'nadia@example.com', body: 'Please correct the date.',
  }, null);
  assert.equal(posted.data.status, 'pending');
  const mail = await mailMatching((m) => m.includes(article) && /^To: .*moderator@news\.example/m.test(m));
  assert.match(mail, /^Subject: A comment waits for review/m);
  assert.match(mail, /^List-Unsubscribe: /m);
  await form.locator('select[name="notify"]').selectOption('off');
  await form.locator('input[name="digest_minutes"]').fill('30');
  await form.locator('select[name="lang"]').selectOption('en');
  await form.locator('button[type="submit"]').click();
  await page.locator('.toasts').filter({ hasText: 'Saved.' }).waitFor();
  const mine = await call('GET', '/api/v1/moderation/notifications', undefined, await login('moderator@news.example'));
  assert.deepEqual([mine.data.notify, mine.data.digest_minutes, mine.data.lang], ['off', 30, 'en']);
  await ctx.close();
});

test('a comment posted while the queue is open is announced by the poll and shown on request', async () => {
  const { page, ctx } = await signedIn({ clock: true });
  await page.locator('.queue, .empty').first().waitFor();
  const before = Number(await page.locator('[data-status="pending"] .count').textContent());
  const c = await held({ body: 'Arrived while the moderator was looking' });
  await page.clock.runFor(16000);
  const note = page.locator('.new-comments');
  await note.filter({ hasText: 'New comments: 1. Show them.' }).waitFor();
  assert.equal(await page.locator('[data-status="pending"] .count').textContent(), String(before + 1));
  assert.equal(await page.title(), `(${before + 1}) majlis`);
  assert.equal(await page.locator(`[data-comment-id="${c.id}"]`).count(), 0, 'the list does not move by itself');
  await note.click();
  await page.locator(`[data-comment-id="${c.id}"]`).waitFor();
  await ctx.close();
});

test('articles: an admin closes one and sets its approval mode', async () => {
  const article = `browser/articles-${Date.now()}`;
  assert.equal((await call('PUT', `/api/v1/admin/articles/${article}`, { url: 'https://news.example/a', title: 'Elections live' })).status, 201);
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="articles"]').click();
  const filters = page.locator('[data-majlis="article-filters"]');
  await filters.locator('input[name="q"]').fill('Elections live');
  await filters.locator('button[type="submit"]').click();
  const row = page.locator(`tr[data-article-id="${article}"]`);
  await row.waitFor();
  await row.locator('[data-action="close"]').click();
  await page.locator(`tr[data-article-id="${article}"] [data-action="open"]`).waitFor();
  await page.locator(`tr[data-article-id="${article}"] select[name="approval_mode"]`).selectOption('none');
  await page.locator('.toast', { hasText: 'Saved.' }).last().waitFor();
  const listed = await call('GET', `/api/v1/admin/articles?q=${encodeURIComponent('Elections live')}`);
  const stored = listed.data.articles.find((a) => a.id === article);
  assert.equal(stored.closed, true);
  // The mode is saved by the second request; wait for it to land.
  for (let i = 0; i < 20 && stored.approval_mode !== 'none'; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    const again = await call('GET', `/api/v1/admin/articles?q=${encodeURIComponent('Elections live')}`);
    stored.approval_mode = again.data.articles.find((a) => a.id === article).approval_mode;
  }
  assert.equal(stored.approval_mode, 'none');
  // A comment on a closed article is refused by the public API.
  const refused = await call('POST', '/api/v1/comments', {
    article_id: article, author_name: 'Reader', author_email: 'late@example.com', body: 'Too late?',
  }, null);
  assert.equal(refused.status, 403);
  await ctx.close();
});

test('moderators: errors beside their fields, then create, change the role and disable', async () => {
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="moderators"]').click();
  const form = page.locator('[data-majlis="new-moderator"]');
  await form.waitFor();
  const email = `desk${Date.now()}@news.example`;
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill('short');
  await form.locator('button[type="submit"]').click();
  await form.locator('[data-field-error="password"]').filter({ hasText: /\S/ }).waitFor();
  await form.locator('input[name="password"]').fill('a long enough passphrase 42');
  await form.locator('input[name="display_name"]').fill('Night desk');
  await form.locator('button[type="submit"]').click();
  await page.locator('.toast', { hasText: 'Created.' }).waitFor();
  const listed = async () => (await call('GET', '/api/v1/admin/moderators')).data.moderators.find((m) => m.email === email);
  const created = await listed();
  assert.equal(created.role, 'moderator');
  assert.equal(created.display_name, 'Night desk');
  const row = () => page.locator(`tr[data-moderator-id="${created.id}"]`);
  await row().locator('select[name="role"]').selectOption('admin');
  await page.locator('.toast', { hasText: 'Saved.' }).waitFor();
  assert.equal((await listed()).role, 'admin');
  await row().locator('[data-action="disable"]').click();
  await page.locator(`tr[data-moderator-id="${created.id}"] [data-action="enable"]`).waitFor();
  assert.equal((await listed()).disabled, true);
  const login = await call('POST', '/api/v1/auth/login', { email, password: 'a long enough passphrase 42' }, null);
  assert.equal(login.status, 401);
  await ctx.close();
});

test('the audit log lists decisions and filters by comment', async () => {
  const c = await held();
  assert.equal((await call('PATCH', `/api/v1/moderation/comments/${c.id}`, { status: 'spam', reason: 'pills again' })).status, 200);
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="log"]').click();
  const form = page.locator('[data-majlis="log-filters"]');
  await form.locator('input[name="comment_id"]').fill(String(c.id));
  await form.locator('button[type="submit"]').click();
  const rows = page.locator('[data-majlis="log"] tbody tr');
  // The unfiltered list shown first has the decision too: wait for the
  // filtered one, where every row names the comment.
  await page.waitForFunction((id) => {
    const shown = [...document.querySelectorAll('[data-majlis="log"] tbody tr')];
    return shown.length > 0 && shown.every((tr) => tr.textContent.includes(`#${id}`));
  }, c.id);
  const texts = await rows.allTextContents();
  assert.equal(texts.length, 2, texts.join('\n'));
  assert.match(texts[0], /comment\.status_changed.*Pending → Spam.*pills again/s);
  assert.match(texts[1], /comment\.submitted/);
  await ctx.close();
});

test('export downloads the CSV the API streams, with the filters chosen', async () => {
  const article = `browser/export-${Date.now()}`;
  const c = await held({ article_id: article, body: 'تعليق للتصدير, with a comma' });
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="export"]').click();
  const form = page.locator('[data-majlis="export"]');
  await form.locator('input[name="article_id"]').fill(article);
  await form.locator('select[name="status"]').selectOption('pending');
  const [download] = await Promise.all([page.waitForEvent('download'), form.locator('button[type="submit"]').click()]);
  assert.match(download.suggestedFilename(), /^majlis-comments-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = require('node:fs').readFileSync(await download.path(), 'utf8');
  const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r\n/);
  assert.equal(lines.length, 2, csv);
  assert.match(lines[1], new RegExp(`^${c.id},`));
  assert.ok(lines[1].includes('"تعليق للتصدير, with a comma"'), lines[1]);
  // A bad filter is caught beside its field, before any download.
  await form.locator('input[name="article_id"]').fill('not an id!');
  await form.locator('button[type="submit"]').click();
  await form.locator('[data-field-error="article_id"]').filter({ hasText: /\S/ }).waitFor();
  await ctx.close();
});

test('privacy: one person\'s data, and erasing it only after the email is typed again', async () => {
  const email = `erase-me-${Date.now()}@example.com`;
  const c = await held({ author_email: email, author_name: 'Forget Me' });
  const { page, ctx } = await signedIn();
  await page.locator('[data-page="privacy"]').click();
  const form = page.locator('[data-majlis="privacy"]');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('button[type="submit"]').click();
  const result = page.locator('[data-majlis="privacy-result"]');
  await result.locator('p', { hasText: 'Comments found: 1' }).waitFor();
  assert.match(await result.textContent(), /Forget Me/);
  const [download] = await Promise.all([page.waitForEvent('download'), result.locator('[data-majlis="privacy-download"]').click()]);
  const data = JSON.parse(require('node:fs').readFileSync(await download.path(), 'utf8'));
  assert.equal(data.comments[0].id, c.id);

  await result.locator('summary').click();
  const erase = result.locator('[data-majlis="erase"]');
  await erase.locator('input[name="confirm"]').fill('someone-else@example.com');
  await erase.locator('button[type="submit"]').click();
  await erase.locator('[data-field-error="confirm"]', { hasText: 'The two emails differ.' }).waitFor();
  assert.equal((await statusOf(c.id)).author_name, 'Forget Me');
  await erase.locator('input[name="confirm"]').fill(email.toUpperCase());
  await erase.locator('button[type="submit"]').click();
  await result.locator('p', { hasText: 'Comments anonymized: 1' }).waitFor();
  const after = await statusOf(c.id);
  assert.notEqual(after.author_name, 'Forget Me');
  assert.notEqual(after.author_email, email);
  await ctx.close();
});

// `MAJLIS_BT_SCREENSHOTS=docs bash tests/browser/run.sh` refreshes the
// README's pictures of the queue.
test('screenshots of the queue', { skip: !process.env.MAJLIS_BT_SCREENSHOTS }, async () => {
  const dir = process.env.MAJLIS_BT_SCREENSHOTS;
  // Earlier tests' comments leave the queue first.
  const pending = await call('GET', '/api/v1/moderation/comments?status=pending&limit=100');
  const ids = pending.data.comments.map((c) => c.id);
  if (ids.length) assert.equal((await call('POST', '/api/v1/moderation/comments/bulk', { ids, status: 'rejected' })).status, 200);
  await call('PUT', '/api/v1/admin/articles/2026/budget', { url: 'https://news.example/2026/budget', title: 'ميزانية 2026: ما الذي تغيّر؟' });
  const first = await held({ article_id: '2026/budget', author_name: 'ليلى حسن', body: 'شكراً على هذا التقرير الدقيق عن الميزانية، هل ستنشرون الأرقام كاملة؟' });
  await call('PATCH', `/api/v1/moderation/comments/${first.id}`, { status: 'approved' });
  await held({ article_id: '2026/budget', author_name: 'خالد', body: 'متى تُنشر الجداول التفصيلية لكل وزارة؟ الأرقام الإجمالية وحدها لا تكفي.' });
  await held({ article_id: '2026/budget', parent_id: first.id, author_name: 'Omar', author_url: 'https://omar.example', body: 'Great reporting. The second chart seems to mix 2023 and 2024 figures, though.' });
  await held({ article_id: '2026/budget', author_name: 'Cheap Pills', body: 'BUY NOW!!! best prices http://pills.example http://pills2.example' });
  for (const lang of ['ar', 'en']) {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const { page, ctx } = await signedIn({ lang, context });
    await page.locator('.comment').first().waitFor();
    await page.locator('.comment .score').first().evaluate((d) => { d.open = true; });
    await page.screenshot({ path: `${dir}/dashboard-${lang}.png` });
    await ctx.close();
  }
});
