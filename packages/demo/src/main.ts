/**
 * Entry point: the join flow and what happens when a call ends. Uses only the public client
 * API, in the order the original demo did: connect the WebSocket, create the Room and the
 * local Stream, `init()` (camera and microphone), `room.connect()`, then publish.
 */
import { KurentoRoom, type KurentoRoomClient, type Room, type Stream } from '@kurento-room/client';
import { CallView, type CallEnd } from './callView.js';
import { audioConstraints, videoConstraints } from './devices.js';
import { JoinView, type JoinRequest } from './joinView.js';
import { accessDeniedMessage, clearToasts, describeError, showDialog } from './notices.js';
import { shareLink } from './validation.js';

interface Session {
  kurento: KurentoRoomClient;
  room: Room;
  local: Stream;
  call?: CallView;
}

let session: Session | undefined;
const joinView = new JoinView((request) => void join(request));

/** The JSON-RPC endpoint of the server that served this page. */
function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/room`;
}

/** The speaker-detection settings the server recommends (the original demo asked for them too). */
async function speakerSettings(): Promise<{ updateSpeakerInterval?: number; thresholdSpeaker?: number }> {
  const read = async (path: string) => {
    try {
      const response = await fetch(path, { cache: 'no-store' });
      const value: unknown = response.ok ? await response.json() : undefined;
      return typeof value === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const [updateSpeakerInterval, thresholdSpeaker] = await Promise.all([read('/getUpdateSpeakerInterval'), read('/getThresholdSpeaker')]);
  return { updateSpeakerInterval, thresholdSpeaker };
}

function openConnection(): Promise<KurentoRoomClient> {
  return new Promise((resolve, reject) => {
    KurentoRoom(wsUrl(), (error, kurento) => (error || !kurento ? reject(error) : resolve(kurento)));
  });
}

async function join(request: JoinRequest): Promise<void> {
  const { user, room: roomName, quality } = request;
  if (session) return;
  joinView.clearError();
  joinView.setBusy(true, 'Connecting…');
  const settings = await speakerSettings();
  let kurento: KurentoRoomClient;
  try {
    kurento = await openConnection();
  } catch (error) {
    joinView.setBusy(false);
    joinView.showError(`Cannot reach the room server: ${describeError(error)}`);
    return;
  }
  const room = kurento.Room({ room: roomName, user, ...settings });
  // The preview's capture, when it runs: the camera goes on into the call without restarting.
  // Without one, init() asks for the chosen devices itself (and says why when it cannot).
  const preview = await joinView.takePreview();
  const local = kurento.Stream(room, {
    audio: audioConstraints(request.micId),
    video: videoConstraints(quality, request.cameraId),
    data: false,
    ...(preview ? { mediaStream: preview } : {}),
  });
  const current: Session = (session = { kurento, room, local });

  joinView.setBusy(true, 'Starting camera…');
  let denied: unknown;
  local.addEventListener('access-denied', ({ error }) => (denied = error));
  if (!(await local.init())) {
    abandon(current, `${accessDeniedMessage(denied)} (${describeError(denied)})`);
    return;
  }
  // Joined with the microphone or camera off, as chosen on the preview: published that way.
  local.setAudioEnabled(request.audioOn);
  local.setVideoEnabled(request.videoOn);

  joinView.setBusy(true, 'Joining…');
  let existing: Stream[] = [];
  room.once('room-connected', ({ streams }) => (existing = streams));
  try {
    await room.connect();
  } catch (error) {
    // e.g. 104: the name is taken in this room. The form stays filled in for another try.
    const hint = (error as { code?: number }).code === 104 ? ' Choose another name.' : '';
    abandon(current, `Could not join room '${roomName}': ${describeError(error)}.${hint}`);
    return;
  }
  if (session !== current) return;
  joinView.hide();
  // The address names the room, as an invite link does: a reload comes back to it.
  history.replaceState(null, '', shareLink(location.href, roomName));
  current.call = new CallView(kurento, room, local, quality, (end) => void endCall(current, end));
  current.call.show(existing);
}

/** A join that failed half-way: release the camera and the socket, back to the form. */
function abandon(failed: Session, message: string): void {
  if (session === failed) session = undefined;
  failed.kurento.close(true).catch(() => undefined);
  failed.local.dispose(); // stops the capture, the preview's included
  joinView.show();
  joinView.showError(message);
}

const ENDINGS: Record<Exclude<CallEnd['kind'], 'left'>, [string, string]> = {
  'room-closed': ['The room was closed', 'The room has been closed by the server or an administrator. You can join it again, or another room.'],
  'participant-evicted': ['You were removed from the room', 'An administrator removed you from the room.'],
  'lost-connection': ['Connection lost', 'The connection to the room server was lost. Check your network, then join again.'],
};

async function endCall(ended: Session, end: CallEnd): Promise<void> {
  if (session !== ended) return;
  session = undefined;
  ended.call?.destroy();
  clearToasts();
  // Leaving sends leaveRoom and waits for the answer, so that joining again under the same
  // name right away is not refused; in the other cases the server already dropped us.
  const leaving = ended.kurento.close(end.kind !== 'left').catch(() => undefined);
  if (end.kind === 'left') {
    joinView.show();
    joinView.setBusy(true, 'Leaving…');
    await leaving;
    joinView.setBusy(false);
    return;
  }
  joinView.show();
  const [title, message] = ENDINGS[end.kind];
  await showDialog(end.kind, title, message);
}

// Closing or reloading the tab leaves the room, so the name is free again at once.
window.addEventListener('pagehide', () => {
  if (session) void session.kurento.close();
});

joinView.show();
