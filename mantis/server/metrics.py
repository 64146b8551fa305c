"""Prometheus metrics of API.md, rendered in the text exposition format.

Counters and histograms live in memory (they restart at zero with the process,
as Prometheus expects); ``mantis_concurrent_runs`` is read from the store at
scrape time so it is right after a restart too.
"""

from __future__ import annotations

from collections import defaultdict

Labels = tuple[tuple[str, str], ...]
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

_HELP = {
    "mantis_predict_requests_total": ("counter", "Run submissions by tenant, mode and outcome"),
    "mantis_concurrent_runs": ("gauge", "Non-terminal runs per tenant"),
    "mantis_rate_limit_rejections_total": ("counter", "429 answers by tenant and kind"),
    "mantis_runs_total": ("counter", "Runs that reached a terminal status"),
    "mantis_step_duration_seconds": ("histogram", "Step wall time by step type"),
    "mantis_action_total": ("counter", "Steps executed by kind"),
    "mantis_brain_latency_seconds": ("histogram", "Brain call latency by brain"),
    "mantis_cost_usd_total": ("counter", "Spend by tenant and kind"),
    "mantis_webhook_deliveries_total": ("counter", "Webhook delivery attempts by outcome"),
}


def _labels(labels: Labels, extra: str = "") -> str:
    parts = [f'{k}="{_escape(v)}"' for k, v in labels]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._hist: dict[str, dict[Labels, list[float]]] = defaultdict(dict)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        series = self._counters[name]
        series[key] = series.get(key, 0.0) + amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        # [count per bucket..., +Inf count, sum]
        cells = self._hist[name].setdefault(key, [0.0] * (len(BUCKETS) + 2))
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                cells[i] += 1
        cells[len(BUCKETS)] += 1
        cells[-1] += value

    # -- the named series of API.md -----------------------------------------------------------

    def predict(self, tenant_id: str, mode: str, outcome: str) -> None:
        self.inc("mantis_predict_requests_total", tenant_id=tenant_id, mode=mode, outcome=outcome)

    def rejected(self, tenant_id: str, kind: str) -> None:
        self.inc("mantis_rate_limit_rejections_total", tenant_id=tenant_id, kind=kind)

    def run_finished(self, tenant_id: str, status: str, costs: dict[str, float]) -> None:
        self.inc("mantis_runs_total", status=status)
        for kind, usd in costs.items():
            self.inc("mantis_cost_usd_total", usd, tenant_id=tenant_id, kind=kind)

    def step(self, step_type: str, seconds: float) -> None:
        self.observe("mantis_step_duration_seconds", seconds, type=step_type)
        self.inc("mantis_action_total", kind=step_type)

    def webhook(self, outcome: str) -> None:
        self.inc("mantis_webhook_deliveries_total", outcome=outcome)

    def render(self, concurrent: dict[str, int]) -> str:
        out: list[str] = []
        for name, (kind, text) in _HELP.items():
            out.append(f"# HELP {name} {text}")
            out.append(f"# TYPE {name} {kind}")
            if name == "mantis_concurrent_runs":
                for tenant, n in sorted(concurrent.items()):
                    out.append(f"{name}{_labels((('tenant_id', tenant),))} {n}")
            elif kind == "histogram":
                for key, cells in sorted(self._hist.get(name, {}).items()):
                    for bound, count in zip(BUCKETS, cells, strict=False):
                        le = 'le="' + f"{bound:g}" + '"'
                        out.append(f"{name}_bucket{_labels(key, le)} {count:g}")
                    inf = 'le="+Inf"'
                    out.append(f"{name}_bucket{_labels(key, inf)} {cells[-2]:g}")
                    out.append(f"{name}_count{_labels(key)} {cells[-2]:g}")
                    out.append(f"{name}_sum{_labels(key)} {cells[-1]:g}")
            else:
                for key, value in sorted(self._counters.get(name, {}).items()):
                    out.append(f"{name}{_labels(key)} {value:g}")
        return "\n".join(out) + "\n"
