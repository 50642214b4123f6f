// The pages' pure modules under node (no browser): the OpenSeadragon tile source and the
// style picker's model.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {tileSourceFor, tileUrl} from '../../web/js/tilesource.js';
import {buildStyle, parseLimit, initialRows, channelNames, frameAxes, frameAt, positionOf,
        defaultPalette} from '../../web/js/style.js';

const SVS = {sizeX: 2220, sizeY: 2967, tileWidth: 240, tileHeight: 240, levels: 5,
             magnification: 20, mm_x: 0.000499, mm_y: 0.000499, dtype: 'uint8', bandCount: 3};
// multi-channel-z-series.ome.tif: 3 channels x 5 Z, channel-major.
const OME = {sizeX: 439, sizeY: 167, tileWidth: 256, tileHeight: 256, levels: 2, bandCount: 1,
             frames: Array.from({length: 15}, (_, i) => ({Frame: i, Index: i,
                                                          IndexC: Math.floor(i / 5), IndexZ: i % 5,
                                                          IndexT: 0})),
             IndexRange: {IndexC: 3, IndexZ: 5}, IndexStride: {IndexC: 5, IndexZ: 1},
             channels: ['DAPI', 'FITC', 'Cy5'], channelmap: {DAPI: 0, FITC: 1, Cy5: 2}};

describe('tile source', () => {
  it('maps OpenSeadragon levels onto large_image z (0 = lowest resolution)', () => {
    const ts = tileSourceFor('abc', SVS);
    assert.equal(ts.width, 2220);
    assert.equal(ts.height, 2967);
    assert.equal(ts.tileWidth, 240);
    assert.equal(ts.tileHeight, 240);
    assert.equal(ts.tileOverlap, 0);
    assert.equal(ts.minLevel, 0);
    assert.equal(ts.maxLevel, 4);
    assert.equal(ts.getTileUrl(4, 3, 2), '/api/v1/item/abc/tiles/zxy/4/3/2?edge=crop');
  });

  it('uses fzxy for a frame and sends the style as JSON', () => {
    const style = {bands: [{band: 1, min: 0, max: 4000, palette: '#f00'}]};
    const url = new URL(tileUrl('abc', {z: 1, x: 0, y: 1, frame: 3, style}), 'http://h');
    assert.equal(url.pathname, '/api/v1/item/abc/tiles/fzxy/3/1/0/1');
    assert.equal(url.searchParams.get('edge'), 'crop');
    assert.deepEqual(JSON.parse(url.searchParams.get('style')), style);
  });

  it('ignores the frame when every style band names its own', () => {
    const style = {bands: [{frame: 2, palette: '#f00'}, {frame: 7, palette: '#0f0'}]};
    const ts = tileSourceFor('abc', OME, {frame: 4, style});
    assert.match(ts.getTileUrl(0, 0, 0), /^\/api\/v1\/item\/abc\/tiles\/zxy\/0\/0\/0\?/);
  });

  it('refuses metadata without sizes', () => {
    assert.throws(() => tileSourceFor('abc', {levels: 1}), /no usable size/);
  });
});

describe('style picker model', () => {
  it('parses min / max fields', () => {
    assert.equal(parseLimit(''), 'auto');
    assert.equal(parseLimit(' AUTO '), 'auto');
    assert.equal(parseLimit('4000'), 4000);
    assert.equal(parseLimit('-1.5e2'), -150);
    assert.equal(parseLimit('min:0.02'), 'min:0.02');
    assert.equal(parseLimit('full'), 'full');
    assert.throws(() => parseLimit('lots'), /not a number/);
  });

  it('builds large_image style JSON from the shown rows', () => {
    const style = buildStyle([
      {key: {band: 1}, enabled: true, min: '0', max: '4000', palette: '#f00'},
      {key: {band: 2}, enabled: false, min: '', max: '', palette: '#0f0'},
      {key: {frame: 2}, enabled: true, min: 'auto', max: '', palette: 'viridis'},
    ]);
    assert.deepEqual(style, {bands: [{band: 1, min: 0, max: 4000, palette: '#f00'},
                                     {frame: 2, min: 'auto', max: 'auto', palette: 'viridis'}]});
    assert.equal(buildStyle([{key: {band: 1}, enabled: false}]), null);
  });

  it('offers one row per band of an RGB image, red green blue', () => {
    const rows = initialRows(SVS, () => 0);
    assert.deepEqual(rows.map((r) => [r.key.band, r.enabled, r.palette]),
                     [[1, true, '#ff0000'], [2, true, '#00ff00'], [3, true, '#0000ff']]);
  });

  it('offers one row per channel, each reading its frame at the current Z', () => {
    const z = 3;
    const rows = initialRows(OME, (c) => frameAt(OME, {IndexC: c, IndexZ: z}));
    assert.deepEqual(rows.map((r) => [r.label, r.key.frame, r.palette]),
                     [['DAPI', 3, '#0000ff'], ['FITC', 8, '#00ff00'], ['Cy5', 13, '#ff00ff']]);
  });

  it('names channels from channels, channelmap or IndexC', () => {
    assert.deepEqual(channelNames(OME), ['DAPI', 'FITC', 'Cy5']);
    assert.deepEqual(channelNames({channelmap: {b: 1, a: 0}}), ['a', 'b']);
    assert.deepEqual(channelNames({IndexRange: {IndexC: 2}}), ['Channel 0', 'Channel 1']);
    assert.deepEqual(channelNames(SVS), []);
  });

  it('finds frames by axis position and back', () => {
    assert.deepEqual(frameAxes(OME).map((a) => [a.name, a.count]), [['C', 3], ['Z', 5]]);
    assert.equal(frameAt(OME, {IndexC: 2, IndexZ: 1}), 11);
    assert.equal(frameAt(OME, {IndexZ: 4}), 4);
    assert.deepEqual(positionOf(OME, 11), {IndexC: 2, IndexZ: 1});
    assert.deepEqual(frameAxes(SVS), []);
  });

  it('colours common fluorophores', () => {
    assert.equal(defaultPalette('DAPI', 5), '#0000ff');
    assert.equal(defaultPalette('Alexa 488', 0), '#00ff00');
    assert.equal(defaultPalette('TRITC', 0), '#ff0000');
    assert.equal(defaultPalette('whatever', 1), '#00ff00');
  });
});
