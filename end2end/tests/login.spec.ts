import { OWNER, expect, signIn, test, waitForHydration } from './fixtures';

test('the password field toggle works, proving the page is hydrated', async ({ page }) => {
  await page.goto('/login');
  await waitForHydration(page);
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide' }).click();
  await expect(password).toHaveAttribute('type', 'password');
});

test('a wrong password shows a message and stays on the login page', async ({ page }, testInfo) => {
  await signIn(page, OWNER.email, 'definitely not the password');
  await expect(page.getByRole('alert')).toHaveText('Incorrect e-mail or password.');
  await expect(page).toHaveURL(/\/login$/);
  await page.screenshot({ path: testInfo.outputPath('login-wrong-password.png'), fullPage: true });
});

test('an anonymous visit to settings lands on the login page', async ({ page }) => {
  await page.goto('/settings/billing');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('signing in opens the settings shell, and signing out returns to the login page', async ({ page }, testInfo) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByTestId('org-name')).toHaveText(OWNER.org);
  await expect(page.getByRole('heading', { name: 'API Keys' })).toBeVisible();

  for (const [link, heading, file] of [
    ['Members', 'Members', 'settings-members.png'],
    ['Audit Log', 'Audit Log', 'settings-audit-log.png'],
    ['Billing', 'Billing', 'settings-billing.png'],
  ]) {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: link }).click();
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(file), fullPage: true });
  }
  await expect(page.getByTestId('current-plan')).toHaveText('Business');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/settings/api-keys');
  await expect(page).toHaveURL(/\/login$/);
});

test('the settings shell works at 360 px wide', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page);
  await expect(page.getByTestId('org-name')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Settings' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: testInfo.outputPath('settings-narrow.png'), fullPage: true });
});
