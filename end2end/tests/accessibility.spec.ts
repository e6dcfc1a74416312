import AxeBuilder from '@axe-core/playwright';
import { cli, expect, signIn, test, waitForHydration } from './fixtures';

// Every settings page, checked by axe-core against WCAG 2.1 A and AA (labels, names,
// contrast, landmarks, ARIA), and for horizontal overflow at 360 px.
const PAGES = ['/settings/api-keys', '/settings/members', '/settings/workspaces', '/settings/audit-log', '/settings/billing'];

async function violations(page: import('@playwright/test').Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations.map((v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function expectNoViolations(page: import('@playwright/test').Page, where: string) {
  expect(await violations(page, where)).toEqual([]);
}

test('the sign-in page passes the accessibility checks', async ({ page }) => {
  await page.goto('/login');
  await waitForHydration(page);
  await expectNoViolations(page, '/login');
});

test('every settings page passes the accessibility checks, on desktop and at 360 px', async ({ page }, testInfo) => {
  const created = JSON.parse(cli(['keys', 'create', '--org', 'e2e-org', '--name', 'Checked for accessibility', '--mode', 'live', '--scopes', '*']));
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  // Every page is checked before the verdict, so one run lists every problem.
  const found: string[] = [];
  const overflowing: string[] = [];
  for (const path of [...PAGES, `/settings/api-keys/${created.id}`]) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(path);
    await waitForHydration(page);
    await expect(page.locator('h1').first()).toBeVisible();
    found.push(...(await violations(page, path)));

    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) overflowing.push(`${path} overflows at 360 px by ${overflow} px`);
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
