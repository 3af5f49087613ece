// Scans a photo of a QR code on the verify page in Debian's Chromium, driven by playwright-core
// (which downloads no browser): `node scan.mjs PAGE_URL PHOTO.png`. Chromium on Linux has no
// BarcodeDetector, so the page decodes with its bundled jsQR. Prints one JSON line: the page's
// address, #verdict's data-status and #scan-message once the page has either opened a verdict
// for the scanned code or said why not.
import { chromium } from 'playwright-core';

const [pageUrl, photo] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  await page.setInputFiles('#photo', photo);
  const deadline = Date.now() + 30000;
  let seen = null;
  while (Date.now() < deadline) {
    try {
      seen = await page.evaluate(() => ({
        url: location.href,
        status: document.getElementById('verdict').dataset.status,
        message: document.getElementById('scan-message').textContent,
      }));
    } catch {
      seen = null; // navigating
    }
    const opened = seen && seen.url !== pageUrl && !['pending', undefined].includes(seen.status);
    const refused = seen && / · (not a|no QR|the photo cannot|this page was built|the QR decoder)/.test(seen.message);
    if (opened || refused) break;
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
