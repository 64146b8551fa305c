from __future__ import annotations

import pytest

from mantis.brains.geometry import ModelSpace, fixed_space, qwen_space, smart_resize


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1280, 720), (1288, 728)), ((1920, 1080), (1932, 1092)), ((28, 28), (56, 56))],
)
def test_smart_resize_rounds_to_multiples_of_28(size, expected):
    assert smart_resize(*size) == expected


@pytest.mark.parametrize("size", [(10, 10), (640, 480), (1280, 720), (7680, 4320), (20000, 9000)])
def test_smart_resize_stays_within_the_pixel_bounds(size):
    w, h = smart_resize(*size)
    assert w % 28 == 0 and h % 28 == 0
    assert 3136 <= w * h <= 12845056


def test_resized_pixels_map_back_to_the_screen():
    space = qwen_space((1280, 720))
    assert space.to_screen(644, 364) == (640, 360)
    assert space.to_screen(0, 0) == (0, 0)
    assert space.to_screen(1288, 728) == (1279, 719)  # the far edge clamps onto the screen


def test_relative_and_fractional_units():
    rel = ModelSpace(image=(1288, 728), screen=(1280, 720), units="relative1000")
    assert rel.to_screen(500, 500) == (640, 360)
    frac = ModelSpace(image=(1288, 728), screen=(1280, 720), units="fractional")
    assert frac.to_screen(0.25, 0.5) == (320, 360)


def test_fractions_are_recognised_in_a_pixel_space():
    assert qwen_space((1280, 720)).to_screen(0.5, 0.25) == (640, 180)


@pytest.mark.parametrize("point", [(-50, 10), (10, 900), (5000, 5000), (float("nan"), 1)])
def test_points_off_the_image_map_to_none(point):
    assert qwen_space((1280, 720)).to_screen(*point) is None


def test_fixed_input_size_scales_back():
    space = fixed_space((1428, 896), (1280, 720))
    assert space.to_screen(714, 448) == (640, 360)
