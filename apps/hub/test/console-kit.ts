/** The console in a real browser (Debian's chromium through playwright-core) against a test hub. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { bootHub, type TestHub, type TestPrincipal } from './http-test-kit';

/** Where the console tests keep their screenshots and downloads. */
export const CONSOLE_ARTIFACTS = join(__dirname, '../../../test-artifacts/console');

/**
 * Compiles the console's TypeScript as `npm run build` does (its own tsconfig, into
 * dist/apps/hub/console, where the hub serves its scripts from), so the browser runs this tree's code.
 */
function compileConsole(): void {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, '../console/tsconfig.json')],
    { stdio: 'inherit' },
  );
}

/** Debian's chromium on the PATH (scripts/ensure-deps.sh installs it), or CHROMIUM_PATH. */
function chromiumPath(): string {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'chromium'));
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new Error(
      'chromium is not installed: run scripts/ensure-deps.sh (Debian package chromium) or set CHROMIUM_PATH.',
    );
  return found;
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The visible text of each cell of a table row. */
export const cellsOf = (row: Locator): Promise<string[]> => row.locator('td').allInnerTexts();

/** A hub time as the console shows it (UK time). */
export const shownTime = (iso: string | Date): string =>
  new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London' });

/** A test hub serving this tree's console, and a browser to open it in. */
export interface ConsoleUnderTest {
  readonly hub: TestHub;
  /** The hub's own origin, e.g. `http://127.0.0.1:41234`. */
  readonly baseUrl: string;
  readonly browser: Browser;
  /** Opens the console in a browser context of its own (its own cookies) and signs in with the form. */
  signIn(principal: TestPrincipal, options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

/** Compiles the console, boots a hub with the test principals and launches chromium. */
export async function startConsole(): Promise<ConsoleUnderTest> {
  mkdirSync(CONSOLE_ARTIFACTS, { recursive: true });
  compileConsole();
  const hub = await bootHub();
  const baseUrl = `http://127.0.0.1:${((hub.app.getHttpServer() as Server).address() as AddressInfo).port}`;
  const browser = await launchChromium().catch(async (error: unknown) => {
    await hub.close();
    throw error;
  });
  return {
    hub,
    baseUrl,
    browser,
    async signIn(principal, options) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console`);
      await page.getByLabel('User id').fill(principal.id);
      await page.getByLabel('Secret').fill(principal.secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    },
    async close() {
      await browser.close();
      await hub.close();
    },
  };
}

/** Opens a view of the console from its navigation. */
export async function openView(page: Page, link: string): Promise<void> {
  await page.getByRole('link', { name: link }).click();
}
