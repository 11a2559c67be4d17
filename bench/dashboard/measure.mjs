// How long the dashboard takes to show the queue's first 50 comments:
// from the start of navigation to /moderate/ (signed in) until 50 comment
// cards are in the page, read from the browser's performance clock; with
// the CPU at full speed and throttled 4x (a phone), ten loads each.
// Chromium as the browser tests launch it (tests/browser/lib.mjs).
import { launch } from '../../tests/browser/lib.mjs';


const BASE = process.env.MAJLIS_BT_BASE;
const PASSWORD = process.env.MAJLIS_BT_PASSWORD;
const RUNS = Number(process.env.RUNS || 10);

const browser = await launch();
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
