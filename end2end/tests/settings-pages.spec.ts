import { OWNER, cli, createOrganization, expect, signIn, test, waitForHydration } from './fixtures';

/** What `keys create` prints: the key's fields and, once, its secret. */
type Created = { id: string; name: string; secret: string };

function createKey(name: string, mode = 'test'): Created {
  return JSON.parse(cli(['keys', 'create', '--org', 'e2e-org', '--name', name, '--mode', mode, '--scopes', '*']));
}

test('the audit log shows the events and never a secret', async ({ page }, testInfo) => {
  const created = createKey('Audited key');
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.getByRole('link', { name: 'Audit Log' }).click();
  await expect(page).toHaveURL(/\/settings\/audit-log$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Audit Log', level: 1 })).toBeVisible();
  await expect(page.getByTestId('chain-status')).toHaveAttribute('data-holds', 'true');
  await expect(page.getByTestId('chain-status')).toContainText('verified up to');

  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();
  await expect(page.locator('[data-testid="audit-row"][data-action="user.signed_in"]').first()).toContainText(OWNER.email);
  const keyEvent = page.locator('[data-testid="audit-row"][data-action="api_key.created"]').filter({ hasText: 'Audited key' });
  await expect(keyEvent).toHaveCount(1);
  await expect(keyEvent).toContainText('System (cli)');
  await page.screenshot({ path: testInfo.outputPath('audit-log.png'), fullPage: true });

  const html = await page.content();
  expect(html).not.toContain(created.secret);
  expect(html).not.toContain(created.secret.slice(-20));

  await page.getByTestId('audit-action-filter').selectOption('api_key.created');
  await expect(rows.first()).toHaveAttribute('data-action', 'api_key.created');
  const actions = await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-action')));
  expect(new Set(actions)).toEqual(new Set(['api_key.created']));

  await page.getByTestId('audit-action-filter').selectOption('all');
  await page.getByTestId('audit-actor-filter').selectOption({ label: OWNER.email });
  await expect(rows.filter({ hasText: 'System (cli)' })).toHaveCount(0);
  await expect(rows.first()).toContainText(OWNER.email);

  // The target links to the key's page.
  await page.getByTestId('audit-actor-filter').selectOption('all');
  await keyEvent.getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/settings/api-keys/${created.id}$`));
  await expect(page.getByTestId('key-name')).toHaveText('Audited key');
});

test('a key page shows its configuration, usage chart, footprint, request log and activity', async ({ page }, testInfo) => {
  const created = createKey('Charted key');
  for (let i = 0; i < 3; i++) {
    const response = await page.request.get('/v1/whoami', { headers: { Authorization: `Bearer ${created.secret}` } });
    expect(response.status()).toBe(200);
  }
  const refused = await page.request.get('/v1/nowhere', { headers: { Authorization: `Bearer ${created.secret}` } });
  expect(refused.status()).toBe(404);

  await signIn(page);
  await waitForHydration(page);
  await page.getByTestId('key-row').filter({ hasText: 'Charted key' }).getByRole('link', { name: 'Charted key' }).click();
  await expect(page).toHaveURL(new RegExp(`/settings/api-keys/${created.id}$`));
  await waitForHydration(page);
  await expect(page.getByTestId('key-config')).toContainText(created.id);
  await expect(page.getByTestId('key-config')).toContainText('All scopes');
  await expect(page.getByTestId('key-usage')).toContainText('not billed');

  // The meter writes every few seconds: reload until the four requests are in, in the
  // totals and in the chart (a CI run once saw the totals at 4 and the chart still at 0
  // after the same reload; it did not reproduce in a rerun of the suite).
  const chart = page.getByTestId('usage-chart');
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('usage-total')).toHaveText('4', { timeout: 1_000 });
    await expect(chart.locator('svg')).toHaveAttribute('aria-label', /4 in all/, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId('usage-succeeded')).toHaveText('3');
  await expect(page.getByTestId('usage-failed')).toHaveText('1');
  await expect(chart.locator('g.chart-bar')).toHaveCount(24);

  await waitForHydration(page);
  await page.getByRole('button', { name: '7 days' }).click();
  await expect(page.getByRole('button', { name: '7 days' })).toHaveAttribute('aria-pressed', 'true');
  await expect(chart.locator('g.chart-bar')).toHaveCount(7);
  await expect(page.getByTestId('usage-total')).toHaveText('4');

  // So did the footprint: one address; /whoami and an unknown route need no scope.
  const footprint = page.getByTestId('key-footprint');
  await expect(footprint.getByTestId('address-row')).toHaveCount(1);
  await expect(footprint.getByTestId('address-row')).toContainText('127.0.0.1');
  await expect(footprint.getByTestId('used-scopes')).toContainText('No request in the last 30 days needed a scope');
  await expect(footprint.getByTestId('unused-scopes')).toContainText('*');

  // The request log came with the same flush as the counts.
  const requests = page.getByTestId('key-requests');
  await expect(requests.getByTestId('request-row')).toHaveCount(4);
  await expect(requests.getByTestId('request-row').first()).toContainText('GET /v1/nowhere');
  await requests.getByRole('button', { name: '4xx' }).click();
  await expect(requests.getByRole('button', { name: '4xx' })).toHaveAttribute('aria-pressed', 'true');
  await expect(requests.getByTestId('request-row')).toHaveCount(1);
  await expect(requests.getByTestId('request-row')).toHaveAttribute('data-status', '404');
  await requests.getByRole('button', { name: '2xx' }).click();
  await expect(requests.getByTestId('request-row')).toHaveCount(3);

  const activity = page.getByTestId('key-activity');
  await expect(activity.locator('[data-action="api_key.created"]')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('key-details.png'), fullPage: true });

  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: testInfo.outputPath('key-details-360.png'), fullPage: true });
});

test('an Owner switches the plan on the Billing page and the switch is audited', async ({ page }, testInfo) => {
  const password = 'a billing password with spaces';
  createOrganization('Billing Org', 'billing@e2e.example', password, 'business');
  await signIn(page, 'billing@e2e.example', password);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.getByRole('link', { name: 'Billing' }).click();
  await waitForHydration(page);
  await expect(page.getByTestId('current-plan')).toHaveText('Business');
  await expect(page.getByTestId('usage-live')).toContainText('billable');
  await expect(page.getByTestId('usage-test')).toContainText('not billed');
  await page.screenshot({ path: testInfo.outputPath('billing.png'), fullPage: true });

  await page.getByRole('button', { name: 'Switch to Starter' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('every key stops working');
  await page.screenshot({ path: testInfo.outputPath('billing-switch-dialog.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Switch plan' }).click();
  await expect(page.getByTestId('plan')).toHaveText('Starter');
  await expect(page.getByTestId('current-plan')).toHaveText('Starter');

  await page.getByRole('link', { name: 'API Keys' }).click();
  await expect(page.getByTestId('upgrade-card')).toBeVisible();
  await page.getByRole('link', { name: 'Audit Log' }).click();
  const event = page.locator('[data-testid="audit-row"][data-action="organization.plan_changed"]');
  await expect(event).toContainText('business');
  await expect(event).toContainText('starter');
});

test('a Viewer cannot switch plans', async ({ page }) => {
  const password = 'a billing viewer password';
  cli(['admin', 'add-member', '--org', 'e2e-org', '--email', 'billing-viewer@e2e.example', '--role', 'viewer'], `${password}\n`);
  await signIn(page, 'billing-viewer@e2e.example', password);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.getByRole('link', { name: 'Billing' }).click();
  await waitForHydration(page);
  await expect(page.getByTestId('current-plan')).toBeVisible();
  await expect(page.getByText('Only Owners can change the plan.')).toBeVisible();
  await expect(page.getByRole('button', { name: /Switch to/ })).toHaveCount(0);
});

test('a member of two organizations switches between them', async ({ page }, testInfo) => {
  const password = 'a switcher password with spaces';
  createOrganization('Own Org', 'switcher@e2e.example', password, 'business');
  // An existing account joins another organization only by accepting an invitation itself.
  const printed = cli(['admin', 'invite', '--org', 'e2e-org', '--email', 'switcher@e2e.example', '--role', 'member']);
  const invitation = new URL(printed.trim().split('\n').pop() ?? '').pathname;
  createKey('Seen after switching');
  await signIn(page, 'switcher@e2e.example', password);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto(invitation);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/members$/);
  await page.goto('/settings/api-keys');
  await waitForHydration(page);
  const switcher = page.getByTestId('org-switcher');
  const before = (await switcher.getByTestId('org-name').textContent()) ?? '';
  const target = before === 'E2E Org' ? 'Own Org' : 'E2E Org';
  await switcher.locator('summary').click();
  await expect(switcher.getByRole('button')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('org-switcher-open.png'), fullPage: true });
  await switcher.getByRole('button', { name: new RegExp(target) }).click();
  await expect(page.getByTestId('org-name')).toHaveText(target);
  await waitForHydration(page);
  await expect(page.getByTestId('role')).toHaveText(target === 'E2E Org' ? 'Member' : 'Owner');
  await expect(page.getByTestId('key-row').filter({ hasText: 'Seen after switching' })).toHaveCount(target === 'E2E Org' ? 1 : 0);
  await page.screenshot({ path: testInfo.outputPath('org-switched.png'), fullPage: true });
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('org-name')).toHaveText(target);
});

test('an Owner adds and renames a workspace and opens its keys', async ({ page }, testInfo) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.getByRole('link', { name: 'Workspaces' }).click();
  await expect(page).toHaveURL(/\/settings\/workspaces$/);
  await waitForHydration(page);

  await page.getByRole('button', { name: 'New workspace' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('E2E Mobile');
  await dialog.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByTestId('toast')).toContainText('E2E Mobile');
  const row = page.getByTestId('workspace-row').filter({ hasText: 'E2E Mobile' });
  await expect(row).toContainText('e2e-mobile');
  await expect(row.getByTestId('workspace-keys')).toHaveText('0 active · 0 in all');

  cli(['keys', 'create', '--org', 'e2e-org', '--name', 'Mobile key', '--mode', 'test', '--scopes', '*', '--workspace', 'e2e-mobile']);
  await row.getByRole('button', { name: 'Rename E2E Mobile' }).click();
  await expect(dialog.getByLabel('Name')).toHaveValue('E2E Mobile');
  await dialog.getByLabel('Name').fill('E2E iOS');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  const renamed = page.getByTestId('workspace-row').filter({ hasText: 'E2E iOS' });
  await expect(renamed).toContainText('e2e-mobile');
  await expect(renamed.getByTestId('workspace-keys')).toHaveText('1 active · 1 in all');
  await page.screenshot({ path: testInfo.outputPath('workspaces.png'), fullPage: true });

  await renamed.getByTestId('workspace-keys').click();
  await expect(page).toHaveURL(/\/settings\/api-keys\?workspace=/);
  await waitForHydration(page);
  await expect(page.getByTestId('key-row')).toHaveCount(1);
  await expect(page.getByTestId('key-row')).toContainText('Mobile key');
  await expect(page.getByRole('search').getByLabel('Workspace')).toHaveValue(/^[0-9a-f-]{36}$/);
});
