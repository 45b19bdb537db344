// Walks the social sign-in as a person does, in headless Chromium (Debian's, driven by
// playwright-core): open the start URL, sign in on the provider's page, consent, and print
// where the browser ended and what the page says, as one JSON line.
// Usage: node browser.mjs <start url> <login>
import { chromium } from 'playwright-core';

const [startUrl, login] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const seen = [];
try {
  const page = await browser.newPage();
  await page.goto(startUrl);
  seen.push(page.url());
  if (await page.locator('input[name="login"]').count()) {
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    seen.push(page.url());
  }
  if (await page.locator('button[type="submit"]').count()) { // the consent page
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
  await page.waitForLoadState('load');
  const body = await page.evaluate(() => document.body.innerText);
  console.log(JSON.stringify({ url: page.url(), seen, body }));
} finally {
  await browser.close();
}
