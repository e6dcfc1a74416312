import { test as base, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The Owner created by the first-run spec; the other specs sign in with it. */
export const OWNER = {
  org: 'E2E Org',
  email: 'owner@e2e.example',
  password: 'an e2e password with spaces',
};

type Options = {
  /** Console errors a spec expects (e.g. a deliberate 404); anything else fails the test. */
  allowedConsoleErrors: RegExp[];
};

/** Every test fails on uncaught page errors and unexpected console errors. */
export const test = base.extend<Options>({
  allowedConsoleErrors: [[], { option: true }],
  page: async ({ page, allowedConsoleErrors }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`uncaught page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (!allowedConsoleErrors.some((pattern) => pattern.test(text))) {
        problems.push(`console error: ${text}`);
      }
    });
    await use(page);
    expect(problems, 'the page logged errors').toEqual([]);
  },
});

export { expect };

/** The WASM bundle sets this once hydration has finished. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export async function signIn(page: Page, email = OWNER.email, password = OWNER.password) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The one-time setup link the server printed at start-up. */
export function setupLinkFromServerLog(): string {
  const logPath = process.env.KEYWARD_E2E_SERVER_LOG;
  if (!logPath) throw new Error('KEYWARD_E2E_SERVER_LOG is not set: run the suite with `make e2e`.');
  const match = readFileSync(logPath, 'utf8').match(/https?:\/\/\S+\/setup\?token=[A-Za-z0-9_-]+/);
  if (!match) throw new Error(`no setup link in ${logPath}`);
  return match[0];
}

/**
 * Runs the admin CLI (the server binary) against the suite's database, to set up what
 * the UI cannot yet: other organizations and plans, members, keys. Returns stdout.
 */
export function cli(args: string[], stdin = ''): string {
  const bin = process.env.KEYWARD_E2E_SERVER_BIN;
  if (!bin) throw new Error('KEYWARD_E2E_SERVER_BIN is not set: run the suite with `make e2e`.');
  const result = spawnSync(bin, args, { input: stdin, encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
  if (result.status !== 0) {
    throw new Error(`server ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

/** An organization with its Owner, created through the CLI; returns the slug. */
export function createOrganization(org: string, email: string, password: string, plan: string): string {
  const out = cli(['admin', 'create-owner', '--org', org, '--email', email, '--plan', plan], `${password}\n`);
  return out.trim().split('\n').pop() ?? '';
}
