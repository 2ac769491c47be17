/** The local stack the browser tests run against, and its outbox. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADMIN_EMAIL = 'admin@partner-portal.test';
export const ADMIN_PASSWORD = 'local admin passphrase 2026';
/** Every person in the stories uses this password. */
export const PASSWORD = 'velvet trombone harbour sunrise';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TARGET = join(repo, 'target');
export const STATE_FILE = join(TARGET, 'e2e', 'stack.json');
export const SCREENSHOTS = join(TARGET, 'screenshots');
export const SCREEN_CALLS = join(TARGET, 'e2e', 'screen-calls.jsonl');

export function baseUrl(): string {
  const { base } = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { base: string };
  return base;
}

export interface Email {
  to: string[];
  subject: string;
  text: string;
  links: string[];
}

/** Waits (up to 20 s) for an email to `to` whose subject contains `subject`, newest first. */
export async function waitForEmail(to: string, subject: string): Promise<Email> {
  const started = Date.now();
  while (Date.now() - started < 20_000) {
    const response = await fetch(`${baseUrl()}/_dev/emails?to=${encodeURIComponent(to)}`);
    if (response.ok) {
      const emails = (await response.json()) as Email[];
      const found = emails.reverse().find((e) => e.subject.includes(subject));
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`No email "${subject}" to ${to} within 20 s`);
}

/** The link of an email that contains `part`. */
export function linkIn(email: Email, part: string): string {
  const link = email.links.find((l) => l.includes(part));
  if (!link) throw new Error(`No ${part} link in "${email.subject}": ${email.links.join(', ')}`);
  return link;
}
