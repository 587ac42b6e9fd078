/**
 * Corrections to werift's answer before it reaches the client. werift lists its RTX SSRC in an
 * `ssrc-group:FID` even in sections where it only receives; with no `a=msid` there, libwebrtc
 * (Chrome, @roamhq/wrtc) reads each SSRC as a separate track and rejects the answer in Unified
 * Plan. A receive-only section needs one SSRC at most (the RTCP sender), so the rest is dropped.
 */
export function tidyAnswer(sdp: string): string {
  const sections: string[][] = [[]];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.length === 0) continue;
    if (line.startsWith('m=')) sections.push([]);
    sections[sections.length - 1]!.push(line);
  }
  const out: string[] = [...sections[0]!];
  for (const section of sections.slice(1)) {
    const receiveOnly = section.some((l) => l === 'a=recvonly' || l === 'a=inactive');
    if (!receiveOnly) {
      out.push(...section);
      continue;
    }
    let firstSsrc: string | undefined;
    for (const line of section) {
      if (line.startsWith('a=ssrc-group:')) continue;
      if (line.startsWith('a=ssrc:')) {
        const ssrc = line.slice(7).split(' ')[0];
        firstSsrc ??= ssrc;
        if (ssrc !== firstSsrc) continue;
      }
      out.push(line);
    }
  }
  return out.join('\r\n') + '\r\n';
}

/**
 * Keeps the answer's sections for `mids` (those the publisher has nothing for) accepted and
 * inactive instead of rejected. werift writes port 0 for every inactive section but leaves it in
 * the BUNDLE group; libwebrtc reads port 0 as rejected, and when that section is the group's
 * first (the BUNDLE tag, e.g. the audio of a video-only publisher) it demands that every other
 * bundled section be rejected too ("The m= section with mid='1' should be rejected"). A bundled
 * section needs no port of its own, so the discard port 9 is what JSEP writes for it.
 */
export function acceptInactive(sdp: string, mids: ReadonlySet<string>): string {
  if (mids.size === 0) return sdp;
  const lines = sdp.split('\r\n');
  let mLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('m=')) mLine = i;
    else if (mLine >= 0 && line.startsWith('a=mid:') && mids.has(line.slice(6).trim())) {
      lines[mLine] = lines[mLine]!.replace(/^(m=\S+) 0 /, '$1 9 ');
    }
  }
  return lines.join('\r\n');
}

/** An msid stream id token (RFC 8830: 1 to 64 token characters) derived from an endpoint id. */
export function streamIdFor(endpointId: string): string {
  const token = endpointId.replace(/[^A-Za-z0-9!#$%&'*+\-.^_`{|}~]/g, '-').slice(0, 64);
  return token.length > 0 ? token : 'sfu';
}
