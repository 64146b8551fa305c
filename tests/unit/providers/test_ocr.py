import time

import pytest

from mantis.brains.providers.ocr import Tesseract, Word, group_lines, parse_tsv
from mantis.errors import ConfigError

HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)


def _row(level, block, line, left, top, width, height, conf, text):
    return f"{level}\t1\t{block}\t1\t{line}\t1\t{left}\t{top}\t{width}\t{height}\t{conf}\t{text}"


def _word(text, left, top, width=40, height=16, block=1, line=1):
    return Word(text, left, top, width, height, 95.0, block, 1, line)


def test_parse_tsv_keeps_words_and_maps_crop_and_scale_back_to_the_screen():
    tsv = "\n".join(
        [
            HEADER,
            _row(4, 1, 1, 0, 0, 200, 40, -1, ""),
            _row(5, 1, 1, 20, 10, 80, 30, 96.5, "Hello"),
            _row(5, 1, 1, 120, 10, 60, 30, 91, " "),
        ]
    )
    (word,) = parse_tsv(tsv, offset=(100, 50), scale=2)
    assert word == Word("Hello", 110, 55, 40, 15, 96.5, 1, 1, 1)


def test_group_lines_splits_a_line_at_a_wide_gap_and_orders_rows_left_to_right():
    words = [
        _word("Make:", 500, 100),
        _word("Honda", 545, 100),
        _word("Make:", 100, 101),
        _word("Toyota", 145, 101),
        _word("Year:", 100, 140, line=2),
    ]
    # Both cards' first lines came back from Tesseract as one line.
    lines = group_lines(words)
    assert [ln.text for ln in lines] == ["Make: Toyota", "Make: Honda", "Year:"]
    assert lines[0].box.x == 100 and lines[0].box.right == 185


@pytest.mark.anyio
async def test_reads_rendered_words_with_their_boxes(ocr, canvas):
    expected = canvas.text(200, 300, "Quarterly report", size=24)
    result = await ocr.read(canvas.image)
    assert result.text == "Quarterly report"
    box = result.lines[0].box
    assert abs(box.x - expected.x) <= 3 and abs(box.y - expected.y) <= 3
    assert abs(box.right - expected.right) <= 3 and abs(box.bottom - expected.bottom) <= 3


@pytest.mark.anyio
async def test_region_reads_only_the_crop_in_screen_coordinates(ocr, canvas):
    canvas.text(100, 30, "Toolbar title")
    body = canvas.text(400, 500, "Page body")
    result = await ocr.read(canvas.image, region=(0, 90, 1280, 630))
    assert result.text == "Page body"
    assert abs(result.lines[0].box.x - body.x) <= 3 and abs(result.lines[0].box.y - body.y) <= 3


@pytest.mark.anyio
async def test_reads_white_text_on_a_coloured_button(ocr, canvas):
    for i, (fill, caption) in enumerate([("#1f4fbf", "Sign in"), ("#222222", "Continue")]):
        box = canvas.button(100 + i * 300, 200, caption, fill=fill)
        result = await ocr.read(canvas.image)
        (line,) = [ln for ln in result.lines if ln.text == caption]
        assert box.contains(*line.box.center)


@pytest.mark.anyio
async def test_second_read_of_the_same_pixels_is_served_from_the_cache(ocr, canvas):
    canvas.text(100, 100, "Cached words")
    first = await ocr.read(canvas.shot())
    started = time.perf_counter()
    second = await ocr.read(canvas.shot())
    assert second is first
    assert time.perf_counter() - started < 0.05
    other = await ocr.read(canvas.shot(), region=(0, 0, 640, 360))
    assert other is not first


@pytest.mark.anyio
async def test_missing_binary_is_a_config_error_naming_the_package(canvas):
    with pytest.raises(ConfigError, match="tesseract-ocr"):
        await Tesseract("/nonexistent/tesseract").read(canvas.image)
