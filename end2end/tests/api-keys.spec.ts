import { OWNER, cli, createOrganization, expect, signIn, test, waitForHydration } from './fixtures';

const INVALID_TOKEN = '{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}';

test('an Owner creates a key, sees the secret once, uses it on /v1, then revokes it', async ({ page, context }, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'API Keys', level: 1 })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('api-keys-before.png'), fullPage: true });

  await page.getByRole('button', { name: 'New key' }).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: 'New API key' })).toBeVisible();
  await expect(dialog.getByLabel('Test')).toBeChecked();
  await expect(dialog.getByLabel('All scopes (*)')).toBeChecked();
  await expect(dialog.getByLabel('Expires', { exact: true })).toHaveValue('90');
  await dialog.getByLabel('Name').fill('E2E integration');
  await dialog.getByLabel('Description (optional)').fill('created by Playwright');
  await page.screenshot({ path: testInfo.outputPath('api-keys-create-dialog.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Create key' }).click();

  const shown = dialog.getByTestId('new-secret');
  await expect(shown).toHaveText(/^kw_test_[0-9A-Za-z]{49}$/);
  const secret = (await shown.textContent()) ?? '';
  await expect(dialog.getByText('This is the only time the key is shown')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('api-keys-secret-once.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Copy key' }).click();
  await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await expect(page.getByTestId('toast')).toContainText('E2E integration');
  const row = page.getByTestId('key-row').filter({ hasText: 'E2E integration' });
  await expect(row).toContainText('created by Playwright');
  await expect(row.getByTestId('mode-pill')).toHaveText('Test');
  await expect(row).toContainText('All scopes');
  await expect(row).toContainText(`${secret.slice(0, 16)}…${secret.slice(-4)}`);
  await expect(row).toContainText('Never');
  await expect(row).toContainText(OWNER.email);
  await expect(row.getByTestId('status-pill')).toHaveText('Active');
  await expect(page.locator('body')).not.toContainText(secret);
  await page.screenshot({ path: testInfo.outputPath('api-keys-list.png'), fullPage: true });

  const whoami = await page.request.get('/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
  expect(whoami.status()).toBe(200);
  expect((await whoami.json()).name).toBe('E2E integration');

  // Reopening the dialog never shows the secret again, and Escape closes it.
  await page.getByRole('button', { name: 'New key' }).first().click();
  await expect(page.getByRole('dialog').getByRole('heading', { name: 'New API key' })).toBeVisible();
  await expect(page.getByTestId('new-secret')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await row.getByRole('button', { name: 'Revoke E2E integration' }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm.getByRole('heading')).toContainText('E2E integration');
  await expect(confirm).toContainText('immediate and permanent');
  await page.screenshot({ path: testInfo.outputPath('api-keys-revoke-dialog.png'), fullPage: true });
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(row.getByTestId('status-pill')).toHaveText('Revoked');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);

  const refused = await page.request.get('/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect(await refused.text()).toBe(INVALID_TOKEN);
});

test('a Viewer sees the same list read-only', async ({ page }, testInfo) => {
  cli(['keys', 'create', '--org', 'e2e-org', '--name', 'Seen by viewers', '--mode', 'live']);
  cli(['admin', 'add-member', '--org', 'e2e-org', '--email', 'viewer@e2e.example', '--role', 'viewer'], 'a viewer password with spaces\n');
  await signIn(page, 'viewer@e2e.example', 'a viewer password with spaces');
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await waitForHydration(page);
  await expect(page.getByTestId('role')).toHaveText('Viewer');
  const row = page.getByTestId('key-row').filter({ hasText: 'Seen by viewers' });
  await expect(row.getByTestId('mode-pill')).toHaveText('Live');
  await expect(row.getByRole('button', { name: 'Copy the ID of Seen by viewers' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'New key' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Revoke/ })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('api-keys-viewer.png'), fullPage: true });
});

test('a Starter organization gets an upgrade card instead of the list', async ({ page }, testInfo) => {
  createOrganization('Starter Co', 'starter@e2e.example', 'a starter password with spaces', 'starter');
  await signIn(page, 'starter@e2e.example', 'a starter password with spaces');
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  const card = page.getByTestId('upgrade-card');
  await expect(card).toContainText('not included in your plan');
  await expect(card.getByRole('link', { name: 'See plans' })).toHaveAttribute('href', '/settings/billing');
  await expect(page.getByTestId('keys-table')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('api-keys-starter.png'), fullPage: true });
});

test('at the plan limit New key is disabled and the page says why', async ({ page }, testInfo) => {
  const slug = createOrganization('Pro Co', 'pro@e2e.example', 'a professional password', 'professional');
  for (let n = 1; n <= 5; n++) {
    cli(['keys', 'create', '--org', slug, '--name', `Key ${n}`, '--mode', 'test']);
  }
  await signIn(page, 'pro@e2e.example', 'a professional password');
  await waitForHydration(page);
  await expect(page.getByTestId('key-row')).toHaveCount(5);
  await expect(page.getByRole('button', { name: 'New key' })).toBeDisabled();
  await expect(page.getByTestId('key-limit')).toContainText('allows 5 active keys');
  await page.screenshot({ path: testInfo.outputPath('api-keys-limit.png'), fullPage: true });
});

test('filters and search narrow the list', async ({ page }) => {
  const slug = createOrganization('Filter Co', 'filter@e2e.example', 'a filter password here', 'business');
  cli(['keys', 'create', '--org', slug, '--name', 'Billing sync', '--mode', 'live']);
  cli(['keys', 'create', '--org', slug, '--name', 'CI deploy', '--mode', 'test']);
  await signIn(page, 'filter@e2e.example', 'a filter password here');
  await waitForHydration(page);
  await expect(page.getByTestId('key-row')).toHaveCount(2);
  await page.getByLabel('Mode').selectOption('live');
  await expect(page.getByTestId('key-row')).toHaveCount(1);
  await expect(page.getByTestId('key-row')).toContainText('Billing sync');
  await page.getByLabel('Mode').selectOption('all');
  await page.getByLabel('Search').fill('ci dep');
  await expect(page.getByTestId('key-row')).toHaveCount(1);
  await expect(page.getByTestId('key-row')).toContainText('CI deploy');
});
