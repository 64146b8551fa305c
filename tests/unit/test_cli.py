"""The `mantis plan validate` and `mantis plan schema` commands, through `main()`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mantis.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_validate_accepts_the_demo_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "validate", str(ROOT / "examples/plans/demo.json")]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_reports_every_error_with_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {"type": "navigate", "intent": "go", "params": {"url": "about:blank"}},
                {"type": "hover", "intent": "?"},
                {"type": "wait", "intent": "w", "budget": "x"},
            ]
        )
    )
    assert main(["plan", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "steps[1].type: unknown step type 'hover'" in err
    assert "steps[2].budget" in err


def test_validate_names_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "validate", "/nonexistent/plan.json"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_schema_is_json_listing_step_types(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert "fill_field" in json.dumps(schema)


def test_doctor_reports_system_brains_and_providers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "system   ocr" in out and "system   browser" in out
    assert "brain    claude" in out and "provider grounder" in out
