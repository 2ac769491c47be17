/**
 * What every story shares: a `screen` helper that opens a screen, waits until it shows,
 * records the API calls it made before it showed (and the longest chain of calls that had
 * to wait for each other), runs axe (no serious or critical violation), and saves
 * screenshots at desktop and phone width; and a guard that fails a test on a
 * Content-Security-Policy violation or an uncaught script error.
 */
import AxeBuilder from '@axe-core/playwright';
import { type BrowserContext, type Page, type Request, expect, test as base } from '@playwright/test';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { longestChain } from './chain';
import { baseUrl, SCREEN_CALLS, SCREENSHOTS } from './stack';

interface Call {
  method: string;
  path: string;
  start: number;
  end: number;
}

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/**
 * Records the API calls of a page. Starts and ends are positions in the order the browser
 * reported them (a request's "will be sent", another's "finished"): a call that waited for
 * another is sent after that one finished, whatever the clocks say. (Chromium's own
 * `startTime` is when the request left its queue, which makes parallel calls look serial.)
 */
class Recorder {
  private calls: Call[] = [];
  private readonly pending = new Map<Request, number>();
  private tick = 0;
  /** Requests issued before this (an earlier screen's) are not this screen's. */
  private since = 0;

  constructor(readonly page: Page) {
    page.on('request', (request) => {
      if (this.isApi(request)) this.pending.set(request, ++this.tick);
    });
    const done = (request: Request) => {
      const start = this.pending.get(request);
      if (start === undefined) return;
      this.pending.delete(request);
      if (start <= this.since) return;
      const url = new URL(request.url());
      this.calls.push({ method: request.method(), path: url.pathname, start, end: ++this.tick });
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  }

  private isApi(request: Request): boolean {
    return new URL(request.url()).pathname.startsWith('/api/');
  }

  reset(): void {
    this.calls = [];
    this.since = this.tick;
  }

  /** This screen's calls, once every call it started has finished. */
  async take(): Promise<Call[]> {
    const started = Date.now();
    while ([...this.pending.values()].some((start) => start > this.since) && Date.now() - started < 10_000) {
      await this.page.waitForTimeout(50);
    }
    const calls = this.calls;
    this.calls = [];
    return calls;
  }
}

export interface ScreenOptions {
  /** How the screen is opened (a click, a goto); omitted: it is already open. */
  open?: () => Promise<unknown>;
  /** The screen's main heading (its h1). */
  heading: string | RegExp;
  /** The API's own pages (sign-up, set password): no console, so no API calls to count. */
  serverPage?: boolean;
}

/** One person in a story: a browser context of their own, and its screens. */
export interface Actor {
  page: Page;
  /** Opens a screen, waits until it shows, and checks and records it. */
  show(name: string, options: ScreenOptions): Promise<void>;
  /** The same checks for another tab of this person (a "log in as customer" tab). */
  tab(page: Page, who: string): Actor;
}

async function settled(page: Page, heading: string | RegExp): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  // A screen shows when nothing on it is still loading.
  await expect(page.locator('.loading')).toHaveCount(0);
}

async function checkAccessibility(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(report, `axe on ${name}`).toEqual([]);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function guard(page: Page, who: string, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`${who}: CSP violation: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`${who}: uncaught error: ${error.message}`));
}

function actorOf(page: Page, who: string, story: string, problems: string[], shot: Set<string>): Actor {
  guard(page, who, problems);
  const recorder = new Recorder(page);
  return {
    page,
    tab: (other, otherWho) => actorOf(other, otherWho, story, problems, shot),
    async show(name, { open, heading, serverPage = false }) {
      const screen = `${who}: ${name}`;
      recorder.reset();
      if (open) await open();
      await settled(page, heading);
      const calls = await recorder.take();
      const chain = longestChain(calls);
      appendFileSync(
        SCREEN_CALLS,
        `${JSON.stringify({ story, screen, calls: calls.map((c) => `${c.method} ${c.path}`), chain })}\n`,
      );
      if (!serverPage) {
        const list = calls.map((c) => `${c.method} ${c.path}`).join(', ');
        expect(chain, `${screen} waits on at most two API calls in sequence (${list})`).toBeLessThanOrEqual(2);
      }
      await checkAccessibility(page, screen);
      const file = slug(`${story}-${who}-${name}`);
      if (shot.has(file)) return;
      shot.add(file);
      await page.screenshot({ path: join(SCREENSHOTS, `${file}-desktop.png`), fullPage: true });
      const size = page.viewportSize() ?? DESKTOP;
      await page.setViewportSize(PHONE);
      await checkAccessibility(page, `${screen} (phone)`);
      await page.screenshot({ path: join(SCREENSHOTS, `${file}-phone.png`), fullPage: true });
      await page.setViewportSize(size);
    },
  };
}

const shots = new Set<string>();

export const test = base.extend<{ actor: (who: string) => Promise<Actor> }>({
  actor: async ({ browser }, use, testInfo) => {
    const story = slug(testInfo.title.split(':')[0] ?? testInfo.title);
    mkdirSync(SCREENSHOTS, { recursive: true });
    mkdirSync(dirname(SCREEN_CALLS), { recursive: true });
    const contexts: BrowserContext[] = [];
    const problems: string[] = [];
    await use(async (who) => {
      const context = await browser.newContext({ viewport: DESKTOP, baseURL: baseUrl() });
      contexts.push(context);
      return actorOf(await context.newPage(), who, story, problems, shots);
    });
    for (const context of contexts) await context.close();
    expect(problems, 'the console ran without CSP violations or script errors').toEqual([]);
  },
});

export { expect };
