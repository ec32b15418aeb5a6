"""The Grafana dashboard and the Prometheus alerts ask only for metrics the app exports (issue: operations)."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

DEPLOY = settings.BASE_DIR / "deploy"
# PromQL words that look like metric names: aggregations, functions (when not followed by
# "(" they are keywords), binary operators and modifiers.
KEYWORDS = {
    "sum", "avg", "min", "max", "count", "topk", "bottomk", "quantile", "stddev", "stdvar", "group",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
}  # fmt: skip
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}


def metric_names(expr: str) -> set[str]:
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        followed_by_call = expr[match.end() :].lstrip().startswith("(")
        if not followed_by_call and match.group() not in KEYWORDS:
            names.add(match.group())
    return names


def dashboard_queries() -> dict[str, list[str]]:
    dashboard = json.loads((DEPLOY / "grafana" / "gamebuddies.json").read_text())
    return {panel["title"]: [target["expr"] for target in panel["targets"]] for panel in dashboard["panels"]}


def alert_queries() -> dict[str, str]:
    rules = yaml.safe_load((DEPLOY / "prometheus-alerts.yml").read_text())
    return {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}


@pytest.fixture
def exported(client) -> set[str]:
    """Every series name /metrics can show, after the app did some work."""
    client.get("/healthz")
    client.get("/r/ZZZZZZ")  # a 404 page
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    names = {"up"}  # Prometheus's own, per target
    for family in text_string_to_metric_families(response.content.decode()):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def test_the_metric_name_parser_finds_names_and_skips_functions_labels_and_keywords():
    expr = 'histogram_quantile(0.99, sum(rate(a_bucket{status=~"5.."}[5m])) by (le)) / sum without (x) (b_total) > 1'
    assert metric_names(expr) == {"a_bucket", "b_total"}


@pytest.mark.django_db
def test_every_dashboard_query_names_a_metric_the_app_exports(exported):
    queries = dashboard_queries()
    for title, exprs in queries.items():
        names = set().union(*(metric_names(expr) for expr in exprs))
        assert names, f"panel {title!r} queries no metric"
        assert names <= exported, f"panel {title!r} asks for {sorted(names - exported)}"


@pytest.mark.django_db
def test_every_alert_names_a_metric_the_app_exports(exported):
    for alert, expr in alert_queries().items():
        names = metric_names(expr)
        assert names and names <= exported, f"alert {alert} asks for {sorted(names - exported)}"


def test_the_dashboard_shows_what_operators_watch():
    titles = " | ".join(dashboard_queries()).lower()
    for topic in ("requests per second", "latency", "status updates", "hand-off p99", "sockets", "conflicts",
                  "503", "webhook"):  # fmt: skip
        assert topic in titles, topic


def test_prometheus_loads_the_alert_rules_and_scrapes_the_app():
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert config["rule_files"] == ["prometheus-alerts.yml"]
    job = config["scrape_configs"][0]
    assert job["job_name"] == "gamebuddies" and job["metrics_path"] == "/metrics"
