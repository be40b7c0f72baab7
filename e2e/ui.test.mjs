// Browser (end-to-end) tests of Khiên's server-rendered UI: login, agency tree, system
// catalogue (create and validation), language switch and tenancy. Runs against
// `$KHIEN_BIN serve --demo` (see server.mjs) in headless Debian chromium (see browser.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import {
  launchBrowser,
  withPage,
  clickAndWait,
  goto,
  submitLogin,
  login,
  h1,
  indexByText,
  systemRows,
  fieldErrors,
  screenshot,
  norm,
} from './browser.mjs';

const TEST_TIMEOUT_MS = 180_000;

let server;
let browser;
const env = {
  get browser() {
    return browser;
  },
  get server() {
    return server;
  },
};

before(
  async () => {
    server = await startServer();
    browser = await launchBrowser();
  },
  { timeout: 240_000 },
);

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

/** Opens /systems/new as the logged-in user, via the "new system" link on /systems. */
async function openNewSystemForm(page) {
  await goto(page, '/systems');
  await clickAndWait(page, page.locator('a#new-system'));
  assert.equal(new URL(page.url()).pathname, '/systems/new');
  const form = page.locator('form#system-form');
  await form.waitFor();
  // Test the server's validation, not the browser's (e.g. `required` or type="email").
  await form.evaluate((f) => {
    f.noValidate = true;
  });
  return form;
}

test('login: wrong password is refused, admin reaches the overview', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await submitLogin(page, 'admin', `${server.accounts.admin.password}-wrong`);
    const alert = page.locator('.alert.error');
    await alert.first().waitFor({ state: 'visible' });
    assert.notEqual(norm(await alert.first().innerText()), '', 'the error alert has a message');
    assert.notEqual(new URL(page.url()).pathname, '/', 'a wrong password does not reach the overview');

    await login(page, server, 'admin');
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.equal(await h1(page), 'Tổng quan');
    const nav = page.locator('nav.topnav');
    for (const href of ['/', '/agencies', '/systems']) {
      assert.ok((await nav.locator(`a[href="${href}"]`).count()) > 0, `nav.topnav links to ${href}`);
    }
    assert.ok((await page.locator('form#logout-form button').count()) > 0, 'logout button present');
    // Kept for the docs.
    await screenshot(page, 'overview');
  });
});

test('agency tree: browse the root, search without diacritics, open Sở Y tế', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    await goto(page, '/agencies');
    let count = await page.locator('a.agency-link').count();
    if (count < 10) {
      // The top level shows the root agency (Ủy ban nhân dân tỉnh): browse into it.
      const browse = page.locator('a.browse-link').first();
      await browse.waitFor();
      const href = await browse.getAttribute('href');
      await clickAndWait(page, browse);
      assert.match(page.url(), /[?&]parent=/, `browse link ${href} shows the children of a node`);
      count = await page.locator('a.agency-link').count();
    }
    assert.ok(count >= 10, `at least 10 agencies under the root, found ${count}`);

    const search = page.locator('form#agency-search');
    await search.locator('input[name=q]').fill('So Y te');
    await clickAndWait(page, search.locator('button[type=submit], input[type=submit], button:not([type])').first());
    const idx = await indexByText(page, 'a.agency-link', 'Sở Y tế');
    const found = (await page.locator('a.agency-link').allInnerTexts()).map(norm);
    assert.ok(idx >= 0, `search "So Y te" lists "Sở Y tế"; results: ${JSON.stringify(found)}`);

    await clickAndWait(page, page.locator('a.agency-link').nth(idx));
    assert.match(new URL(page.url()).pathname, /^\/agencies\/[^/]+$/);
    assert.equal(await h1(page), 'Sở Y tế');
    for (const id of ['sub-units', 'systems', 'users']) {
      assert.equal(await page.locator(`#${id}`).count(), 1, `section #${id} present`);
    }
    const systemsSection = page.locator('#systems');
    if (!(await systemsSection.innerText()).includes('SYT-HIS')) {
      // The section may show system names only: compare with the link of SYT-HIS on /systems.
      const agencyUrl = page.url();
      await goto(page, '/systems');
      const his = (await systemRows(page)).find((r) => r.code === 'SYT-HIS');
      assert.ok(his, 'SYT-HIS is in the admin list of systems');
      await goto(page, agencyUrl);
      assert.ok(
        (await page.locator(`#systems a[href="${his.href}"]`).count()) > 0,
        `#systems of Sở Y tế lists SYT-HIS (${his.name})`,
      );
    }
  });
});

test('systems: admin creates a system', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    const form = await openNewSystemForm(page);
    const ts = Date.now();
    const code = `E2E-${ts}`;
    const name = `Hệ thống thử nghiệm ${ts}`;
    await form.locator('[name=code]').fill(code);
    await form.locator('[name=name]').fill(name);
    await form.locator('[name=description]').fill('Tạo bởi kiểm thử trình duyệt.');
    await form.locator('[name=owner_code]').fill('SYT');
    await form.locator('[name=operator_code]').fill('SYT');
    await form.locator('select[name=category]').selectOption('internal');
    await form.locator('select[name=status]').selectOption('operating');
    await form.locator('[name=contact_name]').fill('Nguyễn Văn An');
    await form.locator('[name=contact_email]').fill('an.nguyen@example.vn');
    await form.locator('[name=contact_phone]').fill('0901234567');

    const response = await clickAndWait(page, form.locator('button[type=submit]'));
    const errors = response.status() === 422 ? await fieldErrors(page) : [];
    assert.equal(response.status(), 200, `system created (field errors: ${JSON.stringify(errors)})`);
    assert.match(new URL(page.url()).pathname, /^\/systems\/[^/]+$/);
    assert.notEqual(new URL(page.url()).pathname, '/systems/new');
    assert.equal(await h1(page), name);
    assert.equal(await page.locator('#assets').count(), 1, 'section #assets present');
    const systemPath = new URL(page.url()).pathname;

    await goto(page, '/systems');
    const row = (await systemRows(page)).find((r) => r.code === code);
    assert.ok(row, `${code} is listed on /systems`);
    assert.equal(row.name, name);
    assert.equal(new URL(row.href, page.url()).pathname, systemPath);
  });
});

test('systems: a rejected form is shown again with 422 and field errors', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    const form = await openNewSystemForm(page);
    const code = `E2E-BAD-${Date.now()}`;
    await form.locator('[name=code]').fill(code);
    await form.locator('[name=name]').fill('');
    await form.locator('[name=owner_code]').fill('SYT');
    await form.locator('select[name=category]').selectOption('internal');
    await form.locator('[name=contact_email]').fill('abc');

    const response = await clickAndWait(page, form.locator('button[type=submit]'));
    assert.equal(response.status(), 422, `rejected form answers 422 (field errors: ${JSON.stringify(await fieldErrors(page))})`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    await page.locator('.alert.error').first().waitFor({ state: 'visible' });
    for (const field of ['contact_email', 'name']) {
      const err = page.locator(`.field-error[data-field="${field}"]`).first();
      await err.waitFor({ state: 'visible' });
      assert.notEqual(norm(await err.innerText()), '', `.field-error for ${field} has a message`);
    }
    const again = page.locator('form#system-form');
    assert.equal(await again.locator('[name=code]').inputValue(), code, 'code kept');
    assert.equal(await again.locator('[name=contact_email]').inputValue(), 'abc', 'contact_email kept');
    assert.equal(await again.locator('[name=owner_code]').inputValue(), 'SYT', 'owner_code kept');

    await goto(page, '/systems');
    assert.ok(!(await systemRows(page)).some((r) => r.code === code), 'the rejected system was not saved');
  });
});

test('language: switch to English and back to Vietnamese', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    assert.equal(await h1(page), 'Tổng quan');

    await clickAndWait(page, page.locator('a#lang-en'));
    assert.equal(new URL(page.url()).pathname, '/', 'back on the same page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await h1(page), 'Overview');

    // The choice is kept (cookie) on the next page load.
    await goto(page, '/');
    assert.equal(await h1(page), 'Overview');

    await clickAndWait(page, page.locator('a#lang-vi'));
    assert.equal(new URL(page.url()).pathname, '/', 'back on the same page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.equal(await h1(page), 'Tổng quan');
  });
});

test('tenancy: an officer of SYT cannot see the systems of STC', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  let stcSystem;
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    await goto(page, '/systems');
    stcSystem = (await systemRows(page)).find((r) => r.code === 'STC-KT');
    assert.ok(stcSystem, 'STC-KT is in the admin list of systems');
    assert.ok(stcSystem.href, 'STC-KT has a link');
    assert.ok(stcSystem.name.length > 0, 'STC-KT has a name');
  });

  await withPage(t, env, async (page) => {
    await login(page, server, 'canbo.syt');
    const response = await goto(page, stcSystem.href);
    assert.equal(response.status(), 404, `canbo.syt gets 404 for ${stcSystem.href} (STC-KT)`);
    assert.equal(await h1(page), 'Không tìm thấy');
    const text = norm(await page.locator('body').innerText());
    assert.ok(!text.includes(stcSystem.name), 'the 404 page does not reveal the system name');

    await goto(page, '/systems');
    const codes = (await systemRows(page)).map((r) => r.code);
    assert.ok(!codes.includes('STC-KT'), `STC-KT is not listed for canbo.syt: ${codes.join(', ')}`);
    assert.ok(codes.includes('SYT-HIS'), `SYT-HIS is listed for canbo.syt: ${codes.join(', ')}`);
  });
});

test('tenancy: an officer of SYT cannot open the page of STC', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  let stcHref;
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    await goto(page, '/agencies');
    const search = page.locator('form#agency-search');
    await search.locator('input[name=q]').fill('So Tai chinh');
    await clickAndWait(page, search.locator('button[type=submit], input[type=submit], button:not([type])').first());
    const idx = await indexByText(page, 'a.agency-link', 'Sở Tài chính');
    assert.ok(idx >= 0, 'admin finds "Sở Tài chính"');
    stcHref = await page.locator('a.agency-link').nth(idx).getAttribute('href');
    assert.match(new URL(stcHref, page.url()).pathname, /^\/agencies\/[^/]+$/);
  });

  await withPage(t, env, async (page) => {
    await login(page, server, 'canbo.syt');
    const response = await goto(page, stcHref);
    assert.equal(response.status(), 404, `canbo.syt gets 404 for ${stcHref} (Sở Tài chính)`);
    assert.equal(await h1(page), 'Không tìm thấy');
    assert.ok(!norm(await page.locator('body').innerText()).includes('Sở Tài chính'), 'the 404 page does not reveal the agency name');
  });
});
