/**
 * One's own camera and microphone during the call: the Mute and Stop video buttons
 * (`setAudioEnabled` / `setVideoEnabled`, which tell the room), the settings dialog that
 * switches camera or microphone mid-call with `Stream.replaceTrack` (no new negotiation: the
 * others keep receiving, now from the new device), and the speaking indicator of one's own tile
 * (the room detects the others' voices, not one's own).
 */
import { SpeakerDetector, type Stream } from '@kurento-room/client';
import { audioConstraints, deviceOf, fillDeviceSelect, listDevices, videoConstraints, type Quality } from './devices.js';
import { byId, setLabel } from './dom.js';
import { describeError } from './notices.js';

export interface LocalControlsHooks {
  /** Mute state changed: the own tile and the people list show it. */
  changed(): void;
  /** A device was switched: the own tile shows the new track. */
  switched(): void;
  speaking(speaking: boolean): void;
}

export class LocalControls {
  private readonly mic = byId<HTMLButtonElement>('buttonMic');
  private readonly camera = byId<HTMLButtonElement>('buttonCamera');
  private readonly dialog = byId<HTMLDialogElement>('settingsDialog');
  private readonly cameraSelect = byId<HTMLSelectElement>('callCameraSelect');
  private readonly micSelect = byId<HTMLSelectElement>('callMicSelect');
  private readonly status = byId('settingsStatus');
  private readonly cleanups: (() => void)[] = [];
  private audioContext?: AudioContext;
  private detector?: SpeakerDetector;
  private switching = Promise.resolve();

  constructor(
    private readonly local: Stream,
    private readonly quality: Quality,
    private readonly threshold: number,
    private readonly hooks: LocalControlsHooks,
  ) {
    this.listen(this.mic, 'click', () => this.setEnabled(!local.isAudioEnabled(), local.isVideoEnabled()));
    this.listen(this.camera, 'click', () => this.setEnabled(local.isAudioEnabled(), !local.isVideoEnabled()));
    this.listen(byId('micMenu'), 'click', () => void this.openSettings(this.micSelect));
    this.listen(byId('cameraMenu'), 'click', () => void this.openSettings(this.cameraSelect));
    this.listen(byId('buttonSettings'), 'click', () => void this.openSettings(this.cameraSelect));
    this.listen(byId('settingsDone'), 'click', () => this.dialog.close());
    this.listen(this.cameraSelect, 'change', () => this.use('video', this.cameraSelect));
    this.listen(this.micSelect, 'change', () => this.use('audio', this.micSelect));
    this.render();
    this.watchSpeaking();
  }

  /** Microphone / camera on or off, for the others too (`streamPropertyChanged`). */
  setEnabled(audio: boolean, video: boolean): void {
    if (audio !== this.local.isAudioEnabled()) this.local.setAudioEnabled(audio);
    if (video !== this.local.isVideoEnabled()) this.local.setVideoEnabled(video);
    this.render();
    this.hooks.changed();
  }

  destroy(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.detector?.stop();
    this.audioContext?.close().catch(() => undefined);
    if (this.dialog.open) this.dialog.close();
  }

  private render(): void {
    const audio = this.local.isAudioEnabled();
    const video = this.local.isVideoEnabled();
    this.mic.toggleAttribute('data-off', !audio);
    this.camera.toggleAttribute('data-off', !video);
    setLabel(this.mic, audio ? 'Mute' : 'Unmute');
    setLabel(this.camera, video ? 'Stop video' : 'Start video');
  }

  private async openSettings(focus: HTMLSelectElement): Promise<void> {
    this.status.textContent = '';
    await this.fillDevices();
    if (!this.dialog.open) this.dialog.showModal();
    focus.focus();
  }

  private async fillDevices(): Promise<void> {
    const media = this.local.getLocalMediaStream();
    const [cameras, mics] = await Promise.all([listDevices('videoinput'), listDevices('audioinput')]);
    fillDeviceSelect(this.cameraSelect, cameras, deviceOf(media?.getVideoTracks()[0]), 'Camera');
    fillDeviceSelect(this.micSelect, mics, deviceOf(media?.getAudioTracks()[0]), 'Microphone');
  }

  /** Switches to the device chosen in `select`; one switch at a time, in the order asked. */
  private use(kind: 'audio' | 'video', select: HTMLSelectElement): void {
    const deviceId = select.value;
    const name = select.selectedOptions[0]?.textContent ?? deviceId;
    this.switching = this.switching.then(() => this.switchTo(kind, deviceId, name));
  }

  private async switchTo(kind: 'audio' | 'video', deviceId: string, name: string): Promise<void> {
    const noun = kind === 'video' ? 'camera' : 'microphone';
    this.status.textContent = `Switching ${noun}…`;
    let track: MediaStreamTrack | undefined;
    try {
      const constraints = kind === 'video' ? { video: videoConstraints(this.quality, deviceId) } : { audio: audioConstraints(deviceId) };
      track = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
      if (!track) throw new Error(`no ${noun} track`);
      await this.local.replaceTrack(track);
    } catch (error) {
      track?.stop();
      this.status.textContent = `The ${noun} could not be switched: ${describeError(error)}`;
      await this.fillDevices();
      return;
    }
    this.status.textContent = `Now using ${name}.`;
    if (kind === 'audio') this.watchSpeaking();
    this.hooks.switched();
  }

  /** Watches one's own microphone (again after a switch: a detector is bound to the track it started with). */
  private watchSpeaking(): void {
    this.detector?.stop();
    this.detector = undefined;
    const media = this.local.getLocalMediaStream();
    if (!media || media.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return;
    this.audioContext ??= new AudioContext();
    this.detector = new SpeakerDetector(this.audioContext, media, this.threshold, (speaking) => this.hooks.speaking(speaking));
  }

  private listen(target: EventTarget, type: string, listener: () => void): void {
    target.addEventListener(type, listener);
    this.cleanups.push(() => target.removeEventListener(type, listener));
  }
}
