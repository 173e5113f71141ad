"""An RGB raster with lines and 5x7 text, written as a PNG with zlib and struct only."""

from __future__ import annotations

import struct
import zlib
from itertools import pairwise

from . import font5x7

Colour = tuple[int, int, int]
BLACK: Colour = (0, 0, 0)
WHITE: Colour = (255, 255, 255)


def colour_of(text: str) -> Colour:
    """'#1f77b4' -> (31, 119, 180)."""
    value = int(text.lstrip("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


class Canvas:
    def __init__(self, width: int, height: int, background: Colour = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def point(self, x: int, y: int, colour: Colour) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset:offset + 3] = bytes(colour)

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: Colour) -> None:
        """Bresenham's line between the nearest pixels, both ends drawn."""
        ax, ay, bx, by = round(x0), round(y0), round(x1), round(y1)
        dx, dy = abs(bx - ax), -abs(by - ay)
        step_x, step_y = (1 if bx >= ax else -1), (1 if by >= ay else -1)
        error = dx + dy
        while True:
            self.point(ax, ay, colour)
            if ax == bx and ay == by:
                return
            twice = 2 * error
            if twice >= dy:
                error += dy
                ax += step_x
            if twice <= dx:
                error += dx
                ay += step_y

    def polyline(self, points: list[tuple[float, float]], colour: Colour) -> None:
        if len(points) == 1:
            self.point(round(points[0][0]), round(points[0][1]), colour)
        for (x0, y0), (x1, y1) in pairwise(points):
            self.line(x0, y0, x1, y1, colour)

    def text(self, x: float, baseline: float, text: str, colour: Colour = BLACK,
             anchor: str = "start", scale: int = 1) -> None:
        """Text whose glyphs sit on `baseline`, starting (or, anchor "end", ending) at x."""
        left = round(x) - (font5x7.text_width(text, scale) if anchor == "end" else 0)
        top = round(baseline) - font5x7.HEIGHT * scale + 1
        for dx, dy in font5x7.pixels(text, scale):
            self.point(left + dx, top + dy, colour)

    def png(self) -> bytes:
        """8-bit RGB, every row with filter type 0 (None)."""
        stride = self.width * 3
        raw = b"".join(b"\0" + bytes(self.pixels[row * stride:(row + 1) * stride])
                       for row in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
