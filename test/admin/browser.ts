import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

const ROOT = join(import.meta.dirname, '..', '..');
/** Where each browser test saves its screenshot (kept out of git). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');
/** Debian's chromium (.ci/run installs it); CHROMIUM_PATH for another one. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Every wait of a browser test: a screen that takes longer is a failure. */
export const UI_TIMEOUT_MS = 20_000;

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // As root (CI) chromium refuses its sandbox; the pages are our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export async function newPage(browser: Browser, viewport = DESKTOP): Promise<Page> {
  // bypassCSP: the page's policy allows only its own scripts; axe is injected by the test.
  const context = await browser.newContext({
    viewport,
    bypassCSP: true,
    timezoneId: 'Europe/Stockholm',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Serious and critical accessibility violations of the page as it stands (axe-core), in words. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
}

/** True when the page is wider than its viewport (a horizontal scroll bar). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  // Runs in the page: its `document` (this file is compiled without the DOM's types).
  return page.evaluate(() => {
    const { documentElement } = (
      globalThis as unknown as {
        document: { documentElement: { scrollWidth: number; clientWidth: number } };
      }
    ).document;
    return documentElement.scrollWidth > documentElement.clientWidth;
  });
}
