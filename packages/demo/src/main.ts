/**
 * Entry point: the join flow and what happens when a call ends. Uses only the public client
 * API, in the order the original demo did: connect the WebSocket, create the Room and the
 * local Stream, `init()` (camera and microphone), `room.connect()`, then publish.
 */
import { KurentoRoom, type KurentoRoomClient, type Room, type Stream } from '@kurento-room/client';
import { CallView, type CallEnd } from './callView.js';
import { JoinView, type JoinRequest, type Quality } from './joinView.js';
import { accessDeniedMessage, clearToasts, describeError, showDialog } from './notices.js';

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

/** Camera constraints: "low" keeps CPU and bandwidth down for slow machines and many people. */
function videoConstraints(quality: Quality): MediaTrackConstraints {
  return quality === 'low'
    ? { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 10 } }
    : { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } };
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

async function join({ user, room: roomName, quality }: JoinRequest): Promise<void> {
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
  const local = kurento.Stream(room, { audio: true, video: videoConstraints(quality), data: false });
  const current: Session = (session = { kurento, room, local });

  joinView.setBusy(true, 'Starting camera…');
  let denied: unknown;
  local.addEventListener('access-denied', ({ error }) => (denied = error));
  if (!(await local.init())) {
    abandon(current, `${accessDeniedMessage(denied)} (${describeError(denied)})`);
    return;
  }

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
  current.call = new CallView(kurento, room, local, (end) => void endCall(current, end));
  current.call.show(existing);
}

/** A join that failed half-way: release the camera and the socket, back to the form. */
function abandon(failed: Session, message: string): void {
  if (session === failed) session = undefined;
  failed.kurento.close(true).catch(() => undefined);
  failed.local.dispose();
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
