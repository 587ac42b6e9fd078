/** The DOM helpers of the original KurentoRoom.js, with `srcObject` instead of object URLs. */

export interface Playable {
  getGlobalID(): string;
  isLocal(): boolean;
  getMediaStream(): MediaStream | undefined;
}

function resolve(doc: Document, target: HTMLElement | string): HTMLElement {
  const element = typeof target === 'string' ? doc.getElementById(target) : target;
  if (!element) throw new Error(`No element with id '${String(target)}'`);
  return element;
}

/** A `<video id="native-video-<globalId>" autoplay>`, muted for the local stream, appended to `parent`. */
export function createVideo(doc: Document, stream: Playable, parent: HTMLElement | string): HTMLVideoElement {
  const host = resolve(doc, parent);
  const video = doc.createElement('video');
  video.id = `native-video-${stream.getGlobalID()}`;
  video.autoplay = true;
  video.playsInline = true;
  video.controls = false;
  if (stream.isLocal()) video.muted = true;
  const media = stream.getMediaStream();
  if (media) video.srcObject = media;
  host.appendChild(video);
  return video;
}

/** Shows the element with id `id`, if there is one. */
export function show(doc: Document, id: string | undefined): void {
  const element = id === undefined ? null : doc.getElementById(id);
  if (element) element.style.display = '';
}

/**
 * The thumbnail of the original: `<div class="participant" id="<globalId>">` in `#thumbnailId`,
 * holding a name tag `<div class="name" id="name-<globalId>">` (the global id without `_webcam`,
 * cut to 16 characters) and a spinner `<img id="progress-<globalId>">` until the video plays.
 */
export function createThumbnail(doc: Document, stream: Playable, thumbnailId: string): { container: HTMLElement; spinner: HTMLElement } {
  const host = resolve(doc, thumbnailId);
  const globalId = stream.getGlobalID();
  const container = doc.createElement('div');
  container.className = 'participant';
  container.id = globalId;
  const name = doc.createElement('div');
  name.className = 'name';
  name.id = `name-${globalId}`;
  name.title = globalId;
  let label = globalId.replace(/_webcam$/, '');
  if (label.length > 16) label = `${label.slice(0, 16)}...`;
  name.textContent = label;
  container.appendChild(name);
  const spinner = doc.createElement('img');
  spinner.id = `progress-${globalId}`;
  spinner.src = 'img/spinner.gif';
  host.appendChild(spinner);
  host.appendChild(container);
  return { container, spinner };
}
