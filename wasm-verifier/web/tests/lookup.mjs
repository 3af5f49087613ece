// Opens the verify page with nothing named, types TEXT into its lookup as a person without a
// QR code would, submits, and waits for the verdict of what it named: `node lookup.mjs URL
// TEXT`. Prints one JSON line: the address it went to, #verdict's data-status, and
// #instrument-status's, if any.
import { chromium } from 'playwright-core';

const [pageUrl, text] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  await page.waitForSelector('#lookup:not([hidden])', { timeout: 45000 });
  await page.fill('#lookup-input', text);
  await Promise.all([page.waitForNavigation({ timeout: 45000 }), page.click('#lookup button')]);
  await page.waitForFunction(
    () => !['pending', undefined].includes(document.getElementById('verdict').dataset.status),
    null,
    { timeout: 45000, polling: 100 },
  );
  console.log(JSON.stringify(await page.evaluate(() => ({
    url: location.href,
    status: document.getElementById('verdict').dataset.status,
    instrument: document.getElementById('instrument-status')?.dataset.status ?? null,
  }))));
} finally {
  await browser.close();
}
