// Scans a QR code on the verify page in Debian's Chromium, driven by playwright-core (which
// downloads no browser): `node scan.mjs PAGE_URL photo PHOTO.png` chooses the photo;
// `node scan.mjs PAGE_URL camera VIDEO.y4m` taps Scan with Chromium's fake camera playing the
// video. Chromium on Linux has no BarcodeDetector, so the page decodes with its bundled jsQR.
// Prints one JSON line: the page's address, #verdict's data-status and #scan-message once the
// page has either opened a verdict for the scanned code or said why not.
import { chromium } from 'playwright-core';

const [pageUrl, source, file] = process.argv.slice(2);
const camera = source === 'camera'
  ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`]
  : [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', ...camera],
});
try {
  const context = await browser.newContext();
  if (source === 'camera') await context.grantPermissions(['camera']);
  const page = await context.newPage();
  await page.goto(pageUrl);
  if (source === 'camera') {
    await page.click('#scan-button');
  } else {
    await page.setInputFiles('#photo', file);
  }
  const deadline = Date.now() + 40000;
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
