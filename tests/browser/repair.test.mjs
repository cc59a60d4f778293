// Real-Chromium test of repairing trust after a breach: Maya Okafor records a breach on a 390 px
// phone, walks the steps (one out of order, with its warning), starts the recovery pulse;
// Tomas Varga, of her team, answers its first round once the server's scheduler opened it; the
// repair the demo shows under way has its recovery chart. Each page passes axe at desktop and
// phone width without scrolling sideways on the phone, and forms are sent with the keyboard.
//
// Run from the repository root:   node --test tests/browser/

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAYA, PHONE, stepper, newPage as newPageIn, signIn as signInAt, postResponse,
  withDemoAndChromium, checkAxeAtBothWidths, noHorizontalOverflow,
} from './helpers.mjs';

const TOMAS = { email: 'tomas.varga@demo.trustloop.test', password: 'demo-member-2026' };
const WHAT = `I told the team the reorganisation was settled before it was (browser test ${process.pid})`;

const { step, broken } = stepper();
let held; // the demo server and Chromium: { demo, baseUrl, browser }

const newPage = (viewport) => newPageIn(held.browser, viewport);
const signIn = (page, who) => signInAt(page, held.baseUrl, who);
const today = () => new Date().toISOString().slice(0, 10);

/** axe at both widths, then no sideways scrolling on the phone. */
async function accessible(page, label, name) {
  await checkAxeAtBothWidths(page, label, name);
  await page.setViewportSize(PHONE);
  await noHorizontalOverflow(page, label);
}

describe('Repairing trust after a breach in real Chromium', { timeout: 600_000 }, () => {
  let maya;
  let repairUrl;
  held = withDemoAndChromium(before, after, broken);

  step('record: Maya records a breach on her team from a phone', async () => {
    maya = await newPage(PHONE);
    await signIn(maya, MAYA);
    await maya.goto(`${held.baseUrl}/repair`);
    await accessible(maya, 'the repairs page', 'repairs');
    await maya.getByRole('link', { name: 'Record a breach' }).click();
    await maya.getByRole('heading', { level: 1, name: 'Record a breach of trust' }).waitFor();
    await maya.getByLabel('What happened').fill(WHAT);
    await maya.getByLabel('When it happened').fill(today());
    await maya.getByRole('radio', { name: /Integrity: a broken promise/ }).check();
    await maya.getByLabel(/The whole Platform team/).check();
    await accessible(maya, 'the breach form', 'repair-new');
    const recorded = postResponse(maya);
    await maya.getByRole('button', { name: 'Record the breach' }).press('Enter');
    assert.equal((await recorded).status(), 303, 'the breach is recorded');
    await maya.waitForURL(/\/repair\/\d+$/);
    repairUrl = maya.url();
    await maya.getByText(WHAT).waitFor();
    assert.equal(await maya.getByTestId('what-next').textContent(), 'Next: acknowledge it.');
    assert.equal(await maya.getByTestId('repair-lesson').getAttribute('href'), '/learn/trust-after-a-breach');
  });

  step('steps: acknowledged, then responsibility out of order with a warning', async () => {
    await maya.getByLabel('What you said or did').first().fill('Told the team on Monday that I had been wrong');
    const acknowledged = postResponse(maya);
    await maya.getByRole('button', { name: 'Mark “Acknowledge it” as done' }).press('Enter');
    assert.equal((await acknowledged).status(), 303);
    await maya.getByText('Told the team on Monday that I had been wrong').waitFor();
    assert.equal(await maya.getByTestId('what-next').textContent(), 'Next: apologise.');
    // Amends wait: once they are made, the recovery pulse can no longer take a "before" reading.
    await maya.locator('#note-take_responsibility').fill('I will share plans only once they are signed off, with their date');
    const responsibility = postResponse(maya);
    await maya.getByRole('button', { name: 'Mark “Take responsibility” as done' }).press('Enter');
    assert.equal((await responsibility).status(), 303);
    await maya.getByTestId('step-warning').waitFor();
    assert.match(await maya.getByTestId('step-warning').textContent(), /Apologise not done yet/);
    await accessible(maya, 'the repair page', 'repair');
  });

  step('recovery: Maya starts the recovery pulse', async () => {
    await maya.setViewportSize(PHONE);
    const named = await maya.getByTestId('named-warning').count();
    if (named) await maya.getByLabel(/I understand that the pulse is named/).check();
    const started = postResponse(maya);
    await maya.getByRole('button', { name: /Start (a named|the) recovery pulse/ }).press('Enter');
    assert.equal((await started).status(), 303);
    await maya.getByTestId('recovery-mode').waitFor();
  });

  step('answer: Tomas answers the first round on his phone, once', async () => {
    const tomas = await newPage(PHONE);
    await signIn(tomas, TOMAS);
    // The server's scheduler opens the round on its next pass (every minute): poll for it.
    const link = tomas.getByRole('link', { name: 'Answer about Maya Okafor' });
    const deadline = Date.now() + 120_000;
    for (;;) {
      await tomas.goto(`${held.baseUrl}/me/recovery`);
      if (await link.count()) break;
      assert.ok(Date.now() < deadline, 'the scheduler opened the round within two minutes');
      await tomas.waitForTimeout(2000);
    }
    await link.first().click();
    await tomas.getByRole('heading', { level: 1, name: 'Is trust coming back?' }).waitFor();
    const named = await tomas.getByTestId('named-notice').count();
    await accessible(tomas, 'the recovery answer page', 'recovery-answer');
    // Keyboard only: each statement's "Agree" (4), then send.
    for (const group of await tomas.locator('fieldset.item').all()) {
      await group.getByRole('radio', { name: /^4/ }).check();
    }
    if (named) await tomas.getByLabel(/will see my name beside my answer/).check();
    const sent = postResponse(tomas);
    await tomas.getByRole('button', { name: 'Send my answer' }).press('Enter');
    assert.equal((await sent).status(), 200);
    await tomas.getByRole('heading', { name: 'Thank you' }).waitFor();
    await tomas.goto(`${held.baseUrl}/me/recovery`);
    await tomas.getByText('Maya Okafor: answered, thank you.').waitFor();
    await tomas.context().close();
  });

  step('chart: the repair under way shows trust recovering round by round', async () => {
    await maya.goto(`${held.baseUrl}/repair`);
    await maya.locator('li.repair-line', { hasText: '4 of 4 steps' }).getByRole('link').first().click();
    await maya.getByTestId('recovery-chart').waitFor();
    assert.equal(await maya.locator('[data-testid="recovery-chart"] circle.dot').count(), 3);
    await accessible(maya, 'the repair with its recovery chart', 'repair-chart');
    assert.notEqual(maya.url(), repairUrl);
  });
});
