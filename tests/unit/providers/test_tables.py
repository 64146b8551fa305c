"""extract_table on synthetic word boxes: a schema naming only some of a table's columns."""

from mantis.brains.providers.base import FieldSpec
from mantis.brains.providers.matching import normalize
from mantis.brains.providers.ocr import Word
from mantis.brains.providers.tables import extract_table

LEFTS = (100, 260, 440, 560)  # Make, Model, Year, Price


def _row(cells: list[str], top: int) -> list[Word]:
    return [
        Word(text=t, left=x, top=top, width=12 * len(t), height=20, conf=95, block=1, par=1, line=1)
        for t, x in zip(cells, LEFTS, strict=False)
    ]


def _table() -> list[Word]:
    words = _row(["Make", "Model", "Year", "Price"], 100)
    for i, (make, model, year, price) in enumerate(
        [("Toyota", "Camry", "2018", "$15,900"), ("Ford", "Explorer", "2017", "$21,750")]
    ):
        words += _row([make, model, year, price], 140 + 40 * i)
    words += _row(["Next"], 240)  # a link under the table, aligned with the first column
    return words


def _fields(*names: str) -> tuple[list[FieldSpec], list[list[str]]]:
    return [FieldSpec(name=n) for n in names], [[normalize(n)] for n in names]


def test_columns_outside_the_schema_are_not_merged_into_its_last_field() -> None:
    fields, forms = _fields("make", "model")
    rows = extract_table(_table(), fields, forms, max_items=10, threshold=0.8)
    assert rows == [{"make": "Toyota", "model": "Camry"}, {"make": "Ford", "model": "Explorer"}]


def test_a_middle_column_left_out_of_the_schema_is_dropped() -> None:
    fields, forms = _fields("make", "price")
    fields[1] = FieldSpec(name="price", type="int")
    rows = extract_table(_table(), fields, forms, max_items=10, threshold=0.8)
    assert rows == [{"make": "Toyota", "price": 15900}, {"make": "Ford", "price": 21750}]


def test_the_full_schema_still_reads_every_column() -> None:
    fields, forms = _fields("make", "model", "year", "price")
    rows = extract_table(_table(), fields, forms, max_items=10, threshold=0.8)
    assert [r["model"] for r in rows] == ["Camry", "Explorer"] and rows[1]["year"] == "2017"
