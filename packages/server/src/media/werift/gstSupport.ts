/**
 * Finds out whether this machine can run the face overlay filter pipeline: the GStreamer tools,
 * every element the pipeline uses, and OpenCV's face cascade. Missing pieces are reported as the
 * Debian packages that provide them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FilterSupport } from '../MediaEngine.js';

export interface GstreamerOptions {
  /** Folder holding gst-launch-1.0 and gst-inspect-1.0; default: found on PATH. */
  binDir?: string;
}

/** The cascade GStreamer's facedetect (inside faceoverlay) loads by default. */
export const DEFAULT_FACE_CASCADE = '/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml';

/** Elements of the filter pipeline and the Debian package of each. */
const ELEMENTS: ReadonlyArray<[element: string, pkg: string]> = [
  ['udpsrc', 'gstreamer1.0-plugins-good'],
  ['udpsink', 'gstreamer1.0-plugins-good'],
  ['rtpjitterbuffer', 'gstreamer1.0-plugins-good'],
  ['rtpvp8depay', 'gstreamer1.0-plugins-good'],
  ['rtpvp8pay', 'gstreamer1.0-plugins-good'],
  ['vp8dec', 'gstreamer1.0-plugins-good'],
  ['vp8enc', 'gstreamer1.0-plugins-good'],
  ['videoconvert', 'gstreamer1.0-plugins-base'],
  ['faceoverlay', 'gstreamer1.0-plugins-bad'],
  ['rsvgoverlay', 'gstreamer1.0-plugins-bad'],
  ['facedetect', 'gstreamer1.0-opencv'],
];
const TOOLS_PACKAGE = 'gstreamer1.0-tools';
const CASCADE_PACKAGE = 'opencv-data';

export function gstTool(options: GstreamerOptions, name: 'gst-launch-1.0' | 'gst-inspect-1.0'): string {
  return options.binDir ? join(options.binDir, name) : name;
}

function listElements(inspect: string): Promise<Set<string> | undefined> {
  return new Promise((resolve) => {
    execFile(inspect, [], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error && !stdout) {
        resolve(undefined);
        return;
      }
      // Lines look like "coreelements:  fakesink: Fake Sink".
      const names = new Set<string>();
      for (const line of stdout.split('\n')) {
        const m = /^[\w.-]+:\s+([\w-]+):\s/.exec(line);
        if (m) names.add(m[1]!);
      }
      resolve(names);
    });
  });
}

export async function probeGstreamer(options: GstreamerOptions = {}): Promise<FilterSupport> {
  const missing = new Set<string>();
  const reasons: string[] = [];
  const elements = await listElements(gstTool(options, 'gst-inspect-1.0'));
  if (!elements) {
    missing.add(TOOLS_PACKAGE);
    for (const [, pkg] of ELEMENTS) missing.add(pkg);
    reasons.push(`cannot run ${gstTool(options, 'gst-inspect-1.0')}`);
  } else {
    const absent = ELEMENTS.filter(([element]) => !elements.has(element));
    for (const [, pkg] of absent) missing.add(pkg);
    if (absent.length > 0) reasons.push(`GStreamer elements not found: ${absent.map(([e]) => e).join(', ')}`);
    const launch = gstTool(options, 'gst-launch-1.0');
    if (options.binDir && !existsSync(launch)) {
      missing.add(TOOLS_PACKAGE);
      reasons.push(`${launch} not found`);
    }
  }
  if (!existsSync(DEFAULT_FACE_CASCADE)) {
    missing.add(CASCADE_PACKAGE);
    reasons.push(`face cascade ${DEFAULT_FACE_CASCADE} not found`);
  }
  if (missing.size === 0) return { available: true, missing: [] };
  return { available: false, missing: [...missing], reason: reasons.join('; ') };
}
