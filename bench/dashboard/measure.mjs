// How long the dashboard takes to show the queue's first 50 comments:
// from the start of navigation to /moderate/ (signed in) until 50 comment
// cards are in the page, read from the browser's performance clock; with
// the CPU at full speed and throttled 4x (a phone), ten loads each.
import { createRequire } from 'node:module';

// playwright-core as the browser tests install it (tests/browser).
const require = createRequire(process.env.BROWSER_TESTS_PACKAGE);
const { chromium } = require('playwright-core');

const BASE = process.env.MAJLIS_BT_BASE;
const PASSWORD = process.env.MAJLIS_BT_PASSWORD;
const RUNS = Number(process.env.RUNS || 10);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const quantile = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
for (const rate of [1, 4]) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.addInitScript(() => localStorage.setItem('majlis.lang', 'ar'));
  await page.goto(`${BASE}/moderate/`);
  await page.fill('[data-majlis="login"] input[name="email"]', 'admin@news.example');
  await page.fill('[data-majlis="login"] input[name="password"]', PASSWORD);
  await page.click('[data-majlis="login"] button[type="submit"]');
  await page.locator('[data-status="pending"]').waitFor();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  const times = [];
  for (let i = 0; i < RUNS + 1; i += 1) {
    await page.goto(`${BASE}/moderate/`);
    await page.waitForFunction(() => document.querySelectorAll('.comment').length >= 50, null, { polling: 'raf' });
    const ms = await page.evaluate(() => performance.now());
    if (i > 0) times.push(ms); // the first load fills the browser's cache
  }
  // The cards measured are full ones: an article title link, and replies
  // with their parent's excerpt.
  const links = await page.locator('.comment .where a').count();
  const parents = await page.locator('.comment .parent').count();
  if (links < 50 || parents < 20) throw new Error(`cards without context: ${links} titles, ${parents} parents`);
  console.log(`dashboard: CPU x${rate}: first 50 comments on screen in median ${quantile(times, 0.5).toFixed(0)} ms, ` +
    `max ${Math.max(...times).toFixed(0)} ms over ${RUNS} loads`);
  await ctx.close();
}
await browser.close();
