// Opens every page of the supervision platform in Debian's Chromium (driven by playwright-core
// from the verify page's npm lockfile) at 1280 px and at 412 px, waits until its figures are
// in, and reads what a regulator sees: `node console.mjs URL SCREENSHOT-DIR`. Prints one JSON
// line: per page, the block it names, each figure, each table's rows and its downloaded CSV;
// and every console error (a CSP violation among them).
import { readFile } from 'node:fs/promises';
import { chromium } from '../../../wasm-verifier/web/node_modules/playwright-core/index.mjs';

const [base, shots] = process.argv.slice(2);
const PAGES = ['overview', 'certificates', 'instruments', 'credit', 'inspections', 'recognition', 'network'];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = { pages: {}, errors: [] };
try {
  for (const width of [1280, 412]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') result.errors.push(`${width}: ${m.text()}`); });
    page.on('pageerror', (e) => result.errors.push(`${width}: ${e.message}`));
    for (const id of PAGES) {
      await page.goto(`${base}/console?p=${id}`);
      await page.waitForFunction(() => document.body.dataset.ready !== '0', null, { timeout: 45000, polling: 100 });
      await page.screenshot({ path: `${shots}/console-${id}-${width}.png`, fullPage: true });
      if (width !== 1280) continue;
      const seen = await page.evaluate(() => ({
        ready: document.body.dataset.ready,
        error: document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
        at: { ...document.getElementById('at').dataset },
        figures: Object.fromEntries([...document.querySelectorAll('[data-figure]')]
          .map((f) => [f.dataset.figure, Number(f.dataset.value)])),
        tables: Object.fromEntries([...document.querySelectorAll('table[data-table]')]
          .map((t) => [t.dataset.table, { rows: Number(t.dataset.rows) }])),
        charts: [...document.querySelectorAll('[data-chart] canvas')].length,
      }));
      for (const name of Object.keys(seen.tables)) {
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 15000 }),
          page.click(`button[data-csv="${name}"]`),
        ]);
        seen.tables[name].csv = await readFile(await download.path(), 'utf8');
        seen.tables[name].file = download.suggestedFilename();
      }
      result.pages[id] = seen;
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
