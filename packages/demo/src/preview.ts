/**
 * The join view's camera preview: captures the chosen camera and microphone so people see
 * themselves before joining, and hands that capture to the call (no second camera start, no
 * flicker). When the capture fails the preview says why; joining then asks again through the
 * client library's `init()`, whose `access-denied` explains the failure on the form.
 */
import { audioConstraints, stopMedia, videoConstraints, type Quality } from './devices.js';
import { accessDeniedMessage } from './notices.js';

export interface DeviceChoice {
  quality: Quality;
  cameraId?: string;
  micId?: string;
}

export class Preview {
  private media?: MediaStream;
  private starting: Promise<void> = Promise.resolve();
  /** Bumped by every start and stop, so a capture that resolves late is released, not shown. */
  private generation = 0;
  private audioOn = true;
  private videoOn = true;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly message: HTMLElement,
  ) {}

  /** (Re)starts the capture with this choice; resolves once it runs or has failed. */
  start(choice: DeviceChoice): Promise<void> {
    const generation = ++this.generation;
    this.release();
    this.say('Starting camera…');
    this.starting = (async () => {
      let media: MediaStream;
      try {
        media = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(choice.micId), video: videoConstraints(choice.quality, choice.cameraId) });
      } catch (error) {
        if (generation === this.generation) this.say(accessDeniedMessage(error));
        return;
      }
      if (generation !== this.generation) return stopMedia(media);
      this.media = media;
      this.video.srcObject = media;
      this.apply();
    })();
    return this.starting;
  }

  /** The running capture (for its devices), if any. */
  current(): MediaStream | undefined {
    return this.media;
  }

  /** Hands the capture over to the caller, who then owns (and stops) it; undefined without one. */
  async take(): Promise<MediaStream | undefined> {
    await this.starting;
    const media = this.media;
    this.media = undefined;
    this.video.srcObject = null;
    return media;
  }

  /** Stops the capture (the view is hidden). */
  stop(): void {
    this.generation++;
    this.release();
  }

  /** Join with the microphone / camera off: the preview's tracks follow at once. */
  setEnabled(audioOn: boolean, videoOn: boolean): void {
    this.audioOn = audioOn;
    this.videoOn = videoOn;
    this.apply();
  }

  private apply(): void {
    for (const track of this.media?.getAudioTracks() ?? []) track.enabled = this.audioOn;
    for (const track of this.media?.getVideoTracks() ?? []) track.enabled = this.videoOn;
    if (this.media) this.say(this.videoOn ? '' : 'Camera is off');
  }

  private release(): void {
    stopMedia(this.media);
    this.media = undefined;
    this.video.srcObject = null;
  }

  private say(text: string): void {
    this.message.textContent = text;
    this.message.hidden = text === '';
  }
}
