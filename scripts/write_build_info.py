"""Write mantis/_build_info.py (gitignored) with the git sha and the build time."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sha = "unknown"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    target = ROOT / "mantis" / "_build_info.py"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(f'"""Generated at build time."""\n\nGIT_SHA = "{sha}"\nBUILD_TIME = "{now}"\n')
    tmp.replace(target)


if __name__ == "__main__":
    main()
