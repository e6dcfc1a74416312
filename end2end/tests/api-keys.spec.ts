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
  cli(['keys', 'create', '--org', 'e2e-org', '--name', 'Seen by viewers', '--mode', 'live', '--scopes', '*']);
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
    cli(['keys', 'create', '--org', slug, '--name', `Key ${n}`, '--mode', 'test', '--scopes', '*']);
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
  cli(['keys', 'create', '--org', slug, '--name', 'Billing sync', '--mode', 'live', '--scopes', '*']);
  cli(['keys', 'create', '--org', slug, '--name', 'CI deploy', '--mode', 'test', '--scopes', '*']);
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

test('editing scopes takes effect on /v1 at once, and a roll keeps both keys working during the grace period', async ({ page }, testInfo) => {
  const created = JSON.parse(cli(['keys', 'create', '--org', 'e2e-org', '--name', 'Edit me', '--mode', 'test', '--scopes', '*']));
  const secret: string = created.secret;
  const call = (path: string, key: string) => page.request.get(path, { headers: { Authorization: `Bearer ${key}` } });
  expect((await call('/v1/audit', secret)).status()).toBe(200);

  await signIn(page);
  await waitForHydration(page);
  const row = page.getByTestId('key-row').filter({ hasText: 'Edit me' });
  await row.getByRole('button', { name: 'Edit Edit me' }).click();
  const edit = page.getByRole('dialog');
  await expect(edit.getByLabel('Name')).toHaveValue('Edit me');
  await edit.getByLabel('All scopes (*)').uncheck();
  await edit.getByLabel('Clients: read').check();
  await edit.getByLabel('Name').fill('Clients reader');
  await page.screenshot({ path: testInfo.outputPath('api-keys-edit-dialog.png'), fullPage: true });
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const edited = page.getByTestId('key-row').filter({ hasText: 'Clients reader' });
  await expect(edited).toContainText('clients:read');

  expect((await call('/v1/clients', secret)).status()).toBe(200);
  const forbidden = await call('/v1/audit', secret);
  expect(forbidden.status()).toBe(403);
  expect(await forbidden.text()).toBe('{"statusCode":403,"error":"Forbidden","message":"No access to this resource"}');

  await edited.getByRole('button', { name: 'Roll Clients reader' }).click();
  const roll = page.getByRole('dialog');
  await expect(roll.getByLabel('The old key stops working')).toHaveValue('24h');
  await expect(roll.getByTestId('roll-acts-for')).toContainText('The new key acts for you');
  await roll.getByLabel('The old key stops working').selectOption('1h');
  await roll.getByRole('button', { name: 'Roll key' }).click();
  const fresh = roll.getByTestId('new-secret');
  await expect(fresh).toHaveText(/^kw_test_/);
  const rolled = (await fresh.textContent()) ?? '';
  expect(rolled).not.toBe(secret);
  await page.screenshot({ path: testInfo.outputPath('api-keys-rolled.png'), fullPage: true });
  await roll.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('toast')).toContainText('rolled');

  expect((await call('/v1/clients', secret)).status()).toBe(200);
  expect((await call('/v1/clients', rolled)).status()).toBe(200);
  expect((await call('/v1/audit', rolled)).status()).toBe(403);
  const rows = page.getByTestId('key-row').filter({ hasText: 'Clients reader' });
  await expect(rows).toHaveCount(2);
  // Newest first: the replacement can be edited and rolled; the old half only revoked.
  await expect(rows.nth(0).getByRole('button', { name: 'Edit Clients reader' })).toHaveCount(1);
  await expect(rows.nth(1).getByRole('button', { name: 'Edit Clients reader' })).toHaveCount(0);
  await expect(rows.nth(1).getByRole('button', { name: 'Roll Clients reader' })).toHaveCount(0);
  await expect(rows.nth(1).getByRole('button', { name: 'Revoke Clients reader' })).toHaveCount(1);
});
