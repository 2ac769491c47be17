/** Steps several stories take, through the UI as a person would. */
import type { Actor } from './fixtures';
import { expect } from './fixtures';
import { type Email, linkIn, PASSWORD, waitForEmail } from './stack';

export interface Person {
  email: string;
  business: string;
  first: string;
  last: string;
}

/** Logs in on the Login screen; the first screen (`landing`) is checked and recorded. */
export async function logIn(actor: Actor, email: string, password: string, landing: string): Promise<void> {
  const { page } = actor;
  await actor.show('Login', { open: () => page.goto('/login'), heading: 'Login' });
  await page.getByLabel('Business email').fill(email);
  await page.getByLabel('Password').fill(password);
  await actor.show(landing, { open: () => page.getByRole('button', { name: 'Login' }).click(), heading: landing });
}

/** Fills and sends the sign-up form (the API's page) that is open. */
export async function fillSignUp(actor: Actor, person: Person, website = 'https://example.org'): Promise<void> {
  const { page } = actor;
  const name = page.getByLabel('Business Name');
  if (await name.isEditable()) await name.fill(person.business);
  await page.getByLabel('Business Website').fill(website);
  await page.getByLabel('First Name').fill(person.first);
  await page.getByLabel('Last Name').fill(person.last);
  const email = page.getByLabel('Business Email');
  if (await email.isEditable()) await email.fill(person.email);
  await page.getByLabel('I agree to the Privacy Policy').check();
  await page.getByLabel('I agree to the Terms and Conditions').check();
  await page.getByRole('button', { name: 'Sign Up' }).click();
}

/** Follows the set-password link of the approval email, sets the password, and logs in. */
export async function setPasswordAndLogIn(actor: Actor, person: Person, landing: string): Promise<void> {
  const { page } = actor;
  const email: Email = await waitForEmail(person.email, 'set your password');
  await actor.show('Set Password', { open: () => page.goto(linkIn(email, '/auth/set-password')), heading: 'Set Password', serverPage: true });
  await page.getByLabel('New Password').fill(PASSWORD);
  await page.getByLabel('Confirm Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Send' }).click();
  await actor.show('Password set', { heading: 'Password set', serverPage: true });
  await page.getByRole('link', { name: 'Login' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Login' })).toBeVisible();
  await page.getByLabel('Business email').fill(person.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await actor.show(landing, { open: () => page.getByRole('button', { name: 'Login' }).click(), heading: landing });
}

/** The admin approves a request on Pending Approvals (which must be open). */
export async function approve(admin: Actor, business: string): Promise<void> {
  const row = admin.page.getByRole('row', { name: new RegExp(business) });
  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(admin.page.getByRole('status').filter({ hasText: `Approved ${business}` })).toBeVisible();
  await expect(row).toHaveCount(0);
}

/** The count in the admin's Pending Approvals notification. */
export async function pendingCount(admin: Actor): Promise<number> {
  const badge = admin.page.getByRole('link', { name: /^Pending Approvals \d+$/ });
  await expect(badge).toBeVisible();
  return Number((await badge.textContent())?.replace(/\D+/g, ''));
}

/** Opens a screen from the left menu. */
export async function menu(actor: Actor, item: string, heading: string | RegExp = item): Promise<void> {
  const { page } = actor;
  await actor.show(item, {
    open: async () => {
      const nav = page.getByRole('navigation', { name: 'Main menu' });
      if (!(await nav.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: item, exact: true }).click();
    },
    heading,
  });
}
