// Real-Chromium test of "Trust and outcomes": the demo admin uploads a file with a problem and
// reads it with its line, then chooses a figure with the keyboard and sees the association
// with its chart and table, and the same a quarter later. axe at desktop and phone width, no
// sideways scrolling on the phone.
//
// Run from the repository root:   node --test tests/browser/

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ADMIN, PHONE, stepper, newPage, signIn, checkAxeAtBothWidths, noHorizontalOverflow,
  withDemoAndChromium,
} from './helpers.mjs';

const { step, broken } = stepper();

describe('trust and outcomes', () => {
  const held = withDemoAndChromium(before, after, broken);
  let page;

  step('the admin uploads a file with a problem and reads it with its line', async () => {
    page = await newPage(held.browser, PHONE);
    await signIn(page, held.baseUrl, ADMIN);
    await page.goto(`${held.baseUrl}/admin/outcomes`);
    const dir = mkdtempSync(path.join(tmpdir(), 'outcomes-'));
    const file = path.join(dir, 'figures.csv');
    writeFileSync(file, 'team,period,metric,value\nPlatform,2026-Q9,Attrition,4\n');
    await page.getByLabel('CSV file').setInputFiles(file);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Import' }).click(),
    ]);
    const alert = page.getByRole('alert');
    await assert.doesNotReject(alert.waitFor());
    const text = await alert.innerText();
    assert.match(text, /nothing was imported/);
    assert.match(text, /line 2: the period "2026-Q9"/);
  });

  step('the admin chooses a figure with the keyboard and sees the association', async () => {
    await page.goto(`${held.baseUrl}/admin/outcomes`);
    const figure = page.getByLabel('Figure', { exact: true });
    await figure.focus();
    // The first figure is the earlier quarter's attrition: a quarter later has figures too.
    await figure.selectOption({ index: 0 });
    // A select does not send its form on Enter: Tab to the button, as a keyboard user does.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Show');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.has('of')),
      page.keyboard.press('Enter'),
    ]);
    const first = await page.getByTestId('association-1').innerText();
    assert.match(first, /^Across \d+ teams, r = -?0\.\d\d \(95% interval/);
    const later = await page.getByTestId('association-2').innerText();
    assert.match(later, /^(Across|Not shown)/);
    assert.ok((await page.locator('svg circle').count()) >= 5, 'a point per team');
    await noHorizontalOverflow(page, 'trust and outcomes (phone)');
    await checkAxeAtBothWidths(page, 'trust and outcomes', 'outcomes');
  });
});
