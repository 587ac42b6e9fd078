import type { Environment } from './environment.js';

/** What a local stream asks the browser for in `init()`. */
export interface CaptureRequest {
  /** The screen (a window, a tab) through `getDisplayMedia`, instead of camera and microphone. */
  screen: boolean;
  audio: boolean | MediaTrackConstraints;
  video: boolean | MediaTrackConstraints;
}

/**
 * Asks for the media of a local stream: the display capture for a screen stream (its `audio`
 * asks for the tab's or system's sound, which the user may still decline), camera and microphone
 * otherwise. Resolves to undefined when neither audio nor video is wanted. A refusal rejects
 * with the browser's error (NotAllowedError when the user says no).
 */
export async function capture(env: Environment, { screen, audio, video }: CaptureRequest): Promise<MediaStream | undefined> {
  if (screen) {
    const getDisplayMedia = env.getDisplayMedia;
    if (!getDisplayMedia) throw new Error('getDisplayMedia is not available: pass it in the KurentoRoom options');
    // A display capture always has video: getDisplayMedia refuses `video: false` with a TypeError.
    if (video === false) throw new TypeError("A screen stream has video: 'video: false' cannot be captured");
    return getDisplayMedia({ audio, video });
  }
  if (!audio && !video) return undefined;
  const getUserMedia = env.getUserMedia;
  if (!getUserMedia) throw new Error('getUserMedia is not available: pass it in the KurentoRoom options');
  return getUserMedia({ audio, video });
}

/**
 * Calls `onEnded` once when a video track of `media` ends by itself: the browser's own "Stop
 * sharing" button, a closed shared window, an unplugged device. `track.stop()` fires no `ended`,
 * so the application's own stops do not come here. Returns a function that stops watching.
 */
export function watchEnded(media: MediaStream, onEnded: () => void): () => void {
  const tracks = media.getVideoTracks();
  let fired = false;
  const listener = () => {
    if (fired) return;
    fired = true;
    stop();
    onEnded();
  };
  const stop = () => {
    for (const track of tracks) track.removeEventListener?.('ended', listener);
  };
  for (const track of tracks) track.addEventListener?.('ended', listener);
  return stop;
}
