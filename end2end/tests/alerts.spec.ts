import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { createOrganization, expect, signIn, test, waitForHydration } from './fixtures';

// An organization of its own (the shared Owner's sign-ins are throttled like anyone's),
// and a receiver on loopback: the suite's server allows private targets, a setting
// for tests only that production refuses.
const EMAIL = 'alerts@e2e.example';
const PASSWORD = 'an alerts password with spaces';
const received: { signature: string; body: string }[] = [];
let receiver: Server;
let port = 0;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
  });
}

test.beforeAll(async () => {
  createOrganization('Alerts Org', EMAIL, PASSWORD, 'business');
  receiver = createServer(async (request, response) => {
    received.push({ signature: String(request.headers['keyward-signature'] ?? ''), body: await readBody(request) });
    response.statusCode = 204;
    response.end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});

test.afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

test('an Owner adds an alert destination, keeps its secret, and a test alert arrives signed', async ({ page }, testInfo) => {
  await signIn(page, EMAIL, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.getByRole('link', { name: 'Alerts', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/alerts$/);
  await waitForHydration(page);

  const url = `http://127.0.0.1:${port}/keyward`;
  const form = page.getByTestId('add-destination');
  await form.getByLabel('Endpoint URL (https)').fill(url);
  await form.getByLabel(/Plan changes/).uncheck();
  await form.getByRole('button', { name: 'Add destination' }).click();
  const secret = (await form.getByTestId('alert-secret').textContent()) ?? '';
  expect(secret).toMatch(/^whsec_/);
  await form.getByRole('button', { name: 'Done' }).click();

  const destination = page.getByTestId('destination').filter({ hasText: url });
  await expect(destination).toContainText('Signals');
  await expect(destination).not.toContainText('Plan changes');
  await destination.getByRole('button', { name: `Send a test alert to ${url}` }).click();

  // The worker sends within a second or so; reload until the delivery shows.
  await expect(async () => {
    await page.reload();
    await expect(destination.getByTestId('delivery').first()).toHaveAttribute('data-status', 'delivered', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  expect(received).toHaveLength(1);
  const [{ signature, body }] = received;
  const [, t, v1] = signature.match(/^t=(\d+),v1=([0-9a-f]{64})$/) ?? [];
  expect(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')).toBe(v1);
  expect(JSON.parse(body).type).toBe('test');
  await page.screenshot({ path: testInfo.outputPath('alerts.png'), fullPage: true });

  // The secret is never shown again.
  expect(await page.content()).not.toContain(secret);
});
