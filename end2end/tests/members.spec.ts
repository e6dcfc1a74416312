import { createOrganization, expect, signIn, test, waitForHydration } from './fixtures';

const OWNER = { org: 'Members Co', email: 'members-owner@e2e.example', password: 'a members owner password' };
const INVITEE = { email: 'invitee@e2e.example', password: 'the invitee chose this one' };

test('an Owner invites, the invitee joins by the link, gets a new role, and is removed', async ({ page, browser }, testInfo) => {
  createOrganization(OWNER.org, OWNER.email, OWNER.password, 'business');
  await signIn(page, OWNER.email, OWNER.password);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto('/settings/members');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Members', level: 1 })).toBeVisible();
  await expect(page.getByTestId('member-row')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('members-owner-alone.png'), fullPage: true });

  // Invite: the link is shown once.
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: 'Invite a member' })).toBeVisible();
  await expect(dialog.getByLabel('Role')).toHaveValue('member');
  // No mail server in this suite: the inviter is told plainly who can use the link.
  await expect(dialog.getByTestId('invite-delivery')).toContainText('can claim');
  await dialog.getByLabel('E-mail').fill(INVITEE.email);
  await dialog.getByRole('button', { name: 'Create invite link' }).click();
  const shown = dialog.getByTestId('invite-link');
  await expect(shown).toHaveText(/\/invite\/[0-9A-Za-z]{43}$/);
  const link = (await shown.textContent()) ?? '';
  await expect(dialog).toContainText('This is the only time the link is shown');
  await page.screenshot({ path: testInfo.outputPath('members-invite-link.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('toast')).toContainText(INVITEE.email);
  await expect(page.getByTestId('invitation-row').filter({ hasText: INVITEE.email })).toBeVisible();
  await expect(page.locator('body')).not.toContainText(link);
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator('body')).not.toContainText(link.split('/invite/')[1]);

  // The invitee, in another browser, sets a password and lands signed in.
  const other = await browser.newContext();
  const invitee = await other.newPage();
  const problems: string[] = [];
  invitee.on('pageerror', (error) => problems.push(error.message));
  invitee.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  await invitee.goto(link);
  await waitForHydration(invitee);
  await expect(invitee.getByRole('heading', { name: `Join ${OWNER.org}` })).toBeVisible();
  await expect(invitee.getByTestId('invite-email')).toHaveText(INVITEE.email);
  await invitee.getByLabel('Choose a password').fill(INVITEE.password);
  await invitee.getByLabel('Repeat the password').fill(INVITEE.password);
  await invitee.screenshot({ path: testInfo.outputPath('members-accept-page.png'), fullPage: true });
  await invitee.getByRole('button', { name: 'Create account and join' }).click();
  await expect(invitee).toHaveURL(/\/settings\/members$/);
  await waitForHydration(invitee);
  const self = invitee.getByTestId('member-row').filter({ hasText: INVITEE.email });
  await expect(self.getByTestId('role-pill')).toHaveText('Member');
  await expect(invitee.getByRole('button', { name: 'Invite member' })).toHaveCount(0);
  await expect(invitee.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
  await expect(invitee.getByTestId('read-only-notice')).toBeVisible();
  await invitee.screenshot({ path: testInfo.outputPath('members-read-only.png'), fullPage: true });

  // The used link is dead.
  const again = await other.newPage();
  await again.goto(link);
  await expect(again.getByTestId('invite-dead-end')).toContainText('already been used');
  await again.close();

  // The Owner makes the invitee an Admin; the change ends the invitee's session, and
  // after signing in again the invitee works as an Admin.
  await page.reload();
  await waitForHydration(page);
  const row = page.getByTestId('member-row').filter({ hasText: INVITEE.email });
  await expect(row.getByTestId('role-pill')).toHaveText('Member');
  await row.getByRole('button', { name: `Change the role of ${INVITEE.email}` }).click();
  const change = page.getByRole('dialog');
  await expect(change.getByLabel('Role')).toHaveValue('member');
  await change.getByLabel('Role').selectOption('admin');
  await expect(change.getByTestId('role-change-sessions')).toContainText('sign in again');
  await page.screenshot({ path: testInfo.outputPath('members-change-role.png'), fullPage: true });
  await change.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('toast')).toContainText('is now Admin');
  await expect(row.getByTestId('role-pill')).toHaveText('Admin');
  await invitee.reload();
  await expect(invitee).toHaveURL(/\/login$/);
  await signIn(invitee, INVITEE.email, INVITEE.password);
  await expect(invitee).toHaveURL(/\/settings\/api-keys$/);
  await invitee.goto('/settings/members');
  await waitForHydration(invitee);
  await expect(invitee.getByTestId('member-row').filter({ hasText: INVITEE.email }).getByTestId('role-pill')).toHaveText('Admin');
  await expect(invitee.getByRole('button', { name: 'Invite member' })).toBeVisible();

  // The Owner removes the invitee; the invitee's next navigation lands on /login.
  await row.getByRole('button', { name: `Remove ${INVITEE.email}` }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm.getByRole('heading')).toContainText(INVITEE.email);
  await expect(confirm).toContainText('sessions in this organization end');
  await page.screenshot({ path: testInfo.outputPath('members-remove-dialog.png'), fullPage: true });
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('member-row')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('members-after-removal.png'), fullPage: true });

  await invitee.goto('/settings/members');
  await expect(invitee).toHaveURL(/\/login$/);
  expect(problems, 'the invitee page logged errors').toEqual([]);
  await other.close();
});

test('the Members page fits a 360 px wide screen', async ({ page }, testInfo) => {
  createOrganization('Narrow Co', 'narrow@e2e.example', 'a narrow owner password', 'business');
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, 'narrow@e2e.example', 'a narrow owner password');
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto('/settings/members');
  await waitForHydration(page);
  await expect(page.getByTestId('member-row')).toHaveCount(1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: testInfo.outputPath('members-mobile.png'), fullPage: true });
});
