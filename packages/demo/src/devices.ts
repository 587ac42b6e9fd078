/**
 * Cameras and microphones: the constraints that pick one, and the `<select>` lists of what
 * `enumerateDevices()` finds. Used by the join view's pickers and by the call's settings.
 */
import { el } from './dom.js';

export type Quality = 'standard' | 'low';
export type DeviceKind = 'videoinput' | 'audioinput';

/** Camera constraints: "low" keeps CPU and bandwidth down for slow machines and many people. */
export function videoConstraints(quality: Quality, deviceId?: string): MediaTrackConstraints {
  const size =
    quality === 'low'
      ? { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 10 } }
      : { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } };
  return deviceId ? { ...size, deviceId: { exact: deviceId } } : size;
}

export function audioConstraints(deviceId?: string): MediaTrackConstraints | true {
  return deviceId ? { deviceId: { exact: deviceId } } : true;
}

/** The device a capture track comes from. */
export function deviceOf(track: MediaStreamTrack | undefined): string | undefined {
  return track?.getSettings().deviceId;
}

/** The devices of one kind; labels are empty until the page was allowed to capture. */
export async function listDevices(kind: DeviceKind): Promise<MediaDeviceInfo[]> {
  try {
    return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind);
  } catch {
    return [];
  }
}

/** Fills a `<select>` with devices and selects `current`; an empty list says so and disables it. */
export function fillDeviceSelect(select: HTMLSelectElement, devices: MediaDeviceInfo[], current: string | undefined, noun: 'Camera' | 'Microphone'): void {
  const options = devices.map((device, i) => {
    const option = el('option', undefined, device.label || `${noun} ${i + 1}`);
    option.value = device.deviceId;
    return option;
  });
  if (options.length === 0) options.push(el('option', undefined, `No ${noun.toLowerCase()} found`));
  select.replaceChildren(...options);
  select.disabled = devices.length === 0;
  if (current && devices.some((d) => d.deviceId === current)) select.value = current;
}

/** Stops every track of a capture. */
export function stopMedia(media: MediaStream | undefined): void {
  for (const track of media?.getTracks() ?? []) track.stop();
}
