/**
 * The access check of a join: with a token secret configured, `joinRoom` must carry a valid
 * token for this user and room (the `token` parameter, or `access_token` in the WebSocket URL),
 * and the participant gets the token's grants; without one, every participant may publish,
 * subscribe and use data channels, as in the original.
 */
import { Errors } from '@kurento-room/protocol';
import { AccessTokenError, checkAudience, DEFAULT_GRANTS, verifyAccessToken, type Grants } from './accessToken.js';

export interface JoinAccessRequest {
  user: string;
  room: string;
  dataChannels: boolean;
  /** The join's token: its `token` parameter, else `access_token` of the session's WebSocket URL. */
  token?: string;
}

/** Returns the participant's grants, or throws a RoomError (-32001 for the token, -32003 for a grant) naming the cause. */
export function admitJoin(tokenSecret: string | undefined, request: JoinAccessRequest, now = Date.now()): Readonly<Grants> {
  if (!tokenSecret) return DEFAULT_GRANTS;
  let grants: Grants;
  try {
    const claims = verifyAccessToken(tokenSecret, request.token, now);
    checkAudience(claims, request.user, request.room);
    grants = claims.grants;
  } catch (error) {
    if (error instanceof AccessTokenError) throw Errors.unauthorized(error.message);
    throw error;
  }
  if (request.dataChannels && !grants.data) throw Errors.notGranted(request.user, 'use data channels', 'data');
  return grants;
}
