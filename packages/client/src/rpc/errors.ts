import { RoomError, RoomErrorCode } from '@kurento-room/protocol';

/** Transport faults seen by the client (no answer, socket closed) use the transport code 803. */
export function transportError(message: string): RoomError {
  return new RoomError(RoomErrorCode.TRANSPORT, message);
}
