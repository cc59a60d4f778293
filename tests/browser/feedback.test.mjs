// Real-Chromium test of feedback on a phone-sized screen (390 x 844): Tomas Varga answers
// Maya Okafor's request for feedback, is warned that his words judge her rather than describe
// what she did (his words kept), and sends anyway; Maya marks it helpful. The anonymous option
// is explained before sending. Each page passes axe at desktop and phone width with no
// sideways scrolling on the phone, and the form is filled and sent with the keyboard.
//
// Run from the repository root:   node --test tests/browser/

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, MAYA, PHONE, DESKTOP, stepper, newPage as newPageIn, signIn as signInAt, postResponse,
  withDemoAndChromium, checkAxeAtBothWidths, noHorizontalOverflow,
} from './helpers.mjs';

const TOMAS = { email: 'tomas.varga@demo.trustloop.test', password: 'demo-member-2026' };
const BEHAVIOUR = `You are always so dismissive of estimates (browser test ${process.pid})`;

const { step, broken } = stepper();
let held; // the demo server and Chromium: { demo, baseUrl, browser }

const newPage = (viewport) => newPageIn(held.browser, viewport);
const signIn = (page, who) => signInAt(page, held.baseUrl, who);

/** axe at both widths, then back to the phone with no sideways scrolling. */
async function checked(page, label, name) {
  await checkAxeAtBothWidths(page, label, name);
  await page.setViewportSize(PHONE);
  await noHorizontalOverflow(page, label);
}

describe('Feedback in real Chromium on a phone', { timeout: 600_000 }, () => {
  let tomas;
  held = withDemoAndChromium(before, after, broken);

  step('request: Tomas sees the request Maya asked of her team', async () => {
    tomas = await newPage(PHONE);
    await signIn(tomas, TOMAS);
    await tomas.getByRole('link', { name: 'Feedback', exact: true }).click();
    await tomas.getByRole('heading', { level: 1, name: 'Feedback' }).waitFor();
    assert.ok(await tomas.getByText('How I ran the quarterly planning').isVisible());
    await checked(tomas, 'the feedback page', 'feedback');
    await tomas.getByRole('link', { name: 'Answer Maya Okafor' }).click();
    await tomas.getByRole('heading', { level: 1, name: 'Give feedback' }).waitFor();
    assert.ok(await tomas.getByTestId('answering').isVisible());
    // Each part is explained with an example, and anonymity before sending.
    assert.ok(await tomas.getByText('as a camera would have seen it').isVisible());
    assert.ok(await tomas.getByText(/Anonymous feedback waits until at least 5 people/).isVisible());
    await checked(tomas, 'the give form', 'feedback-give');
  });

  step('warning: judging words are flagged before sending, and kept', async () => {
    await tomas.getByLabel('What it concerns').selectOption('judgement');
    await tomas.getByLabel('Situation', { exact: true }).focus();
    await tomas.keyboard.type('In the quarterly planning on Monday');
    await tomas.keyboard.press('Tab'); // to Behaviour
    await tomas.keyboard.type(BEHAVIOUR);
    await tomas.keyboard.press('Tab'); // to Impact
    await tomas.keyboard.type('I stopped giving my real estimates');
    const first = postResponse(tomas);
    await tomas.getByRole('button', { name: 'Send', exact: true }).press('Enter');
    assert.equal((await first).status(), 200, 'shown again, not sent');
    const warning = tomas.getByTestId('judgement-warning');
    await warning.waitFor();
    assert.match(await warning.textContent(), /labels the person/);
    assert.match(await warning.textContent(), /rarely true/);
    assert.equal(await tomas.getByLabel('Behaviour', { exact: true }).inputValue(), BEHAVIOUR);
    await checked(tomas, 'the give form with its warning', 'feedback-warning');
  });

  step('send anyway: the feedback is delivered to Maya', async () => {
    const sent = postResponse(tomas);
    await tomas.getByTestId('send-anyway').press('Enter');
    assert.equal((await sent).status(), 303);
    await tomas.getByTestId('feedback-message').waitFor();
    assert.match(await tomas.getByTestId('feedback-message').textContent(), /delivered/);
    assert.equal(await tomas.getByText('How I ran the quarterly planning').count(), 0, 'answered');
    await tomas.context().close();
  });

  step('helpful: Maya, on her phone, marks it helpful', async () => {
    const maya = await newPage(PHONE);
    await signIn(maya, MAYA);
    await maya.goto(`${held.baseUrl}/feedback`);
    const item = maya.locator('li.feedback-item', { hasText: BEHAVIOUR });
    await item.waitFor();
    assert.ok(await item.getByText('in answer to your request on How I ran the quarterly planning').isVisible());
    const marked = postResponse(maya);
    await item.getByRole('button', { name: 'Helpful', exact: true }).press('Enter');
    assert.equal((await marked).status(), 303);
    await maya.locator('li.feedback-item', { hasText: BEHAVIOUR }).getByText('You said it helped.').waitFor();
    await checked(maya, 'the received feedback page', 'feedback-received');
    await maya.context().close();
  });

  step('admin: counts by team, never the words', async () => {
    const admin = await newPage(DESKTOP);
    await signIn(admin, ADMIN);
    await admin.goto(`${held.baseUrl}/admin/feedback`);
    await admin.getByTestId('feedback-teams').waitFor();
    assert.equal(await admin.getByText(BEHAVIOUR).count(), 0);
    await checked(admin, 'the feedback counts page', 'feedback-admin');
    await admin.context().close();
  });
});
