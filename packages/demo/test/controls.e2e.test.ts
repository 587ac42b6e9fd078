/**
 * The call's controls end to end in Chromium with fake devices: switching
 * camera and microphone mid-call, sharing the screen, the mute and camera-off indicators, the
 * chat's unread badge and Esc, and the invite link. What the others see is proven by what their
 * pages decode: frames counted, the picture's colour, the audio's level.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable, waitForNewFrames } from '../../../testing/chromium.js';
import { expectNoVideo, expectServerEmpty, expectStillPlaying, expectVideos, join, leave, spotlightName, startBed, thumb, video, type DemoBed } from './support.js';

/**
 * Mean green minus mean red of a page's video (-255..255): Chromium's fake camera draws green
 * (~+100), the red test camera below about -200, so the watcher tells which camera it receives.
 * Evaluated from a string: tsx's keepNames would wrap a function in a helper the page lacks.
 */
const GREENNESS = (selector: string) => `(() => {
  const v = document.querySelector(${JSON.stringify(selector)});
  const c = document.createElement('canvas');
  c.width = 64; c.height = 48;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0, c.width, c.height);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let diff = 0;
  for (let i = 0; i < d.length; i += 4) diff += d[i + 1] - d[i];
  return diff / (d.length / 4);
})()`;

/**
 * A second camera for the page, "Red test camera": listed by enumerateDevices and opened by
 * getUserMedia when asked for by its id, drawing red with a moving bar. Chromium's own second
 * fake camera cannot be told apart at the far end (or, with device-count=2, is not encoded at
 * all: it delivers Y16), so the test brings a camera whose picture proves which one is sent.
 */
const RED_CAMERA = `(() => {
  const devices = navigator.mediaDevices;
  const enumerate = devices.enumerateDevices.bind(devices);
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.enumerateDevices = async () => [...(await enumerate()), { deviceId: 'red-camera', groupId: 'red', kind: 'videoinput', label: 'Red test camera', toJSON() { return this; } }];
  devices.getUserMedia = async (constraints) => {
    const video = constraints && constraints.video;
    if (!video || !video.deviceId || video.deviceId.exact !== 'red-camera') return getUserMedia(constraints);
    const canvas = document.createElement('canvas');
    canvas.width = 320; canvas.height = 240;
    const g = canvas.getContext('2d');
    let x = 0;
    setInterval(() => { g.fillStyle = '#d01010'; g.fillRect(0, 0, 320, 240); g.fillStyle = '#fff'; g.fillRect(x = (x + 8) % 320, 0, 12, 240); }, 66);
    return canvas.captureStream(15);
  };
})()`;

/**
 * The loudest sample (0..1) of a page's received audio over `ms` milliseconds, through Web Audio
 * on the video element's stream (Chromium's fake microphone beeps every second or so).
 */
function peakAudio(page: Page, selector: string, ms: number): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const v = document.querySelector(${JSON.stringify(selector)});
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(v.srcObject).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let peak = 0;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
    }, 20);
    setTimeout(() => { clearInterval(timer); context.close(); resolve(peak); }, ${ms});
  })`);
}

/** Waits for 8 new frames of a video; a failure says what the element held. */
async function playing(page: Page, selector: string, who: string): Promise<void> {
  try {
    await waitForNewFrames(page, selector, 8);
  } catch (error) {
    const state = await page.$eval(selector, (v) => {
      const e = v as HTMLVideoElement;
      const tracks = (e.srcObject as MediaStream | null)?.getTracks().map((t) => `${t.kind} ${t.readyState}${t.muted ? ' muted' : ''}`);
      return `readyState ${e.readyState}, paused ${e.paused}, ${e.videoWidth}x${e.videoHeight}, tracks [${tracks?.join(', ')}]`;
    }).catch(() => 'no such element');
    throw new Error(`${who}: ${(error as Error).message}; the video: ${state}`);
  }
}

/** What the settings dialog says once a switch is over (it says "Switching …" meanwhile). */
async function switched(page: Page): Promise<string | null> {
  await page.waitForFunction(() => !/^(Switching|$)/.test(document.getElementById('settingsStatus')?.textContent ?? ''), null, { timeout: 15_000 });
  return page.textContent('#settingsStatus');
}

/** The label of a track of the stream a page's video shows. */
function trackLabel(page: Page, selector: string, kind: 'audio' | 'video'): Promise<string | undefined> {
  return page.$eval(selector, (v, k) => ((v as HTMLVideoElement).srcObject as MediaStream | null)?.getTracks().find((t) => t.kind === k)?.label, kind);
}

describe('demo in Chromium: call controls', { skip: !chromiumAvailable() && 'no Chromium' }, () => {
  let bed: DemoBed;
  before(async () => {
    bed = await startBed();
  });
  afterEach(async () => {
    await bed.closePages();
    await expectServerEmpty(bed.server);
  });
  after(async () => {
    await bed?.close();
  });

  test('switching camera and microphone mid-call: the other side keeps decoding, now from the new devices, with no new negotiation', async () => {
    const sent: string[] = [];
    const switcher = await bed.open('/', async (page) => {
      page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => sent.push(String(payload))));
      await page.addInitScript(RED_CAMERA);
    });
    const watcher = await bed.open();
    await join(switcher, 'sw', 'switch');
    await join(watcher, 'wa', 'switch');
    await expectVideos(watcher, ['sw']);
    const green = (await watcher.evaluate(GREENNESS(video('sw')))) as number;
    assert.ok(green > 40, `the fake camera is green (${green})`);
    // The capture the stream started with, to see it stopped after the switch.
    await switcher.$eval(video('sw'), (v) => ((window as unknown as { firstCamera: MediaStreamTrack }).firstCamera = ((v as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!));

    await switcher.click('#cameraMenu');
    await switcher.waitForSelector('#settingsDialog[open]');
    assert.equal(await switcher.evaluate(() => document.activeElement?.id), 'callCameraSelect', 'the camera list has focus');
    assert.deepEqual(await switcher.$$eval('#callCameraSelect option', (options) => options.map((o) => o.textContent)), ['fake_device_0', 'Red test camera']);
    await switcher.selectOption('#callCameraSelect', { label: 'Red test camera' });
    assert.equal(await switched(switcher), 'Now using Red test camera.');
    assert.equal(await switcher.evaluate(() => (window as unknown as { firstCamera: MediaStreamTrack }).firstCamera.readyState), 'ended', 'the first camera is released');
    // The watcher decodes new frames, red ones: the new camera on the same subscription.
    await waitForNewFrames(watcher, video('sw'), 8);
    await watcher.waitForFunction(`${GREENNESS(video('sw'))} < -100`, null, { timeout: 20_000, polling: 200 });
    await waitForNewFrames(switcher, video('sw'), 8); // one's own tile shows the new camera too
    assert.ok(((await switcher.evaluate(GREENNESS(video('sw')))) as number) < -100, 'the own tile is red');

    await switcher.selectOption('#callMicSelect', { label: 'Fake Audio Input 1' });
    assert.equal(await switched(switcher), 'Now using Fake Audio Input 1.');
    assert.equal(await trackLabel(switcher, video('sw'), 'audio'), 'Fake Audio Input 1');
    // The old microphone is stopped; sound still arrives, so it is the new one's.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const peak = await peakAudio(watcher, video('sw'), 5000);
    assert.ok(peak > 0.05, `the watcher hears the new microphone (peak ${peak})`);

    assert.equal(sent.filter((frame) => frame.includes('"publishVideo"')).length, 1, 'published once, before the switches: no renegotiation');
    await switcher.keyboard.press('Escape');
    await switcher.waitForSelector('#settingsDialog', { state: 'hidden' });
    await leave(switcher);
    await leave(watcher);
  });

  test('screen share: the others and a late joiner see it as the large tile; the browser\'s "Stop sharing" unpublishes it', async () => {
    const [sharer, viewer] = [await bed.open(), await bed.open()];
    await join(sharer, 'presenter', 'share');
    await join(viewer, 'viewer', 'share');
    await expectVideos(viewer, ['presenter']);
    assert.equal(await sharer.textContent('#buttonScreen .label'), 'Share screen');

    await sharer.click('#buttonScreen');
    await sharer.waitForSelector(thumb('presenter', 'screen'));
    assert.equal(await sharer.textContent('#buttonScreen .label'), 'Stop sharing');
    for (const [who, page] of [['viewer', viewer], ['sharer', sharer]] as const) await playing(page, video('presenter', 'screen'), who);
    assert.equal(await spotlightName(viewer), 'presenter (screen)', 'the shared screen is the large tile');
    assert.equal(await spotlightName(sharer), null, 'one\'s own screen is not put large for oneself');
    await expectStillPlaying(viewer, 'presenter'); // the camera goes on beside it

    const late = await bed.open();
    await join(late, 'late', 'share');
    await playing(late, video('presenter', 'screen'), 'late joiner');
    assert.equal(await spotlightName(late), 'presenter (screen)');

    // The browser's own "Stop sharing" ends the capture track; stop() does not fire `ended` on a
    // local track, so the test fires it as the browser does.
    await sharer.$eval(video('presenter', 'screen'), (v) => ((v as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.dispatchEvent(new Event('ended')));
    for (const page of [viewer, late]) await page.waitForSelector(thumb('presenter', 'screen'), { state: 'detached', timeout: 15_000 });
    await sharer.waitForSelector(thumb('presenter', 'screen'), { state: 'detached' });
    assert.equal(await sharer.textContent('#buttonScreen .label'), 'Share screen');
    await expectStillPlaying(viewer, 'presenter');
    await expectStillPlaying(late, 'presenter');
    for (const page of [late, viewer, sharer]) await leave(page);
  });

  test('mute and camera off are seen by the others on the tile and in the people list, by a late joiner too', async () => {
    const [talker, listener] = [await bed.open(), await bed.open()];
    await join(talker, 'talker', 'mute');
    await join(listener, 'listener', 'mute');
    await expectVideos(listener, ['talker']);
    await listener.click('#buttonPeople');
    // What the people list says of the talker (its fake microphone beeps, so it may also say "speaking").
    const state = async (page: Page) => (await page.textContent('#peopleList .person[data-user="talker"] .person-state'))!.replace(/(, )?speaking$/, '');
    assert.equal(await state(listener), '');

    await talker.click('#buttonMic');
    assert.equal(await talker.textContent('#buttonMic .label'), 'Unmute');
    await talker.waitForSelector(`${thumb('talker')}[data-audio-off]`); // one's own tile says so too
    await listener.waitForSelector(`${thumb('talker')}[data-audio-off] .tile-muted`, { state: 'visible' });
    assert.equal(await state(listener), 'microphone off');

    await talker.click('#buttonCamera');
    assert.equal(await talker.textContent('#buttonCamera .label'), 'Start video');
    await listener.waitForSelector(`${thumb('talker')}[data-video-off] .avatar`, { state: 'visible' });
    assert.equal(await listener.textContent(`${thumb('talker')} .avatar`), 'T');
    assert.equal(await state(listener), 'microphone off, camera off');

    const late = await bed.open();
    await join(late, 'late', 'mute');
    await late.waitForSelector(`${thumb('talker')}[data-audio-off][data-video-off]`);

    await talker.click('#buttonMic');
    await talker.click('#buttonCamera');
    for (const page of [listener, late]) {
      await page.waitForSelector(`${thumb('talker')}:not([data-audio-off]):not([data-video-off])`);
      await waitForNewFrames(page, video('talker'), 8);
    }
    assert.equal(await state(listener), '');
    for (const page of [late, listener, talker]) await leave(page);
  });

  test('chat: unread messages count on a badge without opening the panel or taking focus, are announced, and Esc closes the panel', async () => {
    const [writer, reader] = [await bed.open(), await bed.open()];
    await join(writer, 'writer', 'badge');
    await join(reader, 'reader', 'badge');
    await reader.focus('#buttonMic');
    await writer.click('#buttonChat');
    for (const text of ['first', 'second']) {
      await writer.fill('#chatInput', text);
      await writer.press('#chatInput', 'Enter');
    }
    await reader.waitForFunction(() => document.getElementById('chatBadgeCount')?.textContent === '2');
    assert.equal(await reader.isVisible('#chatBadge'), true);
    assert.equal(await reader.isHidden('#chatPanel'), true, 'the panel stays closed');
    assert.equal(await reader.evaluate(() => document.activeElement?.id), 'buttonMic', 'focus stays where it was');
    assert.equal(await reader.textContent('#chatAnnouncer'), 'writer says: second');
    assert.equal(await reader.getAttribute('#chatAnnouncer', 'aria-live'), 'polite');
    assert.equal(await writer.isHidden('#chatBadge'), true, 'one\'s own messages are not unread');

    await reader.click('#buttonChat');
    assert.equal(await reader.isVisible('#chatPanel'), true);
    assert.equal(await reader.isHidden('#chatBadge'), true, 'opening reads them');
    assert.deepEqual(await reader.$$eval('#chatMessages .message[data-user="writer"] .message-text', (items) => items.map((i) => i.textContent)), ['first', 'second']);
    assert.equal(await reader.evaluate(() => document.activeElement?.id), 'chatInput', 'opening on request puts the cursor in the message field');
    await reader.keyboard.press('Escape');
    await reader.waitForSelector('#chatPanel', { state: 'hidden' });
    assert.equal(await reader.evaluate(() => document.activeElement?.id), 'buttonChat', 'focus goes back to the Chat button');

    await writer.fill('#chatInput', 'third');
    await writer.press('#chatInput', 'Enter');
    await reader.waitForFunction(() => document.getElementById('chatBadgeCount')?.textContent === '1');
    // Esc closes the people list as well.
    await reader.click('#buttonPeople');
    assert.equal(await reader.isVisible('#peoplePanel'), true);
    await reader.keyboard.press('Escape');
    await reader.waitForSelector('#peoplePanel', { state: 'hidden' });
    await leave(reader);
    await leave(writer);
  });

  test('invite link: copied during the call, it opens the join view with the room filled in', async () => {
    const host = await bed.open();
    await host.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bed.server.url });
    await join(host, 'host', 'invite me');
    await host.click('#buttonInvite');
    const link = `${bed.server.url}/#/rooms/invite%20me`;
    await host.waitForSelector(`.toast-success:has-text("Invite link copied: ${link}")`);
    assert.equal(await host.evaluate(() => navigator.clipboard.readText()), link);
    assert.equal(host.url(), link, 'the address names the room too');
    const guest = await bed.open(new URL(link).pathname + new URL(link).hash);
    assert.equal(await guest.inputValue('#roomName'), 'invite me');
    await leave(host);
  });
});
