// Opens the verify page with no certificate named, in Debian's Chromium driven by
// playwright-core, picks FILE in its file input as a person would, and waits until #verdict
// has a verdict: `node document.mjs URL FILE`. Prints one JSON line with the verdict's
// data-status, its text, #why, #signer and each step's text.
import { chromium } from 'playwright-core';

const [pageUrl, file] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  // The page asks for a file first: nothing to verify yet.
  await page.waitForFunction(() => document.getElementById('verdict').textContent.includes('请选择文件'),
    null, { timeout: 45000, polling: 100 });
  await page.setInputFiles('#document', file);
  await page.waitForFunction(
    () => !['pending', undefined].includes(document.getElementById('verdict').dataset.status),
    null,
    { timeout: 45000, polling: 100 },
  );
  console.log(JSON.stringify(await page.evaluate(() => ({
    status: document.getElementById('verdict').dataset.status,
    verdict: document.getElementById('verdict').textContent,
    why: document.getElementById('why').hidden ? null : document.getElementById('why').textContent,
    signer: document.getElementById('signer-line').hidden ? null : document.getElementById('signer').textContent,
    steps: [...document.querySelectorAll('#steps li')].map((li) => li.textContent),
  }))));
} finally {
  await browser.close();
}
