// Opens a verify page in Debian's Chromium, driven by playwright-core, and waits in real time
// (a node that never answers must meet the page's own timeout, which a virtual clock would not
// reach) until #verdict has a verdict: `node verdict.mjs URL`. Prints one JSON line with the
// verdict's data-status, #note and each step's text.
import { chromium } from 'playwright-core';

const [pageUrl] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(
    () => document.getElementById('verdict').dataset.status !== 'pending',
    null,
    { timeout: 45000, polling: 100 },
  );
  console.log(JSON.stringify(await page.evaluate(() => ({
    status: document.getElementById('verdict').dataset.status,
    note: document.getElementById('note').textContent,
    steps: [...document.querySelectorAll('#steps li')].map((li) => li.textContent),
  }))));
} finally {
  await browser.close();
}
