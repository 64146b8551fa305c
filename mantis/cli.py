"""The ``mantis`` command.

    mantis serve [--host H] [--port P] [--data-dir D]
    mantis plan validate FILE        exit 0, or 1 with every error (JSON path: message)
    mantis plan schema               the plan JSON Schema (draft 2020-12)
    mantis plan run FILE [--var K=V] [--answer TEXT]
                                     run a plan here, on a local browser, and print the rows
    mantis plan dry-run FILE         walk the plan with the mock brain, no browser; print the path
    mantis doctor                    each brain and provider: ready / not ready, and why
    mantis proxy diagnose            egress IP, CONNECT statuses and a verdict per provider
    mantis plan run-remote FILE --endpoint URL [--header K=V]   (alias run-modal) submit + follow
    mantis runs list|status|result|logs|cancel|resume|watch      act on a server's runs
    mantis tenants add|list|revoke                               manage the tenant keys file

Settings are read once, here, from ``MANTIS_*`` variables and flags.
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import partial
from pathlib import Path
from typing import Any

import msgspec

from mantis.config import Settings
from mantis.errors import MantisError


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        None,
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


def _vars(items: list[str] | None) -> dict[str, str]:
    variables = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise MantisError(f"--var: expected KEY=VALUE, got {item!r}")
        variables[key] = value
    return variables


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
    issues = validate_plan(_read_plan(args.file), caps=caps, vars=_vars(args.var))
    # Placeholders are filled at submission (`vars`), so a file may legitimately leave them open.
    open_vars = sorted(
        {
            m.group(1)
            for i in issues
            if (m := re.search(r"unresolved placeholder \{\{\s*(\w+)", i.message))
        }
    )
    issues = [i for i in issues if "unresolved placeholder" not in i.message]
    if not issues:
        needs = f" (submit with vars: {', '.join(open_vars)})" if open_vars else ""
        print(f"{args.file}: valid{needs}")
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
    return run_plan_file(
        settings,
        _read_plan(args.file),
        _vars(args.var),
        profile_id=args.profile_id,
        answers=args.answer,
    )


def cmd_doctor(args: argparse.Namespace) -> int:
    from mantis.doctor import report

    print("\n".join(report(_settings(args))))
    return 0


def cmd_plan_dry_run(args: argparse.Namespace) -> int:
    import anyio

    from mantis.plans import MicroPlan, TaskSuite, load_plan
    from mantis.runner.dryrun import dry_run

    variables = dict(item.partition("=")[::2] for item in args.var or [])
    plan = load_plan(_read_plan(args.file), vars=variables).plan
    if isinstance(plan, TaskSuite) and plan.micro_plan is not None:
        plan = plan.micro_plan
    if not isinstance(plan, MicroPlan):
        raise MantisError("plan dry-run: only micro-plans (or suites with _micro_plan) have a path")
    lines: list[str] = []
    outcome = anyio.run(dry_run, plan, lines)
    print("\n".join(lines))
    halt = f" ({outcome.halt.cls}: {outcome.halt.message})" if outcome.halt else ""
    print(f"status: {outcome.status}{halt}; {len(outcome.steps)} steps executed")
    return 0 if outcome.status != "failed" else 1


def cmd_proxy_diagnose(args: argparse.Namespace) -> int:
    import anyio

    from mantis.gym.diagnose import diagnose
    from mantis.gym.providers import configured_providers

    upstreams = configured_providers(_settings(args))
    if args.provider:
        upstreams = [u for u in upstreams if u.provider == args.provider.lower()]
    if not upstreams:
        print(
            "mantis: no proxy provider configured; set e.g. OXYLABS_USERNAME and "
            "OXYLABS_PASSWORD (or PRIVATEPROXY_* / IPROYAL_*)",
            file=sys.stderr,
        )
        return 1
    reports = [
        anyio.run(partial(diagnose, u, ip_url=args.ip_url, target=args.target)) for u in upstreams
    ]
    if args.json:
        print(msgspec.json.encode(reports).decode())
    for r in [] if args.json else reports:
        print(f"{r.provider} via {r.entrypoint}: {r.outcome}  egress IP: {r.egress_ip or '-'}")
        print(f"  CONNECT/request statuses: {r.statuses or '-'}   {r.detail}")
        for entry in r.log_tail:
            error = f"  {entry['error']}" if entry["error"] else ""
            line = f"{entry['method']} {entry['host']}:{entry['port']} -> {entry['status']}"
            print(f"    {line}{error}")
    return 0 if all(r.outcome == "ok" for r in reports) else 1


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
    validate.add_argument("--var", action="append", metavar="KEY=VALUE")
    validate.set_defaults(func=cmd_plan_validate)
    schema = plan_sub.add_parser("schema", help="print the plan JSON Schema")
    schema.set_defaults(func=cmd_plan_schema)
    run = plan_sub.add_parser("run", help="run a plan on a local browser")
    run.add_argument("file")
    run.add_argument("--var", action="append", metavar="KEY=VALUE")
    run.add_argument("--profile-id", default="default")
    run.add_argument(
        "--answer",
        action="append",
        metavar="TEXT",
        help="answer to a request_user_input pause (repeat for each pause, in order)",
    )
    run.add_argument("--data-dir", type=Path)
    run.set_defaults(func=cmd_plan_run)
    dry = plan_sub.add_parser("dry-run", help="walk a plan with the mock brain, no browser")
    dry.add_argument("file")
    dry.add_argument("--var", action="append", metavar="KEY=VALUE")
    dry.set_defaults(func=cmd_plan_dry_run)
    doctor = sub.add_parser("doctor", help="list brains and providers with readiness")
    doctor.set_defaults(func=cmd_doctor)

    proxy = sub.add_parser("proxy", help="proxy providers")
    proxy_sub = proxy.add_subparsers(dest="proxy_command", required=True)
    diag = proxy_sub.add_parser("diagnose", help="check each configured proxy provider")
    diag.add_argument("--provider", help="only this provider (privateproxy, oxylabs, iproyal)")
    diag.add_argument("--ip-url", default="https://api.ipify.org?format=json")
    diag.add_argument("--target", default="https://www.example.com/")
    diag.add_argument("--json", action="store_true", help="print the reports as JSON")
    diag.set_defaults(func=cmd_proxy_diagnose)

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
