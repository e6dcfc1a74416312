import { createOrganization, expect, signIn, test, waitForHydration } from './fixtures';

// An organization of its own: the shared Owner's sign-ins are throttled per account.
const EMAIL = 'lazy-owner@e2e.example';
const PASSWORD = 'a lazy pages owner password';

test.beforeAll(() => {
  createOrganization('Lazy Org', EMAIL, PASSWORD, 'business');
});

/** The settings pages loaded on first visit (app/src/lazy_pages.rs): sidebar link and heading. */
const LAZY_PAGES: [string, RegExp][] = [
  ['Signals', /\/settings\/signals$/],
  ['Alerts', /\/settings\/alerts$/],
  ['Members', /\/settings\/members$/],
  ['Workspaces', /\/settings\/workspaces$/],
  ['Audit Log', /\/settings\/audit-log$/],
  ['Billing', /\/settings\/billing$/],
];

const CHUNK = /\/(split|chunk)_[^/]+\.wasm$/;

test('the first page needs no chunk and each other page fetches its own, compressed and kept for a year', async ({ page }) => {
  const chunks: string[] = [];
  page.on('response', (response) => {
    if (CHUNK.test(new URL(response.url()).pathname)) chunks.push(response.url());
  });
  await signIn(page, EMAIL, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await waitForHydration(page);
  expect(chunks, 'the API Keys page is in the main bundle').toEqual([]);
  await expect(page.locator('link[rel="preload"][href$=".wasm"][href*="/split_"]')).toHaveCount(0);

  // Within one page load (a marker on window survives only client-side navigation),
  // twice round every page, the second time from cached chunks.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const sidebar = page.getByRole('navigation', { name: 'Settings' });
  for (const round of [1, 2]) {
    for (const [name, url] of LAZY_PAGES) {
      await sidebar.getByRole('link', { name }).click();
      await expect(page).toHaveURL(url);
      await expect(page.getByRole('heading', { name, level: 1 }), `round ${round}`).toBeVisible();
    }
  }
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(chunks.length, 'chunks fetched').toBeGreaterThanOrEqual(LAZY_PAGES.length);

  const chunk = await page.request.get(chunks[0], { headers: { 'Accept-Encoding': 'br' } });
  expect(chunk.status()).toBe(200);
  expect(chunk.headers()['content-encoding']).toBe('br');
  expect(chunk.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(chunk.headers()['content-type']).toBe('application/wasm');
});

test('a page opened directly is rendered by the server and hydrates after its chunk loads', async ({ page }) => {
  await signIn(page, EMAIL, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto('/settings/billing');
  await expect(page.getByRole('heading', { name: 'Billing', level: 1 })).toBeVisible();
  await waitForHydration(page);

  // Hydrated: the sidebar navigates without a page load.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members' }).click();
  await expect(page.getByRole('heading', { name: 'Members', level: 1 })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
});

test('a top-level page opened directly names its chunks for preloading', async ({ page }) => {
  await page.goto('/invite/not-a-real-invitation');
  // The invitation page's split, beside the main bundle (and the chunks it shares).
  await expect(page.locator('link[rel="preload"][href$=".wasm"][href*="/pkg/"][href*="/split___invite_route_view_"]')).toHaveCount(1);
  await waitForHydration(page);
});
