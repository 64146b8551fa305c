import pytest

from mantis.brains.providers.base import FieldSpec

pytestmark = pytest.mark.anyio

CARS = [
    ("Toyota", "Corolla", 2019, 14500),
    ("Honda", "Civic", 2020, 17200),
    ("Ford", "Focus", 2017, 9800),
    ("Mazda", "Miata", 2021, 24900),
    ("Subaru", "Outback", 2018, 16750),
    ("Nissan", "Leaf", 2022, 21300),
]
CAR_FIELDS = [
    FieldSpec(name="make"),
    FieldSpec(name="model"),
    FieldSpec(name="year", type="int"),
    FieldSpec(name="price", type="int"),
]


def _cards(canvas, cars, *, x0=160, y0=120, dx=348, dy=200, cols=3):
    for i, (make, model, year, price) in enumerate(cars):
        x, y = x0 + (i % cols) * dx, y0 + (i // cols) * dy
        canvas.draw.rounded_rectangle(
            (x - 24, y - 20, x + 274, y + 150), radius=8, outline="#cccccc", width=2
        )
        for j, line in enumerate(
            [f"Make: {make}", f"Model: {model}", f"Year: {year}", f"Price: ${price:,}"]
        ):
            canvas.text(x, y + j * 34, line)


async def test_grid_of_cards_gives_one_row_per_card_in_reading_order(extractor, canvas):
    _cards(canvas, CARS)
    rows = await extractor.extract(canvas.shot(), CAR_FIELDS, max_items=10)
    assert rows == [dict(zip(["make", "model", "year", "price"], car, strict=True)) for car in CARS]


async def test_max_items_one_gives_the_first_card(extractor, canvas):
    _cards(canvas, CARS)
    rows = await extractor.extract(canvas.shot(), CAR_FIELDS)
    assert rows == [{"make": "Toyota", "model": "Corolla", "year": 2019, "price": 14500}]


async def test_label_value_pairs_with_humanised_names_and_missing_fields(extractor, canvas):
    canvas.text(140, 40, "Order details", size=32, bold=True)
    canvas.text(140, 120, "First name: Ada")
    canvas.text(140, 160, "Order total: $1,204.50")
    canvas.text(140, 200, "Gift wrap: Yes")
    fields = [
        FieldSpec(name="first_name"),
        FieldSpec(name="orderTotal", type="float"),
        FieldSpec(name="gift_wrap", type="bool"),
        FieldSpec(name="coupon"),
    ]
    rows = await extractor.extract(canvas.shot(), fields)
    assert rows == [{"first_name": "Ada", "orderTotal": 1204.5, "gift_wrap": True, "coupon": ""}]
    assert list(rows[0]) == ["first_name", "orderTotal", "gift_wrap", "coupon"]


async def test_label_above_value_layout(extractor, canvas):
    canvas.text(140, 100, "Company")
    canvas.input(138, 128)
    canvas.text(152, 140, "Initech Ltd")
    canvas.text(140, 200, "Employees")
    canvas.text(140, 228, "1,250")
    fields = [FieldSpec(name="company"), FieldSpec(name="employees", type="int")]
    rows = await extractor.extract(canvas.shot(), fields)
    assert rows == [{"company": "Initech Ltd", "employees": 1250}]


async def test_value_that_does_not_parse_stays_text(extractor, canvas):
    canvas.text(140, 100, "Price: Call us")
    rows = await extractor.extract(canvas.shot(), [FieldSpec(name="price", type="int")])
    assert rows == [{"price": "Call us"}]


async def test_nothing_found_is_no_rows(extractor, canvas):
    canvas.text(140, 100, "Nothing to see here")
    assert await extractor.extract(canvas.shot(), CAR_FIELDS, max_items=5) == []
