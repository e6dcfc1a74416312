import AxeBuilder from '@axe-core/playwright';
import { cli, expect, signIn, test, waitForHydration } from './fixtures';

// Every settings page, checked by axe-core against WCAG 2.1 A and AA (labels, names,
// contrast, landmarks, ARIA), and for horizontal overflow at 1280 px and at 360 px: of
// the page, and of every table (a table that scrolls sideways hides its last columns).
const EVERY_SCOPE = 'clients:read,clients:write,envelopes:read,envelopes:write,verifications:read,verifications:write,webhooks:write,audit:read';
const PAGES = ['/settings/api-keys', '/settings/signals', '/settings/alerts', '/settings/members', '/settings/workspaces', '/settings/audit-log', '/settings/billing'];

async function violations(page: import('@playwright/test').Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations.map((v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page, and each table, is wider than the screen (only those that are). */
async function overflows(page: import('@playwright/test').Page, where: string): Promise<string[]> {
  const found = await page.evaluate(() => {
    const wider = (el: Element) => el.scrollWidth - el.clientWidth;
    return [
      ['page', wider(document.documentElement)],
      ...[...document.querySelectorAll('.table-wrap')].map((el) => [el.querySelector('table')?.dataset.testid ?? 'table', wider(el)]),
    ].filter(([, by]) => (by as number) > 0);
  });
  return found.map(([what, by]) => `${where}: ${what} overflows by ${by} px`);
}

async function expectNoViolations(page: import('@playwright/test').Page, where: string) {
  expect(await violations(page, where)).toEqual([]);
}

test('the sign-in page passes the accessibility checks', async ({ page }) => {
  await page.goto('/login');
  await waitForHydration(page);
  await expectNoViolations(page, '/login');
});

test('every settings page passes the accessibility checks and fits the screen at 1280 x 800 and at 360 px', async ({ page }, testInfo) => {
  const created = JSON.parse(cli(['keys', 'create', '--org', 'e2e-org', '--name', 'Checked for accessibility', '--mode', 'live', '--scopes', '*']));
  // The widest row a key list has: a long name and every scope. The newest key comes
  // first, so this is the first row.
  const widest = 'Nightly reconciliation of client envelopes';
  cli(['keys', 'create', '--org', 'e2e-org', '--name', widest, '--mode', 'test', '--scopes', EVERY_SCOPE]);
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  // Every page is checked before the verdict, so one run lists every problem.
  const found: string[] = [];
  const overflowing: string[] = [];
  for (const path of [...PAGES, `/settings/api-keys/${created.id}`]) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(path);
    await waitForHydration(page);
    await expect(page.locator('h1').first()).toBeVisible();
    found.push(...(await violations(page, path)));
    overflowing.push(...(await overflows(page, `${path} at 1280 px`)));
    if (path === '/settings/api-keys') {
      // On a laptop screen the first row's actions are in view without scrolling sideways.
      const first = page.getByTestId('key-row').first();
      await expect(first).toContainText(widest);
      for (const action of ['Copy the ID of', 'Edit', 'Roll', 'Revoke']) {
        await expect(first.getByRole('button', { name: `${action} ${widest}` })).toBeInViewport({ ratio: 1 });
      }
    }

    await page.setViewportSize({ width: 360, height: 800 });
    overflowing.push(...(await overflows(page, `${path} at 360 px`)));
    const name = path.replace(/^\/settings\//, '').replace(/\//g, '-');
    await page.screenshot({ path: testInfo.outputPath(`${name}-360.png`), fullPage: true });
  }
  expect(found).toEqual([]);
  expect(overflowing).toEqual([]);
});

test('the dialogs are reachable and usable with the keyboard alone', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await waitForHydration(page);
  const newKey = page.getByRole('button', { name: 'New key' }).first();
  await newKey.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expectNoViolations(page, 'create dialog');
  // The page behind the modal dialog is inert: Tab never lands on it (past the last
  // control, focus may leave for the browser's own UI, which leaves it on <body>).
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    const inDialogOrNowhere = await dialog.evaluate(
      (el) => document.activeElement === document.body || el.contains(document.activeElement),
    );
    expect(inDialogOrNowhere).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});
