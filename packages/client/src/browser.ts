/** Entry of the one-file browser build: defines the global `KurentoRoom` (with the classes on it). */
import { KurentoRoom } from './KurentoRoom.js';
import { Participant } from './Participant.js';
import { Room } from './Room.js';
import { Stream } from './Stream.js';

Object.assign(KurentoRoom, { Room, Participant, Stream });
(globalThis as any).KurentoRoom = KurentoRoom;
