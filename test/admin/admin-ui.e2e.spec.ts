import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/api/auth/token-minter.js';
import { loadOrCreateJwtSecret } from '../../src/api/auth/jwt-secret-file.js';
import { type AdminApp, startAdminApp } from './admin-app.js';
import {
  PHONE,
  launchBrowser,
  newPage,
  screenshot,
  scrollsSideways,
  seriousViolations,
} from './browser.js';

/** A small history: enough for every screen to have something to show, quick to write. */
const SEEDED_CUSTOMERS = 4;

let app: AdminApp;
let browser: Browser;

beforeAll(async () => {
  app = await startAdminApp(SEEDED_CUSTOMERS);
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function tokenFor(roles: ('admin' | 'customer')[], ttlSeconds: number): Promise<string> {
  const { secret } = await loadOrCreateJwtSecret(app.dataDir);
  const claims = { issuer: undefined, audience: undefined };
  return (await mintToken(secret, { sub: 'browser-test', roles, ttlSeconds }, claims)).token;
}

/** A page signed in through the development shortcut, on the dashboard. */
async function signedIn(viewport?: { width: number; height: number }): Promise<Page> {
  const page = await newPage(browser, viewport);
  await page.goto(`${app.url}/admin`);
  await page.getByRole('button', { name: 'Sign in as admin' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  return page;
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
}

describe('the admin UI in a browser', () => {
  it('says in words why a token cannot sign in, and signs in as admin in development', async () => {
    const page = await newPage(browser);
    await page.goto(`${app.url}/admin`);
    const token = page.getByLabel('Admin bearer token');
    const alert = page.getByRole('alert');

    await token.fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => alert.textContent()).toContain('not a bearer token');

    await token.fill(await tokenFor(['customer'], 3_600));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => alert.textContent()).toContain('without the admin role');

    const expiring = await tokenFor(['admin'], 1);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await token.fill(expiring);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => alert.textContent()).toContain('expired');
    await expectAccessible(page);
    await screenshot(page, 'login');

    await page.getByRole('button', { name: 'Sign in as admin' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.context().close();
  });

  it('reads the dashboard: totals, charts with their position, a range that drives them', async () => {
    const page = await signedIn();
    const accounts = page.locator('.card', { hasText: 'Open accounts' }).locator('.figure');
    await accounts.waitFor();
    expect(Number(await accounts.textContent())).toBeGreaterThanOrEqual(SEEDED_CUSTOMERS);
    const custody = page.locator('.card', { hasText: 'Cash under custody' });
    expect(await custody.textContent()).toMatch(/\$\d[\d,]*\.\d\d/);
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.getByText(/as of position \d+\.\d+/).count()).toBeGreaterThanOrEqual(4);

    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await page.locator('.chart canvas').first().waitFor();
    await expectAccessible(page);
    await screenshot(page, 'dashboard');

    await page.setViewportSize(PHONE);
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'dashboard-phone');
    await page.context().close();
  });

  it('searches orders by words and facets, and opens one with its events', async () => {
    const page = await signedIn();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Orders' })
      .click();
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
    await page.getByLabel('Search orders').fill('completed');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const firstOrder = page.locator('tbody th a').first();
    await firstOrder.waitFor();
    const statuses = page.getByRole('group', { name: 'Status' });
    expect(await statuses.getByRole('checkbox').count()).toBeGreaterThanOrEqual(1);
    await expectAccessible(page);
    await screenshot(page, 'orders');

    const orderId = (await firstOrder.textContent())!;
    await firstOrder.click();
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    const lifecycle = page.getByRole('region', { name: 'Lifecycle events' });
    await lifecycle.getByRole('row').nth(1).waitFor();
    expect(await lifecycle.textContent()).toMatch(/Order placed/i);
    await expectAccessible(page);
    await screenshot(page, 'order');

    await page.setViewportSize(PHONE);
    expect(await scrollsSideways(page)).toBe(false);
    await page.goBack();
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await page.context().close();
  });
});
