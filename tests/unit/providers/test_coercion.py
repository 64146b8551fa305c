import pytest
from hypothesis import given
from hypothesis import strategies as st

from mantis.brains.providers.coercion import coerce, parse_number


@pytest.mark.parametrize(
    ("text", "type_", "expected"),
    [
        ("$14,500", "int", 14500),
        ("14,500.00", "int", 14500),
        ("€ 1.234,56", "float", 1234.56),
        ("1,5", "float", 1.5),
        ("USD 2,000", "int", 2000),
        ("(250)", "int", -250),
        ("12%", "float", 12.0),
        ("$14,5O0", "int", 14500),
        ("2019", "int", 2019),
        ("Yes", "bool", True),
        ("off", "bool", False),
        ("  Toyota   Corolla ", "str", "Toyota Corolla"),
    ],
)
def test_values_are_coerced_to_the_field_type(text, type_, expected):
    assert coerce(text, type_) == expected
    assert type(coerce(text, type_)) is type(expected)


@pytest.mark.parametrize(
    ("text", "type_"),
    [("call us", "int"), ("14.5", "int"), ("1,23,4", "float"), ("maybe", "bool")],
)
def test_text_that_does_not_parse_stays_text(text, type_):
    assert coerce(text, type_) == text


def test_missing_value_is_empty_string_whatever_the_type():
    assert coerce("", "int") == "" and coerce("", "bool") == ""


@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_prices_round_trip(n):
    assert coerce(f"${n:,}", "int") == n
    assert parse_number(f"{n:,}.25") == pytest.approx(n + 0.25)
