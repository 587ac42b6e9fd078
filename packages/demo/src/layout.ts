/**
 * Where the tiles go, as plain geometry (no DOM, so it is unit-tested): either a grid of equal
 * tiles that keep their aspect ratio and are as large as the stage allows, or one large
 * spotlight tile with the others in a filmstrip beside it (landscape) or below it (portrait).
 */

/** A tile's box in CSS pixels, from the stage's top left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutInput {
  /** Number of tiles. */
  count: number;
  /** Index of the tile shown large, if any. */
  spotlight?: number;
  /** The stage's size. */
  width: number;
  height: number;
  /** Width / height of a grid tile: the cameras' 4:3. */
  aspect?: number;
  /** Width / height of the spotlight's video once known: its box takes that shape, centred in the space it has. */
  spotlightAspect?: number;
  /**
   * The spotlight's picture may be cropped at its sides (a camera, not a shared screen): in a
   * space taller than the picture (a phone in portrait) its box narrows down to 3:4 to fill it.
   */
  spotlightCrop?: boolean;
  gap?: number;
  /** Grid tiles never get narrower than this; past it the grid grows taller than the stage and scrolls. */
  minTileWidth?: number;
}

export interface Layout {
  /** One box per tile, in the order of the tiles. */
  rects: Rect[];
  /** Height of the content: more than the stage's when the grid must scroll. */
  height: number;
}

export interface GridFit {
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

export const TILE_ASPECT = 4 / 3;
export const TILE_GAP = 8;
export const MIN_TILE_WIDTH = 96;

/**
 * The grid with the largest tiles of `aspect` for `count` tiles in `width` x `height`: every
 * column count is tried (at most a few dozen), the tile size being the smaller of what the
 * width and the height allow. `maxColumns` / `maxRows` keep a filmstrip one or two tiles deep.
 */
export function fitGrid(
  count: number,
  width: number,
  height: number,
  aspect = TILE_ASPECT,
  gap = TILE_GAP,
  limits: { maxColumns?: number; maxRows?: number } = {},
): GridFit {
  let best: GridFit = { columns: 1, rows: Math.max(1, count), tileWidth: 0, tileHeight: 0 };
  const maxColumns = Math.min(Math.max(1, count), limits.maxColumns ?? count);
  for (let columns = 1; columns <= maxColumns; columns++) {
    const rows = Math.ceil(count / columns);
    if (limits.maxRows !== undefined && rows > limits.maxRows) continue;
    const byWidth = (width - gap * (columns - 1)) / columns;
    const byHeight = ((height - gap * (rows - 1)) / rows) * aspect;
    const tileWidth = Math.floor(Math.max(0, Math.min(byWidth, byHeight)));
    if (tileWidth > best.tileWidth) best = { columns, rows, tileWidth, tileHeight: Math.floor(tileWidth / aspect) };
  }
  return best;
}

/** Lays `count` boxes of `fit` out row by row, centred in `area`; the last row, if short, is centred too. */
function placeGrid(count: number, fit: GridFit, area: Rect, gap: number): Rect[] {
  const { columns, tileWidth, tileHeight } = fit;
  const rows = Math.ceil(count / columns);
  const gridHeight = rows * tileHeight + (rows - 1) * gap;
  const top = area.y + Math.max(0, Math.floor((area.height - gridHeight) / 2));
  const rects: Rect[] = [];
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / columns);
    const inRow = Math.min(columns, count - row * columns);
    const rowWidth = inRow * tileWidth + (inRow - 1) * gap;
    const left = area.x + Math.max(0, Math.floor((area.width - rowWidth) / 2));
    rects.push({ x: left + (i % columns) * (tileWidth + gap), y: top + row * (tileHeight + gap), width: tileWidth, height: tileHeight });
  }
  return rects;
}

/** The equal-tile grid; below `minTileWidth` the tiles stay at that width and the grid scrolls. */
function gridLayout(count: number, width: number, height: number, aspect: number, gap: number, minTileWidth: number): Layout {
  let fit = fitGrid(count, width, height, aspect, gap);
  if (fit.tileWidth < minTileWidth) {
    const tileWidth = Math.min(minTileWidth, Math.floor(width));
    const columns = Math.max(1, Math.floor((width + gap) / (tileWidth + gap)));
    fit = { columns, rows: Math.ceil(count / columns), tileWidth, tileHeight: Math.floor(tileWidth / aspect) };
  }
  const contentHeight = fit.rows * fit.tileHeight + (fit.rows - 1) * gap;
  const area = { x: 0, y: 0, width, height: Math.max(height, contentHeight) };
  return { rects: placeGrid(count, fit, area, gap), height: area.height };
}

/**
 * One large tile and a filmstrip: a column on the right when the stage is wider than tall, a
 * row at the bottom otherwise, so the spotlight always gets most of the screen (a phone in
 * landscape included). The spotlight box takes the space left, in its video's shape when known.
 */
function spotlightLayout(
  count: number,
  spotlight: number,
  width: number,
  height: number,
  aspect: number,
  gap: number,
  videoAspect?: number,
  crop = false,
): Layout {
  const others = count - 1;
  const rects: Rect[] = new Array<Rect>(count);
  if (others === 0) {
    rects[spotlight] = fitAspect({ x: 0, y: 0, width, height }, videoAspect, crop);
    return { rects, height };
  }
  const landscape = width >= height;
  let stripArea: Rect;
  let fit: GridFit;
  if (landscape) {
    const stripWidth = Math.round(Math.min(Math.max(width * 0.2, 112), 280));
    stripArea = { x: width - stripWidth, y: 0, width: stripWidth, height };
    fit = fitGrid(others, stripWidth, height, aspect, gap, { maxColumns: 2 });
    rects[spotlight] = fitAspect({ x: 0, y: 0, width: width - stripWidth - gap, height }, videoAspect, crop);
  } else {
    const stripHeight = Math.round(Math.min(Math.max(height * 0.2, 84), 200));
    stripArea = { x: 0, y: height - stripHeight, width, height: stripHeight };
    fit = fitGrid(others, width, stripHeight, aspect, gap, { maxRows: 2 });
    rects[spotlight] = fitAspect({ x: 0, y: 0, width, height: height - stripHeight - gap }, videoAspect, crop);
  }
  const strip = placeGrid(others, fit, stripArea, gap);
  let next = 0;
  for (let i = 0; i < count; i++) if (i !== spotlight) rects[i] = strip[next++]!;
  return { rects, height };
}

/** A camera picture shown large may lose its sides down to this shape, never more. */
const NARROWEST_CROP = 3 / 4;

/**
 * The largest box of `aspect` centred in `area` (the area itself while the aspect is unknown);
 * with `crop`, a box narrower than the picture, down to 3:4, when the area is narrower.
 */
function fitAspect(area: Rect, videoAspect: number | undefined, crop = false): Rect {
  if (!videoAspect || !Number.isFinite(videoAspect) || videoAspect <= 0) return area;
  const aspect = crop ? Math.min(videoAspect, Math.max(area.width / area.height, Math.min(videoAspect, NARROWEST_CROP))) : videoAspect;
  const width = Math.floor(Math.min(area.width, area.height * aspect));
  const height = Math.floor(Math.min(area.height, width / aspect));
  return { x: area.x + Math.floor((area.width - width) / 2), y: area.y + Math.floor((area.height - height) / 2), width, height };
}

/** The boxes of every tile for the stage's size. */
export function computeLayout(input: LayoutInput): Layout {
  const { count, width, height, aspect = TILE_ASPECT, gap = TILE_GAP, minTileWidth = MIN_TILE_WIDTH } = input;
  if (count <= 0 || width <= 0 || height <= 0) return { rects: [], height: Math.max(0, height) };
  const spotlight = input.spotlight;
  if (spotlight !== undefined && spotlight >= 0 && spotlight < count) {
    return spotlightLayout(count, spotlight, width, height, aspect, gap, input.spotlightAspect, input.spotlightCrop);
  }
  return gridLayout(count, width, height, aspect, gap, minTileWidth);
}
