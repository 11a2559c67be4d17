// The article page's comment widget (/embed.js) and the no-JavaScript
// fragment (/embed/articles/...) in headless Chromium: the thread in Arabic
// and English, posting, inline errors, replies, the edit window, script
// payloads, a strict CSP on another origin, accessibility and size.
// Run by tests/browser/run.sh.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { BASE, call as api, launch, login, mailMatching, mailSubject } from './lib.mjs';

const require = createRequire(import.meta.url);
// A news site on another origin; Playwright serves its pages.
const SITE = 'http://news.localhost';

let browser;
let adminToken;
let seq = 0;
const pageErrors = [];

const call = (method, path, body, token = adminToken) => api(method, path, body, token);

const settings = async (patch) => assert.equal((await call('PATCH', '/api/v1/admin/settings', patch)).status, 200);

/** An approved comment on `article`. */
async function approved(article, fields = {}) {
  seq += 1;
  const r = await call('POST', '/api/v1/comments', {
    article_id: article, author_name: 'Reader', author_email: `embed${seq}@example.com`,
    body: `Embedded comment ${seq}`, ...fields,
  }, null);
  assert.equal(r.status, 201, JSON.stringify(r.data));
  if (r.data.status !== 'approved') {
    assert.equal((await call('PATCH', `/api/v1/moderation/comments/${r.data.id}`, { status: 'approved' })).status, 200);
  }
  return r.data;
}

/** An article page on the news site's origin with the widget, under `csp`. */
async function sitePage({ article, lang = 'ar', csp = null, extra = '' }) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  if (process.env.MAJLIS_BT_DEBUG) {
    page.on('console', (m) => console.log('console:', m.text()));
    page.on('requestfailed', (r) => console.log('failed:', r.url(), r.failure()?.errorText));
  }
  const headers = { 'Content-Type': 'text/html; charset=utf-8' };
  if (csp) headers['Content-Security-Policy'] = csp;
  await page.route(`${SITE}/**`, (route) => route.fulfill({
    status: 200, headers,
    body: `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Article</title></head><body>
      <h1>Article</h1><p>Text of the article.</p>${extra}
      <div id="majlis-comments" data-article-id="${article}" data-article-url="${SITE}/${article}" data-lang="${lang}"></div>
      <script src="${BASE}/embed.js" async></script></body></html>`,
  }));
  await page.goto(`${SITE}/${article}`);
  return { page, ctx };
}

const widget = (page) => page.locator('#majlis-comments');

before(async () => {
  // The test's news site is served by Playwright, not from an address,
  // so Chromium counts it as public and majlis on 127.0.0.1 as local; on
  // the web both are public.
  browser = await launch(['--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights']);
  adminToken = await login('admin@news.example');
  // The site's origin, and majlis's own (the no-JavaScript test's article
  // page is majlis's demo page, so the browser really lands on it).
  await settings({ approval_mode: 'none', flood_interval_seconds: 0, min_form_seconds: 0, allowed_origins: [SITE, BASE], edit_window_minutes: 15 });
});

after(async () => {
  await browser?.close();
  assert.deepEqual(pageErrors, [], 'script errors in the widget');
});

test('the thread renders right to left in Arabic and left to right in English, replies nested', async () => {
  const article = `embed/thread-${Date.now()}`;
  const first = await approved(article, { author_name: 'ليلى', body: 'أول تعليق على المقال' });
  const reply = await approved(article, { author_name: 'Omar', body: 'A reply in English', parent_id: first.id });
  for (const [lang, dir, count] of [['ar', 'rtl', '2 تعليقات'], ['en', 'ltr', '2 comments']]) {
    const { page, ctx } = await sitePage({ article, lang });
    const item = widget(page).locator(`[data-comment-id="${reply.id}"]`);
    await item.waitFor();
    assert.equal(await widget(page).locator('section').evaluate((s) => getComputedStyle(s).direction), dir);
    assert.equal((await widget(page).locator('h2').textContent()).trim(), count);
    // The reply is inside its parent's item.
    const parentOf = await item.evaluate((li) => li.parentElement.closest('li').dataset.commentId);
    assert.equal(parentOf, String(first.id));
    // The page's styles do not reach in, the widget's do not leak out.
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-comment-id]').length), 0, 'all inside the shadow root');
    await ctx.close();
  }
});

test('posting a held comment shows it in place, marked pending, only to its author', async () => {
  await settings({ approval_mode: 'all' });
  const article = `embed/pending-${Date.now()}`;
  const { page, ctx } = await sitePage({ article, lang: 'en' });
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  await form.waitFor();
  await form.locator('[name="author"]').fill('Huda');
  await form.locator('[name="email"]').fill('huda@example.com');
  await form.locator('[name="comment"]').fill('Will the full figures be published?');
  await form.locator('[name="wp-comment-cookies-consent"]').check();
  await form.locator('button[type="submit"]').click();
  const notice = widget(page).locator('[data-majlis="pending-notice"]');
  await notice.waitFor();
  const id = await notice.evaluate((n) => n.closest('[data-comment-id]').dataset.commentId);
  assert.equal((await call('GET', `/api/v1/moderation/comments/${id}`)).data.status, 'pending');
  assert.equal(await page.evaluate((i) => document.querySelector('#majlis-comments').shadowRoot.activeElement?.id, id), `comment-${id}`);
  // After a reload: still there for them, and their details remembered.
  await page.reload();
  await widget(page).locator('[data-majlis="pending-notice"]').waitFor();
  assert.equal(await widget(page).locator('[name="author"]').inputValue(), 'Huda');
  // Nobody else sees it.
  const other = await browser.newContext();
  const stranger = await other.newPage();
  await stranger.route(`${SITE}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html',
    body: `<div id="majlis-comments" data-article-id="${article}" data-lang="en"></div><script src="${BASE}/embed.js" async></script>` }));
  await stranger.goto(`${SITE}/x`);
  await widget(stranger).locator('h2').waitFor();
  assert.equal(await widget(stranger).locator('[data-comment-id]').count(), 0);
  assert.equal(await widget(stranger).locator('[name="author"]').inputValue(), '');
  await other.close();
  await ctx.close();
  await settings({ approval_mode: 'none' });
});

test('a reader asks to be told by mail, and hears in Arabic when the comment is published', async () => {
  await settings({ approval_mode: 'all' });
  const article = `embed/notify-${Date.now()}`;
  const { page, ctx } = await sitePage({ article, lang: 'ar' });
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  await form.waitFor();
  // The server sends mail (run.sh), so the form offers it, after the consent line.
  const box = form.locator('[name="notify_replies"]');
  await box.waitFor();
  assert.match(await box.locator('xpath=..').textContent(), /راسلني بالبريد/);
  await form.locator('[name="author"]').fill('سلمى');
  await form.locator('[name="email"]').fill('salma@example.com');
  await form.locator('[name="comment"]').fill('هل ستنشرون الأرقام كاملة؟');
  await box.check();
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${BASE}/api/v1/comments`),
    form.locator('button[type="submit"]').click(),
  ]);
  assert.equal(request.postDataJSON().notify_replies, true);
  const notice = widget(page).locator('[data-majlis="pending-notice"]');
  await notice.waitFor();
  const id = await notice.evaluate((n) => n.closest('[data-comment-id]').dataset.commentId);
  assert.equal((await call('PATCH', `/api/v1/moderation/comments/${id}`, { status: 'approved' })).status, 200);
  const mail = await mailMatching((m) => /^To: .*salma@example\.com/m.test(m));
  assert.match(mailSubject(mail), /^نُشر تعليقك على «/);
  assert.ok(mailSubject(mail).includes(article), mailSubject(mail));
  assert.match(mail, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
  await ctx.close();
  await settings({ approval_mode: 'none' });
});

test('empty fields get their errors inline, in Arabic, announced', async () => {
  const { page, ctx } = await sitePage({ article: `embed/errors-${Date.now()}`, lang: 'ar' });
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  await form.locator('button[type="submit"]').click();
  for (const name of ['author', 'email', 'comment']) {
    const error = form.locator(`[data-field-error="${name}"]`);
    await error.filter({ hasText: /[\u0600-\u06FF]/ }).waitFor();
    assert.equal(await form.locator(`[name="${name}"]`).getAttribute('aria-invalid'), 'true');
  }
  assert.equal(await form.locator('[data-field-error="author"]').getAttribute('aria-live'), 'assertive');
  await ctx.close();
});

test('a reply lands under its parent', async () => {
  const article = `embed/reply-${Date.now()}`;
  const parent = await approved(article, { author_name: 'Layla', body: 'Top-level comment' });
  const { page, ctx } = await sitePage({ article, lang: 'en' });
  const parentItem = widget(page).locator(`[data-comment-id="${parent.id}"]`);
  await parentItem.locator('[data-action="reply"]').first().click();
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  assert.match(await form.locator('.replying').textContent(), /In reply to Layla/);
  await form.locator('[name="author"]').fill('Sami');
  await form.locator('[name="email"]').fill('sami@example.com');
  await form.locator('[name="comment"]').fill('My answer to Layla');
  await form.locator('button[type="submit"]').click();
  const mine = widget(page).locator('li', { hasText: 'My answer to Layla' }).last();
  await mine.waitFor();
  assert.equal(await mine.evaluate((li) => li.parentElement.closest('li').dataset.commentId), String(parent.id));
  const id = await mine.getAttribute('data-comment-id');
  assert.equal((await call('GET', `/api/v1/moderation/comments/${id}`)).data.parent_id, parent.id);
  await ctx.close();
});

test('the author edits and deletes within the window; after it, the edit is refused', async () => {
  const article = `embed/edit-${Date.now()}`;
  const { page, ctx } = await sitePage({ article, lang: 'en' });
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  await form.locator('[name="author"]').fill('Rami');
  await form.locator('[name="email"]').fill('rami@example.com');
  await form.locator('[name="comment"]').fill('Teh first version');
  await form.locator('button[type="submit"]').click();
  const item = widget(page).locator('li', { hasText: 'Teh first version' });
  await item.waitFor();
  const id = await item.getAttribute('data-comment-id');
  const mine = widget(page).locator(`[data-comment-id="${id}"]`);
  await mine.locator('[data-action="edit"]').click();
  await mine.locator('textarea').fill('The first version');
  await mine.locator('button[type="submit"]').click();
  await widget(page).locator(`[data-comment-id="${id}"] .body`, { hasText: 'The first version' }).waitFor();
  assert.equal((await call('GET', `/api/v1/moderation/comments/${id}`)).data.body, 'The first version');

  // Closing the window (an admin sets it to 0) refuses the next edit.
  await settings({ edit_window_minutes: 0 });
  const again = widget(page).locator(`[data-comment-id="${id}"]`);
  await again.locator('[data-action="edit"]').click();
  await again.locator('textarea').fill('Too late');
  await again.locator('button[type="submit"]').click();
  await again.locator('[data-field-error="comment"]', { hasText: 'The time to edit or delete this comment has passed.' }).waitFor();
  assert.equal((await call('GET', `/api/v1/moderation/comments/${id}`)).data.body, 'The first version');
  await settings({ edit_window_minutes: 15 });

  page.on('dialog', (d) => d.accept());
  await widget(page).locator(`[data-comment-id="${id}"] [data-action="delete"]`).click();
  await widget(page).locator(`[data-comment-id="${id}"]`).waitFor({ state: 'detached' });
  assert.equal((await call('GET', `/api/v1/moderation/comments/${id}`)).data.status, 'rejected');
  await ctx.close();
});

/** Fills the widget's form as a reader and posts it. */
async function postAs(page, name, body) {
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  await form.locator('[name="author"]').fill(name);
  await form.locator('[name="email"]').fill(`${name.toLowerCase()}@example.com`);
  await form.locator('[name="comment"]').fill(body);
  await form.locator('button[type="submit"]').click();
}

test('the reader\'s own comment shows once, last, when more pages load', async () => {
  const article = `embed/paged-${Date.now()}`;
  for (let i = 0; i < 51; i += 1) await approved(article);
  const { page, ctx } = await sitePage({ article, lang: 'en' });
  await widget(page).locator('button.more').waitFor();
  await postAs(page, 'Nadia', 'Posted while more pages were left');
  const mine = widget(page).locator('li', { hasText: 'Posted while more pages were left' });
  await mine.waitFor();
  const id = await mine.getAttribute('data-comment-id');
  await widget(page).locator('button.more').click();
  await widget(page).locator('button.more').waitFor({ state: 'detached' });
  assert.equal(await widget(page).locator(`[data-comment-id="${id}"]`).count(), 1);
  const ids = await widget(page).locator('[data-comment-id]').evaluateAll((els) => els.map((e) => e.dataset.commentId));
  assert.equal(ids.length, 52);
  assert.equal(ids[51], id, 'oldest first: the newest comment is last');
  assert.equal((await widget(page).locator('h2').textContent()).trim(), '52 comments');
  await ctx.close();
});

test('an edit that publishes a held comment keeps it in the thread', async () => {
  await settings({ approval_mode: 'all' });
  const article = `embed/publish-${Date.now()}`;
  const { page, ctx } = await sitePage({ article, lang: 'en' });
  await postAs(page, 'Karim', 'Held at first');
  const item = widget(page).locator('li', { hasText: 'Held at first' });
  await item.locator('[data-majlis="pending-notice"]').waitFor();
  const id = await item.getAttribute('data-comment-id');
  await settings({ approval_mode: 'none' });
  const mine = widget(page).locator(`[data-comment-id="${id}"]`);
  await mine.locator('[data-action="edit"]').click();
  await mine.locator('textarea').fill('Published by its edit');
  await mine.locator('button[type="submit"]').click();
  await mine.locator('.body', { hasText: 'Published by its edit' }).waitFor();
  assert.equal(await mine.locator('[data-majlis="pending-notice"]').count(), 0);
  assert.equal((await widget(page).locator('h2').textContent()).trim(), '1 comment');
  assert.equal((await call('GET', `/api/v1/moderation/comments/${id}`)).data.status, 'approved');
  await ctx.close();
});

test('a reader reports a comment with a reason and a note, and is thanked in the page\'s language', async () => {
  const article = `embed/report-${Date.now()}`;
  const c = await approved(article, { body: 'A comment a reader finds misleading' });
  const { page, ctx } = await sitePage({ article, lang: 'ar' });
  const item = widget(page).locator(`[data-comment-id="${c.id}"]`);
  await item.locator('[data-action="report"]').click();
  const form = item.locator('[data-majlis="report-form"]');
  await form.locator('select[name="reason"]').selectOption('misinformation');
  await form.locator('textarea[name="note"]').fill('الرقم في التعليق غير صحيح');
  await form.locator('button[type="submit"]').click();
  await item.locator('[data-majlis="report-received"]', { hasText: 'شكرًا لك' }).waitFor();
  const seen = (await call('GET', `/api/v1/moderation/comments/${c.id}`)).data;
  assert.deepEqual(seen.reports.reasons, { misinformation: 1 });
  assert.deepEqual(seen.reports.notes, ['الرقم في التعليق غير صحيح']);
  assert.equal(seen.status, 'approved', 'one report does not hold a comment');
  await ctx.close();
});

test('the no-JavaScript fragment posts and comes back to the article at #comment-<id>', async () => {
  const article = `embed/plain-${Date.now()}`;
  const url = `${BASE}/embed/demo?lang=ar`;
  assert.equal((await call('PUT', `/api/v1/admin/articles/${article}`, { url, title: 'Plain' })).status, 201);
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/embed/articles/${article}?lang=ar`);
  assert.equal(await page.locator('section.majlis').getAttribute('dir'), 'rtl');
  const form = page.locator('form[data-majlis="comment-form"]');
  await form.locator('[name="author"]').fill('قارئ بلا جافاسكربت');
  await form.locator('[name="email"]').fill('plain@example.com');
  await form.locator('[name="comment"]').fill('تعليق من النموذج العادي');
  await Promise.all([page.waitForURL(/#comment-\d+$/), form.locator('button[type="submit"]').click()]);
  assert.ok(page.url().startsWith(`${url}#comment-`), page.url());
  const id = page.url().split('#comment-')[1];
  const stored = await call('GET', `/api/v1/moderation/comments/${id}`);
  assert.equal(stored.data.body, 'تعليق من النموذج العادي');
  assert.equal(stored.data.article_id, article);
  await ctx.close();
});

test('script payloads in a name, a website and a body render as text', async () => {
  const article = `embed/xss-${Date.now()}`;
  const body = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  const c = await approved(article, {
    author_name: '<img src=x onerror=window.__pwned=3>', author_url: 'https://evil.example/"><script>window.__pwned=4</script>', body,
  });
  for (const path of ['widget', 'fragment']) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    if (path === 'widget') {
      await page.route(`${SITE}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html',
        body: `<div id="majlis-comments" data-article-id="${article}" data-lang="en"></div><script src="${BASE}/embed.js" async></script>` }));
      await page.goto(`${SITE}/a`);
    } else {
      await page.goto(`${BASE}/embed/articles/${article}?lang=en`);
    }
    const item = page.locator(`[data-comment-id="${c.id}"]`);
    await item.waitFor();
    assert.match(await item.textContent(), /<img src=x onerror="window.__pwned=1"><script>/);
    assert.equal(await item.locator('img, script').count(), 0, path);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, path);
    await ctx.close();
  }
});

test('the widget works on a page whose CSP allows only the comments host', async () => {
  const article = `embed/csp-${Date.now()}`;
  await approved(article, { body: 'Visible under a strict policy' });
  const csp = `default-src 'none'; script-src ${BASE}; connect-src ${BASE}`;
  const { page, ctx } = await sitePage({ article, lang: 'en', csp });
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await widget(page).locator('li', { hasText: 'Visible under a strict policy' }).waitFor();
  const form = widget(page).locator('form[data-majlis="comment-form"]');
  // Styled by its own sheet although the page allows no styles.
  assert.notEqual(await form.locator('button[type="submit"]').evaluate((b) => getComputedStyle(b).borderRadius), '0px');
  await form.locator('[name="author"]').fill('Strict');
  await form.locator('[name="email"]').fill('strict@example.com');
  await form.locator('[name="comment"]').fill('Posted across origins under a strict policy');
  await form.locator('button[type="submit"]').click();
  await widget(page).locator('li', { hasText: 'Posted across origins' }).waitFor();
  assert.deepEqual(violations, []);
  await ctx.close();
});

test('axe-core finds no serious violation in the widget, in both languages', async () => {
  const article = `embed/axe-${Date.now()}`;
  const first = await approved(article, { author_name: 'ليلى', body: 'تعليق للفحص' });
  await approved(article, { body: 'A reply', parent_id: first.id });
  for (const lang of ['ar', 'en']) {
    const { page, ctx } = await sitePage({ article, lang });
    await widget(page).locator('[data-comment-id]').first().waitFor();
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const result = await page.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    const serious = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0].target})`), [], lang);
    await ctx.close();
  }
});

test('the loader is under 5 KB gzipped and the whole widget under 15 KB', async () => {
  const loader = await (await fetch(`${BASE}/embed.js`)).text();
  const widgetPath = loader.match(/\/embed\/assets\/widget-[0-9a-f]{12}\.js/)[0];
  const widgetJs = await (await fetch(BASE + widgetPath)).text();
  const size = (s) => gzipSync(Buffer.from(s), { level: 9 }).length;
  assert.ok(size(loader) < 5 * 1024, `loader ${size(loader)} B`);
  assert.ok(size(loader) + size(widgetJs) < 15 * 1024, `widget ${size(loader) + size(widgetJs)} B`);
});

test('the demo page shows the widget, and the fragment is framable only by the site', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${BASE}/embed/demo?lang=en`);
  await widget(page).locator('form[data-majlis="comment-form"]').waitFor();
  const frag = await fetch(`${BASE}/embed/articles/demo/en?lang=en`);
  const ancestors = frag.headers.get('content-security-policy').split(';').find((d) => d.trim().startsWith('frame-ancestors'));
  assert.ok(ancestors.split(/\s+/).includes(SITE), ancestors);
  assert.equal(frag.headers.get('x-frame-options'), null);
  const other = await fetch(`${BASE}/embed/demo`);
  assert.equal(other.headers.get('x-frame-options'), 'DENY');
  await ctx.close();
});
