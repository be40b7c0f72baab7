// Browser tests of the vulnerability pages against `khien serve --demo` (which imports real
// sample reports): the province dashboard, a report upload with its summary, a finding's
// status change with a validation error and a success, and an officer who cannot see
// another agency's findings.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, withPage, clickAndWait, goto, login, h1, screenshot, norm } from './browser.mjs';

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

test('dashboard: the province table is computed from the demo reports', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await login(page, server, 'lanhdao');
    await goto(page, '/');
    await clickAndWait(page, page.locator('nav.topnav a[href="/vulns"]'));
    assert.equal(await h1(page), 'Lỗ hổng bảo mật');
    const summary = norm(await page.locator('#vuln-summary').innerText());
    assert.match(summary, /\d+ hệ thống có lỗ hổng · \d+ lỗ hổng chưa khắc phục · \d+ lỗ hổng nghiêm trọng/);
    const rows = page.locator('#province-table tbody tr');
    assert.ok((await rows.count()) >= 5, 'several demo systems have findings');
    assert.ok((await page.locator('svg.chart.bars').count()) === 1, 'severity chart drawn');
    await screenshot(page, 'vulns-dashboard');
    // A critical count links to the filtered list.
    await clickAndWait(page, page.locator('#province-table a.pill.sev-critical').first());
    assert.equal(new URL(page.url()).pathname, '/findings');
    const sev = await page.locator('#findings-table tbody tr td:first-child').allInnerTexts();
    assert.ok(sev.length > 0 && sev.every((s) => norm(s) === 'Nghiêm trọng'), `only critical: ${sev.join(',')}`);
  });
});

test('upload: an officer imports a report into their system and sees the summary', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'khien-e2e-'));
  const file = path.join(dir, 'his.csv');
  writeFileSync(file, '\ufeffTiêu đề;Mức độ;Địa chỉ IP;Cổng;CVE\nPhần mềm lỗi thời trên máy chủ HIS;Cao;10.20.30.40;443;CVE-2024-4577\n');
  await withPage(t, env, async (page) => {
    await login(page, server, 'canbo.syt');
    await goto(page, '/scans/upload');
    const form = page.locator('form#scan-form');
    const options = await form.locator('select[name=system] option').allInnerTexts();
    assert.ok(options.some((o) => o.includes('SYT-HIS')), 'own system offered');
    assert.ok(!options.some((o) => o.includes('STC-KT')), 'other agency system not offered');
    await form.locator('select[name=system]').selectOption('SYT-HIS');
    await form.locator('input[type=file]').setInputFiles(file);
    await clickAndWait(page, form.locator('button[type=submit]'));
    const result = norm(await page.locator('#upload-result').innerText());
    assert.ok(result.includes('Đã nhập kết quả quét'), result);
    assert.ok(result.includes('generic-csv'), result);
    await screenshot(page, 'scan-upload');
    await goto(page, '/findings?q=HIS');
    await clickAndWait(page, page.locator('a.finding-link', { hasText: 'Phần mềm lỗi thời trên máy chủ HIS' }));
    const why = norm(await page.locator('#next-step').innerText());
    assert.ok(why.includes('KEV'), `the page says why it is urgent: ${why}`);
    // An officer cannot accept a risk: the lifecycle rule explains it.
    const status = page.locator('form#status-form');
    const choices = await status.locator('select[name=to] option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(!choices.includes('accepted'), `officers are not offered accepted: ${choices}`);
    await status.locator('select[name=to]').selectOption('in_remediation');
    await clickAndWait(page, status.locator('button[type=submit]'));
    assert.ok(norm(await page.locator('.alert.ok').innerText()).includes('Đã lưu'));
    assert.ok(norm(await page.locator('#history').innerText()).includes('Chưa xử lý → Đang khắc phục'));
  });
});

test('lifecycle: a leader must give an expiry to accept a risk', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withPage(t, env, async (page) => {
    await login(page, server, 'lanhdao');
    await goto(page, '/findings?severity=high');
    await clickAndWait(page, page.locator('a.finding-link').first());
    const status = page.locator('form#status-form');
    await status.locator('select[name=to]').selectOption('accepted');
    await status.locator('input[name=reason]').fill('Chờ kinh phí nâng cấp');
    const response = await clickAndWait(page, status.locator('button[type=submit]'));
    assert.equal(response?.status(), 422);
    assert.ok(norm(await page.locator('#finding-error').innerText()).includes('ngày hết hạn'));
    const d = new Date(Date.now() + 60 * 86400e3).toISOString().slice(0, 10);
    await status.locator('select[name=to]').selectOption('accepted');
    await status.locator('input[name=reason]').fill('Chờ kinh phí nâng cấp');
    await status.locator('input[name=until]').fill(d);
    await clickAndWait(page, status.locator('button[type=submit]'));
    assert.ok(norm(await page.locator('#next-step').innerText()).includes('Chấp nhận rủi ro'));
  });
});

test('tenancy: an officer of SYT sees no finding of STC', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  let stcFinding;
  await withPage(t, env, async (page) => {
    await login(page, server, 'admin');
    await goto(page, '/findings?system=STC-KT&status=all');
    stcFinding = await page.locator('a.finding-link').first().getAttribute('href');
    assert.ok(stcFinding, 'admin sees a finding of STC-KT');
  });
  await withPage(t, env, async (page) => {
    await login(page, server, 'canbo.syt');
    const response = await goto(page, stcFinding);
    assert.equal(response.status(), 404);
    await goto(page, '/vulns');
    const text = norm(await page.locator('main').innerText());
    assert.ok(!text.includes('STC-KT'), 'the SYT dashboard does not list STC systems');
    assert.ok(text.includes('SYT-HIS'), 'but lists its own');
  });
});
