/** Steps several stories take, through the UI as a person would. */
import { createHmac } from 'node:crypto';

import type { Actor } from './fixtures';
import { expect } from './fixtures';
import { ADMIN_EMAIL, type Email, linkIn, PASSWORD, waitForEmail } from './stack';

export interface Person {
  email: string;
  business: string;
  first: string;
  last: string;
}

/** The authenticator app of each person who enrolled one in this run: email → key. */
const authenticator = new Map<string, string>();

/** Adds a key to `email`'s authenticator app (the Security section's enrolment). */
export function addToAuthenticator(email: string, key: string): void {
  authenticator.set(email, key.replace(/\s+/g, ''));
}

/** The RFC 6238 code of a base32 key (HMAC-SHA1, six digits, 30-second steps) at `ms`. */
export function totp(key: string, ms = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of key.toUpperCase().replace(/=+$/, '')) {
    const value = alphabet.indexOf(c);
    if (value < 0) throw new Error(`not a base32 key: ${key}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const digest = createHmac('sha1', bytes).update(counter).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** The code `email`'s app shows now, at least two seconds before it changes (Cognito and
 * the emulator accept only the current step). */
export async function codeOf(email: string): Promise<string> {
  const key = authenticator.get(email);
  if (!key) throw new Error(`no authenticator app holds a key of ${email}`);
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 2_000) await new Promise((done) => setTimeout(done, left));
  return totp(key);
}

/**
 * Logs in on the Login screen; the first screen (`landing`) is checked and recorded. When
 * the account asks for a second step, it is taken as its person would: an admin's first
 * login enrols an authenticator app with the key it shows; a later login types the code.
 */
export async function logIn(actor: Actor, email: string, password: string, landing: string): Promise<void> {
  const { page } = actor;
  await actor.show('Login', { open: () => page.goto('/login'), heading: 'Login' });
  await page.getByLabel('Business email').fill(email);
  await page.getByLabel('Password').fill(password);
  const login = () => page.getByRole('button', { name: 'Login' }).click();
  const enrolled = authenticator.has(email);
  if (!enrolled && email !== ADMIN_EMAIL) {
    await actor.show(landing, { open: login, heading: landing });
    return;
  }
  // Admins always have a second step: the enrolment at their first login, then the code.
  const step = enrolled ? 'Authentication Code' : 'Set Up Two-Step Sign-In';
  await actor.show(step, { open: login, heading: step });
  if (!enrolled) {
    await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
    const key = (await page.getByText(/^Key:/).textContent())?.replace(/^Key:/, '') ?? '';
    addToAuthenticator(email, key);
  }
  await page.getByLabel('Authentication code').fill(await codeOf(email));
  await actor.show(landing, { open: () => page.getByRole('button', { name: 'Verify' }).click(), heading: landing });
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
