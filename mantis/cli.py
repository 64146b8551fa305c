"""The ``mantis`` command.

    mantis serve [--host H] [--port P] [--data-dir D]
    mantis plan validate FILE        exit 0, or 1 with every error (JSON path: message)
    mantis plan schema               the plan JSON Schema (draft 2020-12)
    mantis plan run FILE [--var K=V] run a plan here, on a local browser, and print the rows
    mantis plan run-remote FILE --endpoint URL [--header K=V]   (alias run-modal) submit + follow
    mantis runs list|status|result|logs|cancel|resume|watch      act on a server's runs
    mantis tenants add|list|revoke                               manage the tenant keys file

Settings are read once, here, from ``MANTIS_*`` variables and flags.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import msgspec

from mantis.config import Settings
from mantis.errors import MantisError


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        os.environ,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        data_dir=getattr(args, "data_dir", None),
        plans_dir=getattr(args, "plans_dir", None),
    )


def _read_plan(path: str) -> Any:
    try:
        return msgspec.json.decode(Path(path).read_bytes())
    except FileNotFoundError:
        raise MantisError(f"{path}: no such file") from None
    except msgspec.DecodeError as exc:
        raise MantisError(f"{path}: not valid JSON ({exc})") from None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mantis.server import create_app
    from mantis.server.auth import ensure_token_file

    settings = _settings(args)
    app = create_app(settings)
    if not settings.api_token:
        token, created = ensure_token_file(settings.data_dir)
        where = settings.data_dir / "api_token"
        print(f"API token ({'created' if created else 'from'} {where}): {token}", flush=True)
    print(f"mantis serving on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level)
    return 0


def cmd_plan_validate(args: argparse.Namespace) -> int:
    from mantis.plans import PlanCaps, validate_plan

    settings = _settings(args)
    caps = PlanCaps(
        max_steps_per_plan=settings.max_steps_per_plan,
        max_loop_iterations=settings.max_loop_iterations,
        max_wait_seconds=settings.max_wait_seconds,
    )
    issues = validate_plan(_read_plan(args.file), caps=caps)
    if not issues:
        print(f"{args.file}: valid")
        return 0
    for issue in issues:
        print(
            f"{args.file}: {issue.path}: {issue.message}"
            if issue.path
            else f"{args.file}: {issue.message}",
            file=sys.stderr,
        )
    return 1


def cmd_plan_schema(args: argparse.Namespace) -> int:
    from mantis.plans import plan_json_schema

    sys.stdout.write(
        msgspec.json.format(msgspec.json.encode(plan_json_schema()), indent=2).decode()
    )
    sys.stdout.write("\n")
    return 0


def cmd_plan_run(args: argparse.Namespace) -> int:
    from mantis.server.oneshot import run_plan_file

    settings = _settings(args)
    variables = {}
    for item in args.var or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise MantisError(f"--var: expected KEY=VALUE, got {item!r}")
        variables[key] = value
    return run_plan_file(settings, _read_plan(args.file), variables, profile_id=args.profile_id)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mantis", description="Mantis computer-use agent server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--data-dir", type=Path)
    serve.add_argument("--plans-dir", type=Path)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    plan = sub.add_parser("plan", help="validate, inspect or run plans")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True)
    validate = plan_sub.add_parser("validate", help="check a plan file")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_plan_validate)
    schema = plan_sub.add_parser("schema", help="print the plan JSON Schema")
    schema.set_defaults(func=cmd_plan_schema)
    run = plan_sub.add_parser("run", help="run a plan on a local browser")
    run.add_argument("file")
    run.add_argument("--var", action="append", metavar="KEY=VALUE")
    run.add_argument("--profile-id", default="default")
    run.add_argument("--data-dir", type=Path)
    run.set_defaults(func=cmd_plan_run)

    from mantis.server.commands import add_commands

    add_commands(sub, plan_sub, _settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MantisError as exc:
        print(f"mantis: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
