// The OpenSeadragon tile source for an item's large_image tiles. large_image numbers levels
// like OpenSeadragon does once minLevel is 0 and maxLevel is levels - 1: z = 0 is the lowest
// resolution, levels - 1 the full one, and each level halves the one above it. Edge tiles are
// asked for cropped (edge=crop), so every tile has exactly the pixels it covers.
// Pure: no DOM, importable from node for tests.

// The path and query of one tile. `frame` (a number) uses fzxy; `style` (an object or null)
// is sent as JSON.
export function tileUrl(itemId, {z, x, y, frame = null, style = null}) {
  const id = encodeURIComponent(itemId);
  const path = frame !== null && frame !== undefined
    ? `/api/v1/item/${id}/tiles/fzxy/${frame}/${z}/${x}/${y}`
    : `/api/v1/item/${id}/tiles/zxy/${z}/${x}/${y}`;
  const query = new URLSearchParams({edge: 'crop'});
  if (style) query.set('style', JSON.stringify(style));
  return `${path}?${query}`;
}

// Options for `new OpenSeadragon.Viewer({tileSources: ...})` / `viewer.open(...)`: a custom
// tile source (an object with getTileUrl) for the item's metadata (GET /item/{id}/tiles).
export function tileSourceFor(itemId, meta, {frame = null, style = null} = {}) {
  if (!(meta.sizeX > 0 && meta.sizeY > 0 && meta.tileWidth > 0 && meta.tileHeight > 0 &&
        meta.levels > 0)) {
    throw new Error('The tile metadata has no usable size, tile size or levels.');
  }
  // A style whose every band names its frame makes the request's frame irrelevant.
  const styleHasFrames = !!style?.bands?.length && style.bands.every((b) => b.frame !== undefined);
  const useFrame = styleHasFrames ? null : frame;
  return {
    width: meta.sizeX,
    height: meta.sizeY,
    tileWidth: meta.tileWidth,
    tileHeight: meta.tileHeight,
    tileOverlap: 0,
    minLevel: 0,
    maxLevel: meta.levels - 1,
    getTileUrl: (level, x, y) => tileUrl(itemId, {z: level, x, y, frame: useFrame, style}),
  };
}
