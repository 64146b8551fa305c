"""Word boxes from the Tesseract binary, in screen coordinates.

``Tesseract.read(image)`` pipes the image (as greyscale PGM) to
``tesseract stdin stdout --psm N tsv`` through an anyio subprocess, parses the
TSV into ``Word``s and groups them into ``Line``s. Coordinates are mapped back to
the full image when a ``region`` crop or an upscale ``scale`` was used.

Results are kept in a small LRU keyed by a hash of the pixels (a screenshot's
raw bytes as captured, so a hit costs no decoding), the region, the
page-segmentation mode and the scale, so the grounder, verifier and extractor
can all look at one screenshot for the price of one OCR pass.

Defaults, measured on the demo site's pages at 1280x630 on two CPU cores:

* ``--psm 11`` (sparse text) suits screens: every separated text run becomes its
  own block, so side-by-side cards and label/field pairs do not merge.
* ``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads cost far more than they
  give on small images (about 1.9 s → 0.25 s per full page here).
* ``scale=1``: rendered text of 10 px and up reads correctly at its own size;
  ×2 (Lanczos) roughly doubles the time and pays off only below that (9 px
  DejaVu Sans: 18/23 words at ×1, 23/23 at ×2), so callers use it as a retry
  when a lookup found nothing.

Tesseract's layout analysis skips text on solid coloured areas (white on a blue
button); ``fills.py`` finds those areas and a second, concurrent Tesseract
pass reads them from a recoloured sheet (see there).
"""

from __future__ import annotations

import hashlib
import io
import statistics
import subprocess
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import anyio
import msgspec

from mantis.brains.providers.base import Box, Region
from mantis.brains.providers.fills import Sheet, build_sheet, find_fills
from mantis.config import child_environment
from mantis.errors import ConfigError
from mantis.gym.base import Screenshot

if TYPE_CHECKING:
    from PIL import Image

INSTALL_HINT = (
    "install tesseract-ocr (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-eng)"
)

# A gap wider than this many line heights splits one Tesseract line in two:
# side-by-side columns sometimes come back as a single line.
_SPLIT_GAP = 1.5
_SHEET_PSM = 6  # the sheet is a plain column of short lines
_SHEET_MIN_CONF = 40.0  # sheet pieces are small; drop Tesseract's guesses at edges
_SHEET_BLOCK = 1_000_000  # keeps sheet words out of the page's (block, par, line) groups


class Word(msgspec.Struct, frozen=True):
    """One recognised word; coordinates are screen pixels, ``conf`` is 0-100."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int
    par: int
    line: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def box(self) -> Box:
        return Box(self.left, self.top, self.width, self.height)


class Line(msgspec.Struct, frozen=True):
    """Consecutive words of one text run, left to right."""

    text: str
    box: Box
    words: tuple[Word, ...]


class OcrResult(msgspec.Struct, frozen=True):
    words: tuple[Word, ...]
    lines: tuple[Line, ...]  # top to bottom, then left to right
    elapsed_s: float  # seconds the Tesseract process took

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def parse_tsv(tsv: str, *, offset: tuple[int, int] = (0, 0), scale: float = 1.0) -> list[Word]:
    """Words (TSV level 5, non-blank) from Tesseract's TSV, mapped to screen pixels.

    ``offset`` is the crop's top-left corner on the screen and ``scale`` the
    factor the crop was enlarged by before OCR.
    """
    words: list[Word] = []
    ox, oy = offset
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(
            Word(
                text=text,
                left=ox + round(left / scale),
                top=oy + round(top / scale),
                width=max(1, round(width / scale)),
                height=max(1, round(height / scale)),
                conf=float(cols[10]),
                block=int(cols[2]),
                par=int(cols[3]),
                line=int(cols[4]),
            )
        )
    return words


def group_lines(words: list[Word] | tuple[Word, ...]) -> list[Line]:
    """Group words by Tesseract's (block, paragraph, line), split at wide gaps,
    and order the lines top to bottom, then left to right."""
    keyed: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        keyed.setdefault((word.block, word.par, word.line), []).append(word)
    lines: list[Line] = []
    for group in keyed.values():
        group.sort(key=lambda w: w.left)
        height = statistics.median(w.height for w in group)
        run: list[Word] = [group[0]]
        for word in group[1:]:
            if word.left - run[-1].right > _SPLIT_GAP * height:
                lines.append(_line(run))
                run = []
            run.append(word)
        lines.append(_line(run))
    lines.sort(key=lambda ln: (ln.box.y + ln.box.h // 2, ln.box.x))
    return _order_rows(lines)


def _line(words: list[Word]) -> Line:
    box = words[0].box
    for word in words[1:]:
        box = box.union(word.box)
    return Line(text=" ".join(w.text for w in words), box=box, words=tuple(words))


def _order_rows(lines: list[Line]) -> list[Line]:
    # Lines whose vertical centres are within half a line height share a row
    # and read left to right, so a row's order does not hinge on a pixel of
    # baseline jitter.
    ordered: list[Line] = []
    row: list[Line] = []
    for line in lines:
        centre = line.box.y + line.box.h / 2
        if row:
            first = row[0].box
            if abs(centre - (first.y + first.h / 2)) > max(first.h, line.box.h) / 2:
                ordered.extend(sorted(row, key=lambda ln: ln.box.x))
                row = []
        row.append(line)
    ordered.extend(sorted(row, key=lambda ln: ln.box.x))
    return ordered


class Tesseract:
    """An async, caching front to the ``tesseract`` command-line program."""

    def __init__(
        self,
        path: str = "tesseract",
        *,
        psm: int = 11,
        scale: int = 1,
        lang: str = "eng",
        cache_size: int = 16,
        timeout_s: float = 60.0,
    ) -> None:
        self.path = path
        self.psm = psm
        self.scale = scale
        self.lang = lang
        self.timeout_s = timeout_s
        self._cache_size = cache_size
        self._cache: OrderedDict[tuple[object, ...], OcrResult] = OrderedDict()

    async def read(
        self,
        image: Image.Image | Screenshot,
        *,
        region: Region | None = None,
        psm: int | None = None,
        scale: int | None = None,
    ) -> OcrResult:
        """OCR ``image`` (or the ``region`` of it); coordinates are always the full image's."""
        psm = self.psm if psm is None else psm
        scale = self.scale if scale is None else scale
        region = _clamp(region, image.width, image.height)
        if region is not None and (region[2] == 0 or region[3] == 0):
            return OcrResult(words=(), lines=(), elapsed_s=0.0)
        digest = await anyio.to_thread.run_sync(_digest, image)
        key = (digest, region, psm, scale, self.lang)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        # Decoded only on a miss: a screenshot's key comes from its raw bytes.
        pil = image.image() if isinstance(image, Screenshot) else image
        page, sheet = await anyio.to_thread.run_sync(_prepare, pil, region, scale)
        started = time.perf_counter()
        tsv: dict[str, str] = {}

        async def run(name: str, data: bytes, psm: int) -> None:
            tsv[name] = await self._run(data, psm)

        if sheet is None:
            await run("page", page, psm)
        else:
            # Two processes at once: each is single-threaded (see OMP_THREAD_LIMIT).
            try:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(run, "page", page, psm)
                    tg.start_soon(run, "sheet", _pnm(sheet.image), _SHEET_PSM)
            except BaseExceptionGroup as group:
                # Both runs fail the same way (a missing binary); report it plainly.
                raise group.exceptions[0] from None
        elapsed = time.perf_counter() - started
        offset = (region[0], region[1]) if region else (0, 0)
        words = parse_tsv(tsv["page"], offset=offset, scale=scale)
        if sheet is not None:
            words = _merge_sheet(words, parse_tsv(tsv["sheet"]), sheet, offset, scale)
        result = OcrResult(words=tuple(words), lines=tuple(group_lines(words)), elapsed_s=elapsed)
        self._cache[key] = result
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    async def _run(self, data: bytes, psm: int) -> str:
        cmd = [self.path, "stdin", "stdout", "-l", self.lang, "--psm", str(psm), "tsv"]
        env = child_environment(OMP_THREAD_LIMIT="1")
        try:
            with anyio.fail_after(self.timeout_s):
                proc = await anyio.run_process(cmd, input=data, env=env, check=False)
        except FileNotFoundError as exc:
            raise ConfigError(
                f"the OCR program {self.path!r} was not found; {INSTALL_HINT}"
            ) from exc
        except PermissionError as exc:
            raise ConfigError(f"the OCR program {self.path!r} is not executable") from exc
        except TimeoutError as exc:
            raise ConfigError(f"{self.path} took longer than {self.timeout_s:g} s") from exc
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise ConfigError(
                f"{self.path} exited with status {proc.returncode}: {err[-300:]}; "
                f"is the {self.lang!r} language data installed? {INSTALL_HINT}"
            )
        return proc.stdout.decode("utf-8", "replace")


def _clamp(region: Region | None, width: int, height: int) -> Region | None:
    if region is None:
        return None
    x, y, w, h = region
    x0, y0 = max(0, min(x, width)), max(0, min(y, height))
    x1, y1 = max(x0, min(x + w, width)), max(y0, min(y + h, height))
    if (x0, y0, x1 - x0, y1 - y0) == (0, 0, width, height):
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def _digest(img: Image.Image | Screenshot) -> str:
    """A key for the pixels: a screenshot's raw bytes as they are (no conversion), an
    image's bytes in its mode. The same pixels in two layouts get two keys, which only
    costs a cache miss."""
    h = hashlib.blake2b(digest_size=16)
    if isinstance(img, Screenshot):
        h.update(f"shot:{img.pixel_format}:{img.width}x{img.height}:".encode())
        h.update(img.data)
    else:
        h.update(f"{img.mode}:{img.width}x{img.height}:".encode())
        h.update(img.tobytes())
    return h.hexdigest()


def _prepare(img: Image.Image, region: Region | None, scale: int) -> tuple[bytes, Sheet | None]:
    """The greyscale page as PGM bytes, and a sheet of its filled areas (if any)."""
    from PIL import Image

    if region is not None:
        x, y, w, h = region
        img = img.crop((x, y, x + w, y + h))
    gray = img.convert("L")
    if scale != 1:
        gray = gray.resize((gray.width * scale, gray.height * scale), Image.Resampling.LANCZOS)
    return _pnm(gray), build_sheet(gray, find_fills(gray))


def _pnm(gray: object) -> bytes:
    buf = io.BytesIO()
    gray.save(buf, format="PPM")  # type: ignore[attr-defined]  # PGM for mode L: no compression cost
    return buf.getvalue()


def _merge_sheet(
    page: list[Word], sheet_words: list[Word], sheet: Sheet, offset: tuple[int, int], scale: int
) -> list[Word]:
    """Replace page words inside filled areas by the sheet's reading of those areas."""
    ox, oy = offset

    def to_screen(x: int, y: int) -> tuple[int, int]:
        return (ox + round(x / scale), oy + round(y / scale))

    fills = []
    for box, _ in sheet.pieces:
        (x0, y0), (x1, y1) = to_screen(box.x, box.y), to_screen(box.right, box.bottom)
        fills.append(Box(x0, y0, x1 - x0, y1 - y0))
    merged = [w for w in page if not any(f.contains(*w.box.center) for f in fills)]
    for word in sheet_words:
        piece = sheet.piece_at(*word.box.center)
        if piece is None or word.conf < _SHEET_MIN_CONF:
            continue
        dx, dy = sheet.shift(piece)
        left, top = to_screen(word.left + dx, word.top + dy)
        merged.append(
            msgspec.structs.replace(
                word,
                left=left,
                top=top,
                width=max(1, round(word.width / scale)),
                height=max(1, round(word.height / scale)),
                block=_SHEET_BLOCK + piece * 1000 + word.block,
            )
        )
    return merged


def tesseract_version(path: str = "tesseract") -> str | None:
    """The first line of ``tesseract --version``, or None when the program is missing
    (for ``mantis doctor``; blocking, call from a thread)."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else None
