"""`mantis plan dry-run` walks sections, loops and branches with the mock brain, no browser."""

from __future__ import annotations

import json
from pathlib import Path

from mantis.cli import main

ROOT = Path(__file__).resolve().parents[3]


def test_dry_run_prints_the_demo_path(capsys) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(
            [
                "plan",
                "dry-run",
                str(ROOT / "examples/plans/demo.json"),
                "--var",
                "DEMO_URL=http://demo.test",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "[setup] submit (required): Press Sign in -> ok" in out
    assert "status: succeeded" in out


def test_dry_run_shows_loop_iterations_and_branches(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    plan = [
        {
            "type": "detect_visible",
            "intent": "banner?",
            "params": {"text": "Sale"},
            "out_var": "sale",
        },
        {
            "type": "if_else",
            "intent": "branch",
            "condition_var": "sale",
            "then_target": 3,
            "else_target": 2,
        },
        {"type": "wait", "intent": "skipped branch", "params": {"seconds": 0}},
        {
            "type": "loop",
            "intent": "twice",
            "loop_count": 2,
            "steps": [{"type": "click", "intent": "press it", "params": {"label": "More"}}],
        },
        {"type": "done", "intent": "end"},
    ]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(plan))
    assert main(["plan", "dry-run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "-> jump to step 3 (sale=True)" in out
    assert out.count("click: press it -> ok") == 2
    assert "skipped branch" not in out
