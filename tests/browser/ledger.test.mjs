// Real-Chromium test of the development plan and the say-do ledger, the whole loop: Maya
// Okafor goes from her report to her plan, makes a commitment to Tomas Varga and marks it
// kept; Tomas confirms it on a 390 px phone screen; Maya's ratio counts it. Each page passes
// axe at desktop and phone width, with no sideways scrolling on the phone, and forms are
// filled and sent with the keyboard.
//
// Run from the repository root:   node --test tests/browser/

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  MAYA, MANAGER, repoRoot, stepper, newPage as newPageIn, signIn as signInAt, postResponse,
  withDemoAndChromium,
} from './helpers.mjs';

const require = createRequire(import.meta.url);
const axeSource = require('axe-core').source;
const shotsDir = path.join(repoRoot, 'target', 'screenshots');

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const TOMAS = { email: 'tomas.varga@demo.trustloop.test', password: 'demo-member-2026' };
const WHAT = `Send the release notes to Tomas (browser test ${process.pid})`;

const { step, broken } = stepper();
let held; // the demo server and Chromium: { demo, baseUrl, browser }

const newPage = (viewport) => newPageIn(held.browser, viewport);
const signIn = (page, who) => signInAt(page, held.baseUrl, who);

async function axeAt(page, label, name) {
  const failures = [];
  for (const [width, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: path.join(shotsDir, `${name}-${width}.png`), fullPage: true });
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} at ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`);
    });
    if (violations.length) failures.push(`${label} (${width}):\n  ${violations.join('\n  ')}`);
    if (width === 'phone') {
      const { scroll, client } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      if (scroll > client + 1) failures.push(`${label}: scrolls sideways on a phone (${scroll}px in ${client}px)`);
    }
  }
  assert.equal(failures.length, 0, failures.join('\n'));
  console.log(`axe on ${label}: no violations at either width`);
}

/** The number in the ledger's "confirmed kept on time" line. */
async function keptConfirmed(page) {
  return Number((await page.getByTestId('kept-confirmed').textContent()).trim());
}

describe('The plan and the say-do ledger in real Chromium', { timeout: 600_000 }, () => {
  let maya;
  let before_kept;
  held = withDemoAndChromium(before, after, broken);

  step('report → plan: the report leads to the plan, which lists why and how to start', async () => {
    maya = await newPage(PHONE);
    await signIn(maya, MAYA);
    await maya.goto(`${held.baseUrl}/me/campaigns/1/report`);
    await Promise.all([
      maya.waitForURL(/\/me\/plans\/\d+$/),
      maya.getByRole('link', { name: 'Start a plan' }).click(),
    ]);
    await maya.getByRole('heading', { level: 1, name: 'Your plan' }).waitFor();
    assert.ok(await maya.getByText('Your manager can see this plan.').isVisible());
    // The leader's own action, typed and sent with the keyboard.
    await maya.getByLabel('What you will do').focus();
    await maya.keyboard.type('Read my promises back every Friday');
    await maya.getByLabel('Target date', { exact: true }).last().fill(new Date().toISOString().slice(0, 10));
    await maya.getByLabel('What you will do').focus();
    const added = postResponse(maya);
    await maya.keyboard.press('Enter');
    assert.equal((await added).status(), 303, 'the action is added');
    await maya.getByRole('heading', { name: 'Read my promises back every Friday' }).waitFor();
    const lesson = await maya.locator('a[href^="/learn/"]').first().getAttribute('href');
    assert.match(lesson, /^\/learn\/[a-z-]+$/);
    await axeAt(maya, 'the plan page', 'plan');
  });

  step('plan: Elena, her manager, reads it without being able to change it', async () => {
    const elena = await newPage(DESKTOP);
    await signIn(elena, MANAGER);
    await elena.goto(`${held.baseUrl}/me/shared-plans`);
    await elena.getByRole('link', { name: /Maya Okafor: Spring trust 360/ }).click();
    await elena.getByRole('heading', { level: 1, name: "Maya Okafor's plan" }).waitFor();
    assert.equal(await elena.getByRole('button', { name: /^Save / }).count(), 0);
    await elena.context().close();
  });

  step('ledger: Maya makes a commitment to Tomas, told first that the answer is his', async () => {
    await maya.setViewportSize(PHONE);
    await maya.goto(`${held.baseUrl}/me/ledger`);
    before_kept = await keptConfirmed(maya);
    assert.ok(await maya.getByText('If you choose one person, their answer is theirs').isVisible());
    await maya.getByLabel('What you will do').fill(WHAT);
    await maya.getByLabel('By when').fill(new Date().toISOString().slice(0, 10));
    await maya.getByLabel('Tomas Varga').check();
    await axeAt(maya, 'the ledger page', 'ledger');
    await maya.getByLabel('What you will do').focus();
    const made = postResponse(maya);
    await maya.keyboard.press('Enter');
    assert.equal((await made).status(), 303, 'the commitment is made');
    const item = maya.locator('li.commitment', { hasText: WHAT });
    await item.waitFor();
    // Marked kept today, with the keyboard: open the change form, keep "Kept", save.
    await item.getByText(`Change ${WHAT}`).click();
    await item.getByRole('radio', { name: 'Kept', exact: true }).check();
    const posted = postResponse(maya);
    await item.getByRole('button', { name: 'Save' }).press('Enter');
    assert.equal((await posted).status(), 303);
    await maya.locator('li.commitment', { hasText: WHAT }).getByText('unconfirmed').waitFor();
  });

  step('confirmation: Tomas confirms it on a 390 px phone', async () => {
    const tomas = await newPage(PHONE);
    await signIn(tomas, TOMAS);
    await tomas.goto(`${held.baseUrl}/me/confirmations`);
    const ask = tomas.locator('li.commitment', { hasText: WHAT });
    await ask.waitFor();
    assert.ok(await ask.getByText('Your answer is shown to Maya Okafor as yours.').isVisible());
    assert.ok(await tomas.getByTestId('managers-ratio').isVisible(), 'Maya shows her ratio to her team');
    await axeAt(tomas, 'the confirmations page', 'confirmations');
    await tomas.setViewportSize(PHONE);
    await Promise.all([
      tomas.waitForLoadState('domcontentloaded'),
      ask.getByRole('button', { name: 'Kept', exact: true }).click(),
    ]);
    await tomas.getByText('Thank you: your answer is counted.').waitFor();
    assert.equal(await tomas.locator('li.commitment', { hasText: WHAT }).count(), 0);
    await tomas.context().close();
  });

  step('ratio: Maya sees it confirmed and counted, with n and the interval', async () => {
    await maya.goto(`${held.baseUrl}/me/ledger`);
    await maya.locator('li.commitment', { hasText: WHAT }).getByText('confirmed kept').waitFor();
    assert.equal(await keptConfirmed(maya), before_kept + 1);
    assert.match(await maya.getByTestId('say-do').textContent(), /^\d+ of \d+ \(\d+%; 95% range \d+%–\d+%\)$/);
  });

  step('link: a confirmation link answers once, then shows the neutral page', async () => {
    const link = held.demo.log().match(/Confirm one of Maya Okafor's commitments as the person it was made to: (\S+)/)?.[1];
    assert.ok(link, 'the demo prints a confirmation link');
    const phone = await newPage(PHONE);
    await phone.goto(link);
    await phone.getByRole('heading', { level: 1, name: 'Did Maya Okafor keep this commitment?' }).waitFor();
    await axeAt(phone, 'the confirmation link page', 'confirm-link');
    await Promise.all([
      phone.waitForLoadState('domcontentloaded'),
      phone.getByRole('button', { name: "Can't say" }).click(),
    ]);
    await phone.getByText('Thank you: your answer is counted.').waitFor();
    await phone.goto(link);
    await phone.getByText('This link cannot be used.').waitFor();
    await phone.context().close();
  });

  step('organisation: the admin sees counts and the association, not contents', async () => {
    const admin = await newPage(DESKTOP);
    await signIn(admin, { email: 'admin@demo.trustloop.test', password: 'demo-admin-2026' });
    await admin.goto(`${held.baseUrl}/admin/plans`);
    await admin.getByTestId('association').waitFor();
    assert.match(await admin.getByTestId('association').textContent(), /Across \d+ leaders, r = /);
    assert.equal(await admin.getByText(WHAT).count(), 0);
    await axeAt(admin, 'the organisation page', 'organisation');
    await admin.context().close();
  });
});
