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
/**
 * After the seed, the app runs for a moment on a market that fails every call, with
 * sagas parked at their first failed turn: one order placed then is parked for the
 * operations screen, where the test retries it on the market working again.
 */
const FAILING_MARKET = { LEDGER_MARKET_FAILURE_RATE: '1', LEDGER_SAGA_MAX_ATTEMPTS: '1' };
const PARK_TIMEOUT_MS = 30_000;

let app: AdminApp;
let browser: Browser;

beforeAll(async () => {
  app = await startAdminApp(SEEDED_CUSTOMERS, FAILING_MARKET, parkOneSaga);
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function graphql<T>(url: string, query: string, token: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(PARK_TIMEOUT_MS),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.data === undefined || body.errors !== undefined) throw new Error(JSON.stringify(body));
  return body.data;
}

/** An order placed on the failing market, and waited for until its saga is parked. */
async function parkOneSaga(url: string, env: NodeJS.ProcessEnv): Promise<void> {
  const { secret } = await loadOrCreateJwtSecret(env['LEDGER_DATA_DIR']!);
  const claims = { issuer: undefined, audience: undefined };
  const request = { sub: 'browser-test', roles: ['admin' as const], ttlSeconds: 600 };
  const { token } = await mintToken(secret, request, claims);
  const opened = await graphql<{ openAccount: { id: string } }>(
    url,
    'mutation { openAccount(input: { customerId: "parked", name: "Parked", currency: "USD" }) { id } }',
    token,
  );
  const account = opened.openAccount.id;
  await graphql(
    url,
    `mutation { depositFunds(input: { accountId: "${account}", amount: "500.00", reference: "Wire" }) { id } }`,
    token,
  );
  const placed = await graphql<{ placeOrder: { id: string } }>(
    url,
    `mutation { placeOrder(input: { accountId: "${account}", side: BUY, type: LIMIT, instrument: "MSFT", quantity: "1", limitPrice: "100.00" }) { id } }`,
    token,
  );
  const deadline = Date.now() + PARK_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { parkedSagas } = await graphql<{ parkedSagas: { orderId: string }[] }>(
      url,
      '{ parkedSagas { orderId } }',
      token,
    );
    if (parkedSagas.some((saga) => saga.orderId === placed.placeOrder.id)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the saga of order ${placed.placeOrder.id} was not parked in time`);
}

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

  it('rebuilds a projection with live progress, retries a parked saga, halts and resumes an instrument', async () => {
    const page = await signedIn();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Operations' })
      .click();
    await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Rebuild accounts' }).click();
    const accounts = page.getByRole('row').filter({ hasText: 'Rebuild accounts' });
    await accounts.getByText(/Rebuild done: \d+ events, swapped in/).waitFor();

    const parked = page.getByRole('region', { name: 'Parked sagas' }).locator('tbody tr');
    expect(await parked.count()).toBeGreaterThan(0);
    const orderId = (await parked.first().locator('th').textContent())!;
    await parked.first().getByRole('button', { name: 'Retry' }).click();
    await parked.first().getByRole('button', { name: 'Confirm retry' }).click();
    // The saga ran again on a working market and left the parked list.
    await expect.poll(() => page.getByRole('row').filter({ hasText: orderId }).count()).toBe(0);

    await page.getByRole('button', { name: 'Halt AAPL' }).click();
    await page.getByRole('button', { name: 'Confirm halt aapl' }).click();
    await page.getByRole('button', { name: 'Resume AAPL' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'operations');
    await page.getByRole('button', { name: 'Resume AAPL' }).click();
    await page.getByRole('button', { name: 'Halt AAPL' }).waitFor();

    await page.setViewportSize(PHONE);
    expect(await scrollsSideways(page)).toBe(false);
    await page.context().close();
  });

  it('time-travels an account to a statement line and finds the balance the statement shows', async () => {
    const page = await signedIn();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Accounts' })
      .click();
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    await page.locator('tbody th a').first().click();
    await page.getByRole('heading', { name: /^Account / }).waitFor();

    const lines = page.getByRole('table', { name: /Statement/ }).locator('tbody tr');
    await lines.first().waitFor();
    const line = lines.nth((await lines.count()) > 1 ? 1 : 0);
    const balanceThen = (await line.locator('td').nth(4).textContent())!;
    await line.getByRole('button', { name: 'See the account then' }).click();
    await expect.poll(() => page.getByTestId('balance-then').textContent()).toBe(balanceThen);

    const slider = page.getByRole('slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('balance-then').textContent()).toMatch(/0\.00/);
    await expectAccessible(page);
    await screenshot(page, 'account');

    await page.setViewportSize(PHONE);
    expect(await scrollsSideways(page)).toBe(false);
    await page.context().close();
  });
});
