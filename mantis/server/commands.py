"""The ``mantis runs``, ``mantis tenants`` and ``mantis plan run-remote`` commands.

``runs`` and ``run-remote`` talk to any Mantis server over HTTP through
``mantis.remote.client``; ``tenants`` edits the keys file of this machine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mantis.config import Settings
from mantis.errors import MantisError
from mantis.remote.client import MantisClient
from mantis.server.tenancy import SCOPES, Tenant, add_tenant, read_keys, revoke_tenant


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise MantisError(f"{flag}: expected KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def _client(args: argparse.Namespace, settings: Settings) -> MantisClient:
    endpoint = args.endpoint or f"http://{settings.host}:{settings.port}"
    token = args.token or settings.api_token
    if token is None:
        path = settings.data_dir / "api_token"
        token = path.read_text().strip() if path.is_file() else None
    return MantisClient(endpoint, token, headers=_pairs(args.header, "--header"))


def _print(body: Any) -> None:
    json.dump(body, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _progress(event: Any) -> None:
    d = event.data.get("data", {}) if isinstance(event.data, dict) else {}
    if event.kind == "step_started":
        print(f"  step {d.get('index')}/{d.get('total')} {d.get('type')} …", file=sys.stderr)
    elif event.kind == "step_finished":
        mark = "ok" if d.get("success") else f"FAILED: {d.get('error')}"
        print(f"  step {d.get('index')} {mark} ({d.get('duration_s', 0):.2f}s)", file=sys.stderr)
    elif event.kind == "paused":
        print(
            f"  paused: {d.get('prompt')}  (answer with: mantis runs resume RUN_ID TEXT)",
            file=sys.stderr,
        )


def watch(client: MantisClient, run_id: str) -> dict[str, Any]:
    """Follow a run's events live; return its final status body."""
    for event in client.events_stream(run_id):
        if event.kind == "terminal":
            return dict(event.data)
        _progress(event)
    return client.status(run_id)


def cmd_runs(args: argparse.Namespace, settings: Settings) -> int:
    with _client(args, settings) as client:
        action = args.runs_command
        if action == "list":
            _print(client.list_runs(status=args.status, limit=args.limit, cursor=args.cursor))
        elif action == "status":
            _print(client.status(args.run_id))
        elif action == "result":
            _print(client.result(args.run_id))
        elif action == "logs":
            _print(client.logs(args.run_id, args.tail))
        elif action == "cancel":
            _print(client.cancel(args.run_id))
        elif action == "resume":
            _print(client.resume(args.run_id, args.user_input))
        elif action == "watch":
            final = watch(client, args.run_id)
            _print(final)
            return 0 if final.get("status") == "succeeded" else 1
    return 0


def cmd_run_remote(args: argparse.Namespace, settings: Settings) -> int:
    try:
        plan = json.loads(Path(args.file).read_text())
    except (OSError, ValueError) as exc:
        raise MantisError(f"{args.file}: cannot read a JSON plan ({exc})") from None
    field = "task_suite" if isinstance(plan, dict) and "tasks" in plan else "micro"
    body: dict[str, Any] = {field: plan, "vars": _pairs(args.var, "--var")}
    if args.profile_id:
        body["profile_id"] = args.profile_id
    with _client(args, settings) as client:
        sub = client.submit(body)
        print(
            f"run {sub['run_id']} submitted to {args.endpoint or 'local server'}", file=sys.stderr
        )
        final = watch(client, sub["run_id"])
        _print(
            client.result(sub["run_id"])
            if final.get("status") in ("succeeded", "failed")
            else final
        )
        return 0 if final.get("status") == "succeeded" else 1


def cmd_tenants(args: argparse.Namespace, settings: Settings) -> int:
    path = args.keys or settings.tenant_keys_path
    if path is None:
        raise MantisError("tenants: set MANTIS_TENANT_KEYS_PATH or pass --keys FILE")
    if args.tenants_command == "add":
        tenant = Tenant(
            tenant_id=args.tenant_id,
            scopes=tuple(args.scope or SCOPES),
            max_concurrent_runs=args.max_concurrent_runs,
            rate_limit_per_minute=args.rate_limit_per_minute,
            allowed_domains=tuple(args.allowed_domain or ()),
            webhook_url=args.webhook_url,
            webhook_secret_name=args.webhook_secret_name,
        )
        token = add_tenant(Path(path), tenant)
        print(f"tenant {tenant.tenant_id}: token (shown once, stored hashed):", file=sys.stderr)
        print(token)
    elif args.tenants_command == "list":
        for key, tenant in read_keys(Path(path)).tenant_keys.items():
            print(f"{tenant.tenant_id}\t{key[:19]}…\tscopes={','.join(tenant.scopes)}")
    else:
        removed = revoke_tenant(Path(path), args.tenant_id)
        print(f"revoked {removed} key(s) of tenant {args.tenant_id}")
        return 0 if removed else 1
    return 0


def _remote_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", help="server URL (default: this machine's MANTIS_HOST:PORT)")
    p.add_argument("--token", help="API token (default: MANTIS_API_TOKEN or the local token file)")
    p.add_argument("--header", action="append", metavar="K=V", help="extra request header")


def add_commands(sub: Any, plan_sub: Any, settings_of: Any) -> None:
    """Register the commands on the ``mantis`` parser (``settings_of(args)`` builds Settings)."""

    def bind(fn: Any) -> Any:
        return lambda args: fn(args, settings_of(args))

    runs = sub.add_parser("runs", help="list and act on runs of a server")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    lst = runs_sub.add_parser("list")
    lst.add_argument("--status")
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--cursor")
    _remote_flags(lst)
    for name in ("status", "result", "logs", "cancel", "resume", "watch"):
        p = runs_sub.add_parser(name)
        p.add_argument("run_id")
        if name == "resume":
            p.add_argument("user_input")
        if name == "logs":
            p.add_argument("--tail", type=int, default=200)
        _remote_flags(p)
    runs.set_defaults(func=bind(cmd_runs))

    for name in ("run-remote", "run-modal"):
        p = plan_sub.add_parser(name, help="submit a plan to a server and follow it live")
        p.add_argument("file")
        p.add_argument("--var", action="append", metavar="KEY=VALUE")
        p.add_argument("--profile-id")
        _remote_flags(p)
        p.set_defaults(func=bind(cmd_run_remote))

    tenants = sub.add_parser("tenants", help="manage the tenant keys file")
    tenants.add_argument("--keys", type=Path, help="keys file (default MANTIS_TENANT_KEYS_PATH)")
    t_sub = tenants.add_subparsers(dest="tenants_command", required=True)
    add = t_sub.add_parser("add")
    add.add_argument("tenant_id")
    add.add_argument("--scope", action="append", choices=SCOPES)
    add.add_argument("--max-concurrent-runs", type=int, default=5)
    add.add_argument("--rate-limit-per-minute", type=int, default=30)
    add.add_argument("--allowed-domain", action="append")
    add.add_argument("--webhook-url")
    add.add_argument("--webhook-secret-name")
    t_sub.add_parser("list")
    rev = t_sub.add_parser("revoke")
    rev.add_argument("tenant_id")
    tenants.set_defaults(func=bind(cmd_tenants))
