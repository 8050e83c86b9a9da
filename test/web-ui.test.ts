import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { journeyWorkflowId } from '../shared/journey.js';
import { artifactsDir, codecAuth, launchChromium } from './helpers/browser.js';
import { ENCRYPTED_MARKER, searchableText, showHistory } from './helpers/history.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, type JourneyEnv } from './helpers/journey-env.js';

// What ops see, in a real browser: the dev server's Temporal Web UI, driven by Debian's chromium.
// Journeys are found by their search attributes, and a journey's page shows its summary, stage and decision.
// Screenshots land in test/artifacts/ (the README's runbook uses copies of them).

const idAndSelfie = { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } };

describe('Temporal Web UI, as ops see journeys', () => {
  let env: JourneyEnv;
  let browser: Browser;
  let page: Page;
  const ui = () => process.env.TEMPORAL_TEST_UI_URL!;
  let passRef: string;
  let referRef: string;
  let waitingRef: string;
  let passDecision: string;

  beforeAll(async () => {
    env = await createJourneyEnv();
    await env.startWorker();
    [passRef, referRef, waitingRef] = [env.ref('pass-'), env.ref('refer-'), env.ref('pass-')];
    await env.journeys.startJourney({ referenceNo: passRef, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    // Decided Refer without waiting for a reviewer, so the list filters can find it by its decision.
    await env.journeys.startJourney({
      referenceNo: referRef,
      flowId: FLOW_ID_SELFIE,
      steps: idAndSelfie,
      options: { awaitReviewFor: [] },
    });
    await env.journeys.startJourney({
      referenceNo: waitingRef,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': idAndSelfie['0'] },
    });
    passDecision = (await env.journeys.awaitOutcome(passRef)).decision.final;
    await env.journeys.awaitOutcome(referRef);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, ...codecAuth() });
  });
  afterAll(async () => {
    await browser?.close();
    await env.journeys.cancel(waitingRef).catch(() => undefined);
    await env.close();
  });

  /** Opens the workflow list with a visibility query; reloads until the expected rows are indexed. */
  async function listWorkflows(query: string, expectedIds: string[]): Promise<void> {
    const url = `${ui()}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
    for (let attempt = 0; ; attempt++) {
      await page.goto(url);
      try {
        for (const id of expectedIds)
          await page.getByRole('link', { name: id, exact: true }).waitFor({ timeout: 5_000 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  /**
   * The UI renders summaries and details (markdown) inside sandboxed iframes, so text is read from every
   * frame, polling until it matches or the time is up.
   */
  async function waitForText(pattern: RegExp | string, timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let text = '';
    for (;;) {
      const parts = await Promise.all(
        page.frames().map((f) =>
          f
            .locator('body')
            .innerText()
            .catch(() => ''),
        ),
      );
      text = parts.join('\n');
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > until)
        throw new Error(`page never showed ${String(pattern)}; it showed:\n${text.slice(0, 3000)}`);
      await page.waitForTimeout(250);
    }
  }

  const visibleIds = () =>
    page
      .getByRole('link', { name: /^idwise-journey-/ })
      .evaluateAll((links) => links.map((l) => l.textContent?.trim()));

  it('finds a journey by IdwiseReferenceNo and shows its summary, stage and decision', async () => {
    const id = journeyWorkflowId(passRef);
    await listWorkflows(`IdwiseReferenceNo="${passRef}"`, [id]);
    expect(await visibleIds()).toEqual([id]);
    await page.getByText('Completed', { exact: true }).first().waitFor();
    await page.screenshot({ path: join(artifactsDir, 'web-ui-list.png') });

    await page.getByRole('link', { name: id, exact: true }).click();
    await page.getByRole('heading', { name: id }).waitFor();
    await page.getByText('User Metadata', { exact: true }).click();
    await waitForText(`IDWise journey ${passRef}, flow ${FLOW_ID_SELFIE}`);
    const body = await waitForText(/Stage:\s*completed/);
    expect(body).toContain(`Decision: ${passDecision}`);
    expect(body).toMatch(/start journey .* on flow sandbox-id-and-selfie/);
    expect(body).toContain('submit step 0: Document, Photo ID');
    await page.screenshot({ path: join(artifactsDir, 'web-ui-journey.png'), fullPage: true });

    await page.getByText('Search Attributes', { exact: true }).click();
    await page.getByText('"IdwiseStage": "completed"').waitFor();
    await page.getByText(`"IdwiseDecision": "${passDecision}"`).waitFor();
    await page.getByText(`"IdwiseReferenceNo": "${passRef}"`).waitFor();
  });

  it('filters journeys by IdwiseStage and IdwiseDecision', async () => {
    const ours = `IdwiseReferenceNo IN ("${passRef}", "${referRef}", "${waitingRef}")`;

    await listWorkflows(`IdwiseDecision="Refer" AND ${ours}`, [journeyWorkflowId(referRef)]);
    expect(await visibleIds()).toEqual([journeyWorkflowId(referRef)]);

    await listWorkflows(`IdwiseStage="completed" AND ${ours}`, [
      journeyWorkflowId(passRef),
      journeyWorkflowId(referRef),
    ]);
    expect((await visibleIds()).sort()).toEqual([journeyWorkflowId(passRef), journeyWorkflowId(referRef)].sort());

    await listWorkflows(`IdwiseStage="waiting-for-files" AND ${ours}`, [journeyWorkflowId(waitingRef)]);
    expect(await visibleIds()).toEqual([journeyWorkflowId(waitingRef)]);
    await page.getByText('Running', { exact: true }).first().waitFor();
    await page.screenshot({ path: join(artifactsDir, 'web-ui-waiting-list.png') });

    await page.getByRole('link', { name: journeyWorkflowId(waitingRef), exact: true }).click();
    await page.getByText('User Metadata', { exact: true }).click();
    await waitForText(/Stage:\s*waiting-for-files \(step 2\)/);
    await page.screenshot({ path: join(artifactsDir, 'web-ui-waiting-journey.png') });
  });

  it('shows the journey input through the codec server, while the stored history holds only ciphertext', async () => {
    const id = journeyWorkflowId(passRef);
    const imageName = 'id-front.jpg';
    await page.goto(`${ui()}/namespaces/default/workflows/${encodeURIComponent(id)}`);
    await page.getByRole('heading', { name: id }).waitFor();
    const shown = await waitForText(imageName);
    expect(shown).toContain(images.front);
    await page.screenshot({ path: join(artifactsDir, 'web-ui-decoded-input.png'), fullPage: true });

    const storedJson = await showHistory(id);
    expect((JSON.parse(storedJson) as { events: unknown[] }).events.length).toBeGreaterThan(10);
    expect(storedJson).toContain(ENCRYPTED_MARKER);
    // Payload bytes are base64 in the CLI's JSON: the search covers them decoded.
    const stored = searchableText(storedJson);
    for (const plain of [imageName, 'samples/images', '"steps"', '"flowId"', 'IDWise journey', 'submit step 0']) {
      expect(stored).not.toContain(plain);
    }
    // The same search through the codec server finds them: the absence above is encryption, not a blind search.
    const decoded = searchableText(await showHistory(id, { decoded: true }));
    expect(decoded).toContain(imageName);
    expect(decoded).toContain('IDWise journey');
  });
});
