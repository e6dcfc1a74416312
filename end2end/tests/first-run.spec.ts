import { OWNER, expect, setupLinkFromServerLog, test, waitForHydration } from './fixtures';

test('the one-time setup link creates the organization and signs the Owner in', async ({ page }, testInfo) => {
  const link = setupLinkFromServerLog();
  await page.goto(link);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Set up your organization' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('setup.png'), fullPage: true });

  await page.getByLabel('Organization name').fill(OWNER.org);
  await page.getByLabel('Your e-mail').fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByLabel('Repeat the password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create organization' }).click();

  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByTestId('org-name')).toHaveText(OWNER.org);
  await expect(page.getByTestId('plan')).toHaveText('Business');
  await expect(page.getByTestId('role')).toHaveText('Owner');
  await expect(page.getByTestId('signed-in-user')).toContainText(OWNER.email);
  await page.screenshot({ path: testInfo.outputPath('settings-api-keys.png'), fullPage: true });

  // Single use: the link now answers 404.
  const again = await page.request.get(link);
  expect(again.status()).toBe(404);
});
