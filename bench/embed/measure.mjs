// The embed widget on an article page of another origin (served by
// Playwright): time from the thread's data arriving (the listing's
// responseEnd) to the frame after the thread is drawn, the page's
// cumulative layout shift, and the scripts' gzipped sizes. Ten loads each
// with the CPU at full speed and throttled 4x.
// Chromium as the browser tests launch it (tests/browser/lib.mjs).
import { launch } from '../../tests/browser/lib.mjs';
import { gzipSync } from 'node:zlib';


const BASE = process.env.MAJLIS_BT_BASE;
const SITE = 'http://news.localhost';
const RUNS = Number(process.env.RUNS || 10);

const loader = await (await fetch(`${BASE}/embed.js`)).text();
const widgetPath = loader.match(/\/embed\/assets\/widget-[0-9a-f]{12}\.js/)[0];
const widget = await (await fetch(BASE + widgetPath)).text();
const gz = (s) => gzipSync(Buffer.from(s), { level: 9 }).length;
console.log(`embed: loader ${gz(loader)} B gzipped, widget ${gz(widget)} B, together ${gz(loader) + gz(widget)} B`);

const browser = await launch(['--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights']);
// An article page: text, the comments, then the footer that a layout
// shift would move. The page reserves the widget's box in its own
// stylesheet, as the README says (the loader runs after the first paint,
// too late to reserve it without a shift); RESERVE=0 leaves it out.
const reserve = process.env.RESERVE === '0' ? '' : '<style>#majlis-comments{min-height:40rem}</style>';
const article = `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>Article</title>${reserve}</head><body>
<h1>عنوان المقال</h1>${'<p>فقرة من نص المقال تملأ الشاشة قبل التعليقات.</p>'.repeat(6)}
<div id="majlis-comments" data-article-id="bench/embed" data-lang="ar"></div>
<footer><p>تذييل الصفحة</p></footer>
<script src="${BASE}/embed.js" async></script></body></html>`;
const quantile = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
for (const rate of [1, 4]) {
  const draws = [];
  const shifts = [];
  for (let i = 0; i < RUNS + 1; i += 1) {
    const ctx = await browser.newContext({ viewport: { width: 800, height: 900 } });
    const page = await ctx.newPage();
    await page.route(`${SITE}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: article }));
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    await page.addInitScript(() => {
      window.__cls = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.hadRecentInput) continue;
          window.__cls += e.value;
          (window.__shifts = window.__shifts || []).push({ value: e.value, at: e.startTime,
            sources: (e.sources || []).map((x) => `${x.node ? x.node.nodeName + (x.node.id ? '#' + x.node.id : '') : '?'} ${JSON.stringify(x.previousRect)}->${JSON.stringify(x.currentRect)}`) });
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    await page.goto(`${SITE}/article`);
    await page.waitForFunction(() => performance.getEntriesByName('majlis:drawn').length > 0, null, { timeout: 30000 });
    const drawn = await page.evaluate(() => {
      const list = performance.getEntriesByType('resource').find((e) => e.name.includes('/comments?'));
      const mark = performance.getEntriesByName('majlis:drawn')[0];
      const shown = document.getElementById('majlis-comments').shadowRoot.querySelectorAll('[data-comment-id]').length;
      return { ms: mark.startTime - list.responseEnd, shown };
    });
    if (drawn.shown < 50) throw new Error(`only ${drawn.shown} comments drawn`);
    await page.waitForTimeout(500);
    const cls = await page.evaluate(() => window.__cls);
    if (process.env.DEBUG && cls > 0) console.log(JSON.stringify(await page.evaluate(() => window.__shifts)));
    if (i > 0) { draws.push(drawn.ms); shifts.push(cls); } // the first load warms the caches
    await ctx.close();
  }
  console.log(`embed: ${reserve ? 'box reserved by the page' : 'no reservation by the page'}, CPU x${rate}: 50 comments drawn ${quantile(draws, 0.5).toFixed(0)} ms (median), ` +
    `max ${Math.max(...draws).toFixed(0)} ms after their data arrived; layout shift max ${Math.max(...shifts).toFixed(4)} over ${RUNS} loads`);
}
await browser.close();
