// Browser helpers for the Khiên browser tests: launches Debian's chromium through
// playwright-core, gives each test its own context, logs in, follows form submissions, and saves
// screenshots to e2e/artifacts/ (on failure, and on request).

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const NAV_TIMEOUT_MS = 30_000;
export const ACTION_TIMEOUT_MS = 15_000;
export const ARTIFACTS_DIR = fileURLToPath(new URL('./artifacts/', import.meta.url));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Unicode-normalised, whitespace-collapsed text, for comparing Vietnamese strings. */
export function norm(s) {
  return String(s ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
}

function fileSafe(name) {
  return (
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'page'
  );
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${fileSafe(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs `fn(page, context)` in a fresh browser context (own cookies, Vietnamese Accept-Language).
 * On failure it saves a screenshot of every page of the context to e2e/artifacts/ and adds the
 * page URL (and the server's last output lines, if `server` is given) to the test's diagnostics.
 */
export async function withPage(t, { browser, server }, fn) {
  const context = await browser.newContext({
    baseURL: server.baseURL,
    locale: 'vi-VN',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  try {
    await fn(page, context);
  } catch (err) {
    const pages = context.pages();
    for (const [i, p] of pages.entries()) {
      try {
        const file = await screenshot(p, `FAILED-${t.name}${pages.length > 1 ? `-${i + 1}` : ''}`);
        t.diagnostic(`screenshot of ${p.url()} saved to ${file}`);
      } catch (shotErr) {
        t.diagnostic(`could not save a screenshot of ${p.url()}: ${shotErr.message}`);
      }
    }
    if (server.output) t.diagnostic(`server output (last lines):\n${server.output()}`);
    throw err;
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * Clicks `locator` (a submit button or a link) and waits for the resulting main-frame navigation.
 * Returns the response of the final document, after any redirects (e.g. 303 → 200), so callers
 * can check its status (422 for a rejected form).
 */
export async function clickAndWait(page, locator) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: NAV_TIMEOUT_MS }),
    locator.click(),
  ]);
  return response;
}

/** Goes to `url` and returns its response; fails on a missing response. */
export async function goto(page, url) {
  const response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: NAV_TIMEOUT_MS });
  if (!response) throw new Error(`no response for ${url}`);
  return response;
}

/** Fills and submits the login form. Returns the final response. */
export async function submitLogin(page, username, password) {
  await goto(page, '/login');
  const form = page.locator('#login-form');
  await form.locator('input#username[name=username]').fill(username);
  await form.locator('input#password[name=password]').fill(password);
  return clickAndWait(page, form.locator('button[type=submit]'));
}

/** Logs in with a demo account and checks that the overview page was reached. */
export async function login(page, server, username) {
  const account = server.accounts[username];
  if (!account) throw new Error(`no demo account "${username}" was printed by the server`);
  const response = await submitLogin(page, username, account.password);
  const url = new URL(page.url());
  if (url.pathname !== '/') {
    const alert = await page.locator('.alert.error').allInnerTexts().catch(() => []);
    throw new Error(
      `login as ${username} ended on ${url.pathname} (status ${response?.status()}), not on /` +
        (alert.length ? `: ${alert.join(' | ')}` : ''),
    );
  }
  return response;
}

/** Text of the first `h1` of the page, normalised. */
export async function h1(page) {
  return norm(await page.locator('h1').first().innerText());
}

/** Index of the first element matching `selector` whose normalised text equals `text`, or -1. */
export async function indexByText(page, selector, text) {
  const texts = await page.locator(selector).allInnerTexts();
  return texts.map(norm).indexOf(norm(text));
}

/**
 * Rows of the /systems table: [{ code, name, href }], read from each row's `td.code` cell and
 * `a.system-link`.
 */
export async function systemRows(page) {
  return page.locator('tr').evaluateAll((rows) =>
    rows
      .map((tr) => {
        const code = tr.querySelector('td.code');
        const link = tr.querySelector('a.system-link');
        if (!code || !link) return null;
        return {
          code: code.textContent.replace(/\s+/g, ' ').trim(),
          name: link.textContent.replace(/\s+/g, ' ').trim().normalize('NFC'),
          href: link.getAttribute('href'),
        };
      })
      .filter(Boolean),
  );
}

/** Messages of the `.field-error` elements on the page, as "field: message" strings. */
export async function fieldErrors(page) {
  return page
    .locator('.field-error')
    .evaluateAll((els) => els.map((e) => `${e.dataset.field}: ${e.textContent.trim()}`));
}
