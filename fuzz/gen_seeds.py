#!/usr/bin/env python3
"""Writes the checked-in seed corpora of the fuzz targets (fuzz/corpus/<name>/).

Every seed is built here from nothing (no third-party files): tiny TIFFs made field by field,
the edge cases the TIFF reader must refuse or survive (huge dimensions, zero-size tiles, a
cyclic IFD chain, JPEG without JPEGTables), style JSON, requests, region and IIIF parameters and
upload operation streams. Run it again after changing it; crash inputs (crash-*) found by the
fuzzers are added by hand next to these and are never rewritten.

Usage: fuzz/gen_seeds.py [fuzz/corpus]
"""
import os
import struct
import sys
import zlib

# TIFF tag numbers and types.
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, LONG8 = 1, 2, 3, 4, 5, 7, 16
NEW_SUBFILE, WIDTH, HEIGHT, BITS, COMPRESSION, PHOTOMETRIC = 254, 256, 257, 258, 259, 262
DESCRIPTION, STRIP_OFFSETS, SAMPLES, ROWS_PER_STRIP, STRIP_BYTES = 270, 273, 277, 278, 279
PLANAR, TILE_W, TILE_H, TILE_OFFSETS, TILE_BYTES = 284, 322, 323, 324, 325
SUBIFDS, JPEG_TABLES, SAMPLE_FORMAT, ORIENTATION = 330, 347, 339, 274
TYPE_SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1, LONG8: 8}


class Tiff:
    """A little-endian TIFF (or BigTIFF) assembled in memory: data blobs then IFDs."""

    def __init__(self, big=False):
        self.big = big
        self.out = bytearray(b"II+\x00\x08\x00\x00\x00" + bytes(8) if big else b"II*\x00" + bytes(4))
        self.ifd_offsets = []

    def blob(self, data):
        if len(self.out) % 2:
            self.out += b"\x00"
        at = len(self.out)
        self.out += data
        return at

    def ifd(self, entries):
        """entries: [(tag, type, [values] or bytes)]; returns the IFD's offset."""
        entries = sorted(entries)
        count_fmt, entry_fmt, next_fmt, inline = ("<Q", "<HHQ", "<Q", 8) if self.big else ("<H", "<HHI", "<I", 4)
        packed = []
        for tag, typ, values in entries:
            if isinstance(values, (bytes, bytearray)):
                raw, n = bytes(values), len(values)
            else:
                fmt = {BYTE: "B", SHORT: "H", LONG: "I", LONG8: "Q", RATIONAL: "II"}[typ]
                flat = []
                for v in values:
                    flat += list(v) if isinstance(v, tuple) else [v]
                raw, n = struct.pack("<" + fmt[0] * len(flat) if typ != RATIONAL else "<" + "I" * len(flat), *flat), len(values)
            if len(raw) <= inline:
                packed.append((tag, typ, n, raw.ljust(inline, b"\x00")))
            else:
                at = self.blob(raw)
                packed.append((tag, typ, n, struct.pack("<Q" if self.big else "<I", at)))
        if len(self.out) % 2:
            self.out += b"\x00"
        at = len(self.out)
        self.out += struct.pack(count_fmt, len(packed))
        for tag, typ, n, value in packed:
            self.out += struct.pack(entry_fmt, tag, typ, n) + value
        self.out += struct.pack(next_fmt, 0)
        self.ifd_offsets.append(at)
        return at

    def link(self, chain):
        """Sets the first IFD and each IFD's next pointer (chain: list of IFD offsets)."""
        ptr = "<Q" if self.big else "<I"
        struct.pack_into(ptr, self.out, 8 if self.big else 4, chain[0] if chain else 0)
        for a, b in zip(chain, chain[1:] + [0]):
            n = struct.unpack_from("<Q" if self.big else "<H", self.out, a)[0]
            entry = 20 if self.big else 12
            struct.pack_into(ptr, self.out, a + (8 if self.big else 2) + n * entry, b)

    def bytes(self):
        return bytes(self.out)


def off_type(t):
    return LONG8 if t.big else LONG


def tiled_image(t, w, h, tw, th, samples=1, compression=1, extra=(), tile_data=None, subfile=0,
                max_tiles=64):
    """A tiled IFD whose tiles are filled with a gradient (or `tile_data(i)`); at most
    `max_tiles` tiles are stored (fewer than the image needs: a short tile table)."""
    across, down = (w + tw - 1) // tw, (h + th - 1) // th
    offsets, counts = [], []
    for i in range(min(across * down, max_tiles)):
        if tile_data:
            data = tile_data(i)
        else:
            data = bytes((i * 37 + k) & 0xFF for k in range(tw * th * samples))
            if compression == 8:
                data = zlib.compress(data)
        offsets.append(t.blob(data))
        counts.append(len(data))
    entries = [
        (NEW_SUBFILE, LONG, [subfile]), (WIDTH, LONG, [w]), (HEIGHT, LONG, [h]),
        (BITS, SHORT, [8] * samples), (COMPRESSION, SHORT, [compression]),
        (PHOTOMETRIC, SHORT, [2 if samples >= 3 else 1]), (SAMPLES, SHORT, [samples]),
        (PLANAR, SHORT, [1]), (TILE_W, SHORT, [tw]), (TILE_H, SHORT, [th]),
        (TILE_OFFSETS, off_type(t), offsets), (TILE_BYTES, off_type(t), counts),
    ]
    replaced = {e[0] for e in extra}
    return t.ifd([e for e in entries if e[0] not in replaced] + list(extra))


def stripped_image(t, w, h, rows, samples=3, extra=()):
    offsets, counts = [], []
    for s in range((h + rows - 1) // rows):
        n = min(rows, h - s * rows) * w * samples
        offsets.append(t.blob(bytes((s * 11 + k) & 0xFF for k in range(n))))
        counts.append(n)
    return t.ifd([
        (WIDTH, LONG, [w]), (HEIGHT, LONG, [h]), (BITS, SHORT, [8] * samples),
        (COMPRESSION, SHORT, [1]), (PHOTOMETRIC, SHORT, [2 if samples >= 3 else 1]),
        (SAMPLES, SHORT, [samples]), (ROWS_PER_STRIP, LONG, [rows]),
        (STRIP_OFFSETS, LONG, offsets), (STRIP_BYTES, LONG, counts),
    ] + list(extra))


def tiff_seeds():
    seeds = {}
    # A two-level pyramid, 8-bit grey, 16x16 tiles.
    t = Tiff()
    a = tiled_image(t, 40, 24, 16, 16)
    b = tiled_image(t, 20, 12, 16, 16, subfile=1)
    t.link([a, b])
    seeds["pyramid-gray.tif"] = t.bytes()
    # RGB, deflate, BigTIFF.
    t = Tiff(big=True)
    t.link([tiled_image(t, 32, 32, 16, 16, samples=3, compression=8)])
    seeds["bigtiff-rgb-deflate.tif"] = t.bytes()
    # A stripped RGB image with a description and orientation 6, plus a small associated strip.
    t = Tiff()
    a = stripped_image(t, 30, 20, 7, extra=[(DESCRIPTION, ASCII, b"fuzz seed|AppMag = 20|MPP = 0.5\x00"),
                                            (ORIENTATION, SHORT, [6])])
    b = stripped_image(t, 8, 8, 8, extra=[(DESCRIPTION, ASCII, b"label\x00")])
    t.link([a, b])
    seeds["stripped-rgb-orient6.tif"] = t.bytes()
    # Huge dimensions with one tile: the reader must refuse or stay lazy.
    t = Tiff()
    t.link([tiled_image(t, 1000000, 1000000, 16, 16, max_tiles=1)])
    seeds["huge-dimensions.tif"] = t.bytes()
    # Zero-size tiles (byte count 0).
    t = Tiff()
    t.link([tiled_image(t, 32, 16, 16, 16, tile_data=lambda i: b"")])
    seeds["zero-size-tiles.tif"] = t.bytes()
    # A cyclic IFD chain: IFD 1 points back at IFD 0.
    t = Tiff()
    a = tiled_image(t, 16, 16, 16, 16)
    b = tiled_image(t, 8, 8, 16, 16, subfile=1)
    t.link([a, b])
    n = struct.unpack_from("<H", t.out, b)[0]
    struct.pack_into("<I", t.out, b + 2 + n * 12, a)
    seeds["cyclic-ifds.tif"] = t.bytes()
    # JPEG compression without JPEGTables and with tiles that are not JPEG.
    t = Tiff()
    t.link([tiled_image(t, 16, 16, 16, 16, samples=3, compression=7,
                        tile_data=lambda i: b"\xff\xd8\xff\xda\x00\x08\x03\x01\x00\x02\x11\x03\x11\x00\xff\xd9")])
    seeds["jpeg-no-tables.tif"] = t.bytes()
    # A 16-bit float image and a SubIFD pointer to nowhere.
    t = Tiff()
    t.link([tiled_image(t, 16, 16, 16, 16, extra=[(SAMPLE_FORMAT, SHORT, [3]), (SUBIFDS, LONG, [0xFFFFFF])])])
    seeds["float-bad-subifd.tif"] = t.bytes()
    return seeds


def png_seed():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes((x * 16 + y) & 0xFF for x in range(6)) for y in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 6, 4, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def geometry(w, h, tile=2, flags=3):
    return struct.pack("<I", w)[:3] + struct.pack("<I", h)[:3] + bytes([tile, flags])


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    corpora = {
        "tiff": tiff_seeds(),
        "codec": {"gray.png": png_seed(), "tiff-in-codec.tif": tiff_seeds()["pyramid-gray.tif"]},
        "style": {
            "bands.json": b'{"bands":[{"band":1,"palette":"#f00","min":"min","max":"max:0.02"},'
                          b'{"band":"green","palette":["#000","#0f0"],"scheme":"discrete",'
                          b'"composite":"multiply","nodata":0,"clamp":false,"frame":2}],'
                          b'"dtype":"uint16","axis":0}',
            "single.json": b'{"min":0,"max":1000,"palette":"viridis","band":-1,"icc":false}',
            "names.json": b'{"bands":[{"band":"DAPI","framedelta":1,"min":"auto:0.1"}],'
                          b'"icc":true,"iccIntent":"relative"}',
            "function.json": b'{"function":{"name":"x"},"bands":[]}',
        },
        "route": {
            "tile.txt": b"GET\n/api/v1/item/abc/tiles/zxy/3/1/2?encoding=PNG&style=%7B%22min%22%3A0%7D&frame=1\n\n",
            "region.txt": b"GET\n/api/v1/item/abc/tiles/region?left=10&top=5&regionWidth=100&regionHeight=50"
                          b"&units=base_pixels&width=64&resample=2&fill=corner%3A%23ff0&encoding=TIFF&tiffCompression=jpeg\n\n",
            "iiif.txt": b"GET\n/iiif/3/abc/pct:10,10,50,50/!256,256/!90/gray.png\n\n",
            "form.txt": b"POST\n/api/v1/file/chunk?uploadId=x\ncontent-type: application/x-www-form-urlencoded\n\n"
                        b"offset=10&limit=3&details=yes",
            "method.txt": b"PATCH\n/api/v1/item/abc?x=%41+b\n\n",
        },
        "region": {
            "pixels.txt": geometry(5000, 3000) + b"left=100&top=200&right=900&bottom=700&width=300",
            "fraction.txt": geometry(100000, 80000) + b"left=0.1&top=0.1&regionWidth=0.5&regionHeight=0.25&units=fraction&magnification=5",
            "mm.txt": geometry(20000, 20000) + b"left=1&top=1&right=3&bottom=4&units=mm&mm_x=0.001&exact=true",
            "mag.txt": geometry(4096, 4096) + b"left=10&top=10&regionWidth=20&regionHeight=30&units=mag_pixels&unitsWH=base_pixels&fill=none&resample=false",
        },
        "iiif": {
            "full.txt": geometry(10000, 7000, 2, 2) + b"full/max/0/default.jpg",
            "square.txt": geometry(3000, 5000, 1, 9) + b"square/^!512,512/!180/color.webp",
            "tile.txt": geometry(4096, 4096, 2, 1) + b"1024,0,1024,1024/256,/0/default.png",
            "pct.txt": geometry(640, 480, 0, 0) + b"pct:12.5,0,50,100/pct:50/90/bitonal.tif",
        },
        "upload": {
            "append.bin": bytes([0, 0, 5]) + b"hello" + bytes([4, 0, 6]) + b" world" + bytes([2, 3]),
            "overwrite.bin": bytes([0, 0, 8]) + b"abcdefgh" + bytes([0, 3, 2]) + b"XY" + bytes([2, 7]),
            "extremes.bin": bytes([0, 0, 3]) + b"abc" + bytes([1, 0, 2]) + b"zz" + bytes([1, 2, 4]) + b"wxyz"
                            + bytes([1, 5, 1]) + b"q" + bytes([2, 3]),
        },
    }
    for name, files in corpora.items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for fname, data in files.items():
            with open(os.path.join(d, fname), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
