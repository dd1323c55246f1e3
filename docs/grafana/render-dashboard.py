#!/usr/bin/env python3
"""Render docs/grafana/latency-lb.json as a PNG from scrapes recorded by capture-scenario.py.

No Grafana here: this draws each panel of the dashboard at its grid position, with its
title, legend and unit, from the recorded /actuator/prometheus scrapes. Each panel's
query is evaluated by hand with PromQL's semantics (rate over a 10 s window,
histogram_quantile with linear interpolation inside a bucket, sums by label).
Dashed vertical lines mark the scenario's events (they are not part of the dashboard).

Usage: render-dashboard.py DASHBOARD_JSON CAPTURE_DIR OUT_PNG  (needs matplotlib)
"""
import collections
import json
import math
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DASHBOARD, CAPTURE, OUT = sys.argv[1:4]
WINDOW = 10.0
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

# Scrapes: time -> {(name, frozenset(labels)): value}
scrapes = []
for raw in open(CAPTURE + "/scrapes.jsonl"):
    record = json.loads(raw)
    samples = {}
    for line in record["lines"]:
        m = LINE.match(line)
        if not m:
            continue
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    scrapes.append((record["t"], samples))
events = json.load(open(CAPTURE + "/events.json"))
times = [t for t, _ in scrapes]


def series(name):
    """All series of a metric: {labels: [value or None per scrape]}."""
    keys = {k[1] for _, s in scrapes for k in s if k[0] == name}
    return {k: [s.get((name, k)) for _, s in scrapes] for k in keys}


def rate(values):
    """PromQL-like rate over WINDOW seconds (per second), None until a full window exists."""
    out = []
    for i, t in enumerate(times):
        j = i
        while j > 0 and t - times[j - 1] <= WINDOW + 0.5:
            j -= 1
        if j == i or values[i] is None or values[j] is None:
            out.append(None)
            continue
        delta = values[i] - values[j]
        if delta < 0:  # counter reset
            delta = values[i]
        out.append(delta / (t - times[j]))
    return out


def label(labels, key):
    return dict(labels).get(key, "")


def group_sum(per_series, by):
    """sum by (labels in `by`) over equal-length lists with None gaps."""
    groups = collections.defaultdict(lambda: [None] * len(times))
    for labels, values in per_series.items():
        key = tuple(label(labels, b) for b in by)
        acc = groups[key]
        for i, v in enumerate(values):
            if v is not None:
                acc[i] = (acc[i] or 0.0) + v
    return dict(groups)


def histogram_quantile(q, buckets):
    """buckets: {le: rate list}; Prometheus' interpolation inside the bucket holding the rank."""
    les = sorted(buckets, key=lambda le: math.inf if le == "+Inf" else float(le))
    out = []
    for i in range(len(times)):
        counts = [(math.inf if le == "+Inf" else float(le), buckets[le][i]) for le in les]
        if any(c is None for _, c in counts) or counts[-1][1] <= 0:
            out.append(None)
            continue
        rank = q * counts[-1][1]
        previous_le, previous_count = 0.0, 0.0
        value = None
        for le, count in counts:
            if count >= rank:
                if le == math.inf:
                    value = previous_le
                else:
                    value = previous_le + (le - previous_le) * (rank - previous_count) / max(count - previous_count,
                                                                                              1e-12)
                break
            previous_le, previous_count = le, count
        out.append(value)
    return out


def panel_data(title):
    """Series of one panel: [(legend, values)], evaluated like the panel's PromQL."""
    if title == "Decisions by reason":
        rates = {k: rate(v) for k, v in series("latencylb_decisions_total").items()}
        return [(k[0], v) for k, v in sorted(group_sum(rates, ["reason"]).items())]
    if title == "Flow moves by cause":
        rates = {k: rate(v) for k, v in series("latencylb_flow_moves_total").items()}
        return [(k[0], v) for k, v in sorted(group_sum(rates, ["cause"]).items())]
    if title == "Flow table size":
        return [(label(k, "service"), v) for k, v in series("latencylb_flow_table_size").items()]
    if title == "Peak-EWMA latency":
        return sorted((label(k, "instance"), v) for k, v in series("latencylb_instance_latency_seconds").items())
    if title == "In flight":
        return sorted((label(k, "instance"), v) for k, v in series("latencylb_instance_inflight").items())
    if title == "Flows held":
        grouped = group_sum(series("latencylb_instance_flows"), ["instance", "kind"])
        return [("%s %s" % k, v) for k, v in sorted(grouped.items())]
    if title == "Queue length":
        return sorted((label(k, "instance"), v) for k, v in series("latencylb_instance_queue_length").items())
    if title == "Queue wait p99 by class":
        buckets = series("latencylb_queue_wait_seconds_bucket")
        by_class = collections.defaultdict(dict)
        for labels, values in buckets.items():
            by_class[label(labels, "class")][label(labels, "le")] = rate(values)
        return [("class " + c, histogram_quantile(0.99, b)) for c, b in sorted(by_class.items(), key=lambda e: int(e[0]))]
    if title == "Rejections":
        rates = {k: rate(v) for k, v in series("latencylb_queue_rejections_total").items()}
        return [("class %s %s" % k, v) for k, v in sorted(group_sum(rates, ["class", "cause"]).items())]
    if title == "Retries":
        rates = {k: rate(v) for k, v in series("latencylb_retries_total").items()}
        return [(k[0], v) for k, v in sorted(group_sum(rates, ["outcome"]).items())]
    if title == "Available concurrent calls":
        return sorted((label(k, "name"), v) for k, v in series("resilience4j_bulkhead_available_concurrent_calls").items())
    if title == "Permits in use":
        available = series("resilience4j_bulkhead_available_concurrent_calls")
        maximum = series("resilience4j_bulkhead_max_allowed_concurrent_calls")
        out = []
        for k, values in maximum.items():
            free = available.get(k, [None] * len(times))
            out.append((label(k, "name"), [None if m is None or a is None else m - a for m, a in zip(values, free)]))
        return sorted(out)
    raise ValueError(title)


BG, PANEL, TEXT, GRID = "#111217", "#181b1f", "#ccccdc", "#2c3235"
COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#ffb357", "#96d98d",
          "#ca95e5", "#fade2a", "#ff7383"]
UNITS = {"reqps": "req/s", "ops": "ops/s", "s": "seconds", "short": ""}

dashboard = json.load(open(DASHBOARD))
rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
unit_h = 0.42
fig = plt.figure(figsize=(24, rows * unit_h + 0.8), facecolor=BG)
fig.text(0.005, 1 - 0.25 / (rows * unit_h + 0.8), "latency-lb  (rendering of docs/grafana/latency-lb.json from "
         "scrapes of the sample gateway; service=demo)", color=TEXT, fontsize=13, va="center")
top = 0.8 / (rows * unit_h + 0.8)
height = 1 - top


def box(grid):
    x = grid["x"] / 24
    w = grid["w"] / 24
    y = 1 - top - (grid["y"] + grid["h"]) / rows * height
    h = grid["h"] / rows * height
    return x, y, w, h


for panel in dashboard["panels"]:
    x, y, w, h = box(panel["gridPos"])
    if panel["type"] == "row":
        fig.text(x + 0.004, y + h / 2, panel["title"], color=TEXT, fontsize=12, fontweight="bold", va="center")
        continue
    ax = fig.add_axes([x + 0.032, y + 0.035 * 8 / rows * 4, w - 0.04, h - 0.062 * 8 / rows * 4], facecolor=PANEL)
    fig.patches.append(plt.Rectangle((x + 0.002, y + 0.002), w - 0.004, h - 0.004, transform=fig.transFigure,
                                     facecolor=PANEL, edgecolor=GRID, zorder=-1))
    defaults = panel["fieldConfig"]["defaults"]
    unit = defaults.get("unit", "short")
    stacked = defaults["custom"]["stacking"]["mode"] == "normal"
    data = [(name, values) for name, values in panel_data(panel["title"]) if any(v is not None for v in values)]
    scale = 1000.0 if unit == "s" else 1.0
    base = [0.0] * len(times)
    for i, (name, values) in enumerate(data):
        color = COLORS[i % len(COLORS)]
        ys = [None if v is None or (isinstance(v, float) and math.isnan(v)) else v * scale for v in values]
        if stacked:
            tops = [b + (v or 0.0) for b, v in zip(base, ys)]
            ax.fill_between(times, base, tops, color=color, alpha=0.25, linewidth=0)
            ax.plot(times, tops, color=color, linewidth=1.2, label=name)
            base = tops
        else:
            ax.plot(times, [float("nan") if v is None else v for v in ys], color=color, linewidth=1.2, label=name)
    for event in events:
        ax.axvline(event["t"], color="#808080", linestyle="--", linewidth=0.7)
    ax.set_title(panel["title"], color=TEXT, fontsize=10.5, loc="left", pad=4)
    ax.tick_params(colors=TEXT, labelsize=8)
    ax.grid(color=GRID, linewidth=0.6)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlim(0, times[-1])
    ax.set_ylim(bottom=0)
    ax.set_ylabel("ms" if unit == "s" else UNITS.get(unit, unit), color=TEXT, fontsize=8)
    if data:
        ax.legend(loc="upper left", fontsize=7, ncol=3 if len(data) > 4 else 1, frameon=False, labelcolor=TEXT)
    else:
        ax.text(0.5, 0.5, "No data", color=TEXT, ha="center", va="center", transform=ax.transAxes)

axes = fig.get_axes()
if axes:
    labels = "  ".join("%ds: %s" % (e["t"], e["event"]) for e in events)
    fig.text(0.005, 0.004, "x axis: seconds since start of traffic.  Dashed lines: " + labels, color=TEXT,
             fontsize=9)
fig.savefig(OUT, dpi=80, facecolor=BG)
print("wrote", OUT)
