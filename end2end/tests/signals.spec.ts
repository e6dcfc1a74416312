import { spawnSync } from 'node:child_process';
import { cli, createOrganization, expect, signIn, test, waitForHydration } from './fixtures';

// An organization of its own: the shared Owner's sign-ins are throttled like anyone's.
const EMAIL = 'signals@e2e.example';
const PASSWORD = 'a signals password with spaces';
let slug = '';

test.beforeAll(() => {
  slug = createOrganization('Signals Org', EMAIL, PASSWORD, 'business');
});

/** What `keys create` prints: the key's fields and, once, its secret. */
type Created = { id: string; name: string; secret: string };

test('a denied scope raises a signal: a badge on the key row, the evidence on the key page, dismissed by the Owner', async ({ page }, testInfo) => {
  const created: Created = JSON.parse(
    cli(['keys', 'create', '--org', slug, '--name', 'Watched key', '--mode', 'test', '--scopes', 'clients:read']),
  );
  const denied = await page.request.get('/v1/audit', { headers: { Authorization: `Bearer ${created.secret}` } });
  expect(denied.status()).toBe(403);

  await signIn(page, EMAIL, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  // The meter writes every few seconds and the detector (every 2 s in this suite)
  // looks after it: reload until the badge is there.
  const row = page.getByTestId('key-row').filter({ hasText: 'Watched key' });
  await expect(async () => {
    await page.reload();
    await expect(row.getByTestId('signal-badge')).toHaveText(/Denied scope/, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await page.screenshot({ path: testInfo.outputPath('key-list-signal.png'), fullPage: true });

  await waitForHydration(page);
  await row.getByTestId('signal-badge').click();
  await expect(page).toHaveURL(new RegExp(`/settings/api-keys/${created.id}#signals$`));
  await waitForHydration(page);
  const signal = page.getByTestId('key-signals').getByTestId('signal');
  await expect(signal).toHaveCount(1);
  await expect(signal).toHaveAttribute('data-kind', 'denied_scope');
  await expect(signal).toContainText('1 request(s) denied for lack of audit:read');
  await signal.getByRole('button', { name: 'Dismiss the Denied scope signal on Watched key' }).click();
  await expect(signal).toHaveAttribute('data-status', 'dismissed');
  await expect(signal).toContainText(EMAIL);
  await expect(signal.getByRole('button', { name: /Dismiss/ })).toHaveCount(0);

  // The Signals page lists it as dismissed, no longer as open.
  await page.getByRole('link', { name: 'Signals', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/signals$/);
  await waitForHydration(page);
  const card = page.getByTestId('signals-card');
  await expect(card.getByTestId('signal').filter({ hasText: 'Watched key' })).toHaveCount(0);
  await card.getByRole('button', { name: 'Dismissed' }).click();
  await expect(card.getByRole('button', { name: 'Dismissed' })).toHaveAttribute('aria-pressed', 'true');
  await expect(card.getByTestId('signal').filter({ hasText: 'Watched key' })).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('signals-page.png'), fullPage: true });

  // Both the signal and its dismissal are in the key's history.
  await page.goto(`/settings/api-keys/${created.id}`);
  const activity = page.getByTestId('key-activity');
  await expect(activity.locator('[data-action="api_key.signal"]')).toHaveCount(1);
  await expect(activity.locator('[data-action="api_key.signal_dismissed"]')).toHaveCount(1);
});

test('business hours are chosen from the server\'s zones and kept', async ({ page }) => {
  await signIn(page, EMAIL, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto('/settings/signals');
  await waitForHydration(page);
  const form = page.getByTestId('business-hours');
  await expect(form.getByLabel('Time zone')).toBeDisabled();
  await form.getByTestId('hours-enabled').check();
  await form.getByLabel('Time zone').selectOption('Europe/Berlin');
  await form.getByLabel('Sat').check();
  await form.getByRole('button', { name: 'Save business hours' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');

  await page.reload();
  await waitForHydration(page);
  await expect(form.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
  await expect(form.getByLabel('Sat')).toBeChecked();
  await expect(form.getByLabel('Sun')).not.toBeChecked();
});

/** Moves a key's creation back in time, as if it had been issued `days` ago. */
function age(keyId: string, days: number) {
  const sql = `UPDATE api_keys SET created_at = created_at - interval '${days} days' WHERE id = '${keyId}'`;
  const result = spawnSync('psql', [process.env.DATABASE_URL ?? '', '-qc', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
}

test('a key that used only clients:read for 30 days is narrowed in one click through Edit', async ({ page }) => {
  const created: Created = JSON.parse(
    cli(['keys', 'create', '--org', slug, '--name', 'Broad key', '--mode', 'test', '--scopes', '*']),
  );
  const used = await page.request.get('/v1/clients', { headers: { Authorization: `Bearer ${created.secret}` } });
  expect(used.status()).toBe(200);
  age(created.id, 40);

  await signIn(page, EMAIL, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto(`/settings/api-keys/${created.id}`);
  // The footprint is written with the usage, every few seconds.
  const offer = page.getByTestId('narrow-offer');
  await expect(async () => {
    await page.reload();
    await expect(offer).toContainText('This key used only clients:read in 30 days', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await waitForHydration(page);
  await offer.getByRole('button', { name: 'Narrow scopes…' }).click();
  const edit = page.getByRole('dialog');
  await expect(edit.getByLabel('All scopes (*)')).not.toBeChecked();
  await expect(edit.getByLabel('Clients: read')).toBeChecked();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('key-config')).toContainText('clients:read');
  await expect(page.getByTestId('key-config')).not.toContainText('All scopes');
  expect((await page.request.get('/v1/audit', { headers: { Authorization: `Bearer ${created.secret}` } })).status()).toBe(403);
});
