/**
 * Which tile is shown large, as a pure rule over plain data (unit-tested):
 *   1. the tile the user pinned;
 *   2. else someone else's shared screen (the latest), for everyone in the room;
 *   3. else, in speaker view, the current speaker (before anyone spoke: the first remote tile);
 *   4. else a one-to-one call shows the other person large and oneself in the filmstrip, and a
 *      call alone shows one's own tile;
 *   5. else nothing: the grid.
 * One's own screen is never put large by itself: one would watch a picture of one's own screen.
 */

export interface SpotlightTile {
  /** The stream's global id, `<user>_<streamId>`. */
  id: string;
  local: boolean;
  screen: boolean;
}

export interface SpotlightInput {
  /** The tiles, oldest first. */
  tiles: SpotlightTile[];
  pinned?: string;
  /** The current speaker's stream id (from `update-main-speaker`). */
  speaker?: string;
  speakerView: boolean;
}

export function chooseSpotlight({ tiles, pinned, speaker, speakerView }: SpotlightInput): string | undefined {
  const has = (id: string | undefined) => id !== undefined && tiles.some((t) => t.id === id);
  if (has(pinned)) return pinned;
  const screens = tiles.filter((t) => t.screen && !t.local);
  if (screens.length > 0) return screens[screens.length - 1]!.id;
  const remote = tiles.filter((t) => !t.local);
  if (speakerView) {
    if (has(speaker)) return speaker;
    return (remote[0] ?? tiles[0])?.id;
  }
  if (tiles.length === 1) return tiles[0]!.id;
  if (tiles.length === 2 && remote.length === 1) return remote[0]!.id;
  return undefined;
}
