"""Writing a bench run: `<timestamp>.json`, `<timestamp>.md` and `latest.md`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _ratio(value: Any) -> str:
    return "–" if value is None else f"{value:.1f}×"


def markdown(results: dict[str, Any]) -> str:
    db = results["database"]
    rows = db["rows"]
    lines = [
        f"# Bench run {results['timestamp']} (commit {results['commit']})",
        "",
        f"- Command: `{results['command']}`; {results['seconds']} s in all.",
        f"- Machine: {results['machine']['cpus']} CPUs, {results['machine']['platform']}, "
        f"Python {results['machine']['python']}; load average before "
        f"{results['machine']['load_average_before']}, after "
        f"{results['machine']['load_average_after']} (a shared machine: compare ratios "
        "measured in the same run, not absolute times across runs).",
        f"- Database: {db['server']} `{db['name']}`: {rows['regions']:,} regions, "
        f"{rows['centres']:,} centres, {rows['veterans']:,} veterans, {rows['visits']:,} visits.",
        f"- Server: `gunicorn {results['server']['command'].split('gunicorn ', 1)[-1]}`",
        f"- Samples: province {results['samples']['province']}, "
        f"county {results['samples']['county']}.",
        "",
    ]
    generation = results.get("generation")
    if generation:
        lines += [
            "## Generation",
            "",
            f"`{generation['command']}`: {generation['rows']:,} rows in "
            f"{generation['seconds']:,.1f} s, **{generation['rows_per_second']:,} rows/s** "
            f"overall (loading and indexes; the rollups after it are listed apart), "
            f"peak memory **{generation['peak_memory_mb']:,.0f} MB**.",
            "",
            "| table | rows | seconds | rows/s |",
            "| --- | ---: | ---: | ---: |",
        ]
        for t in generation["tables"]:
            lines.append(f"| {t['table']} | {t['rows']:,} | {t['seconds']:,.2f} | "
                         f"{t['rows_per_second']:,} |")
        lines.append("")
    latency = results["latency"]
    lines += [
        f"## Latency, one request at a time ({latency['rounds']} interleaved rounds)",
        "",
        "Ratios are to the static file, measured in the same rounds.",
        "",
        "| measurement | n | p50 ms | p95 ms | p99 ms | p50 vs static | p95 vs static | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in latency["rows"]:
        lines.append(
            f"| {r['name']} | {r['n']} | {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} | "
            f"{_ms(r['p99_ms'])} | {_ratio(r['p50_vs_static'])} | {_ratio(r['p95_vs_static'])} "
            f"| {r['errors']} |"
        )
    lines.append("")
    proxy = results.get("proxy")
    if proxy:
        lines += [
            f"## Through nginx (the proxy shape, {proxy['rounds']} interleaved rounds)",
            "",
            "| measurement | n | p50 ms | p95 ms | p99 ms | answers |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [f"| {r['name']} | {r['n']} | {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} | "
                  f"{_ms(r['p99_ms'])} | {r['statuses']} |" for r in proxy["rows"]]
        lines.append("")
    if results["loads"]:
        lines += [
            "## Under load (concurrent users on loopback)",
            "",
            "| measurement | users | offered req/s | seconds | requests | throughput req/s | "
            "p50 ms | p95 ms | p99 ms | errors | answers |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in results["loads"]:
            lines.append(
                f"| {r['name']} | {r['users']} | {_offered(r.get('offered_rps'))} | "
                f"{r['seconds']} | {r['n']:,} | "
                f"**{r['throughput_rps']:,.1f}** | {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} | "
                f"{_ms(r['p99_ms'])} | {r['errors']} | {r['statuses']} |"
            )
        notes = [f"- {r['name']}: {r['note']}"
                 + (f"; `{r['command']}`" if r.get("command") else "")
                 for r in results["loads"] if r.get("note")]
        lines += ["", *notes, ""] if notes else [""]
    lines += mixed_section(results.get("mixed_load"))
    imported = results.get("import")
    if imported:
        lines += [
            "## Excel import",
            "",
            f"`{imported['command']}` ({imported['file_mb']} MB workbook, as Excel saves "
            f"one), after the other measurements: {imported['rows']:,} rows, "
            f"{imported['imported']:,} imported, {imported['errors']} errors, in "
            f"**{imported['seconds']} s** ({imported['rows_per_second']:,} rows/s, each a "
            f"veteran and an audit entry); peak memory **{imported['peak_memory_mb']} MB** "
            f"(before the import: {imported['memory_before_mb']} MB).",
            "",
        ]
    if results["timings"]:
        lines += [
            "## In-process timings",
            "",
            "| measurement | n | p50 ms | p95 ms | note |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for r in results["timings"]:
            lines.append(f"| {r['name']} | {r['n']} | {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} "
                         f"| {r['note']} |")
        lines.append("")
    if results.get("side_by_side"):
        lines += [
            "## The statistics API and the dashboard next to the raw aggregation they replace",
            "",
            "Over HTTP (gunicorn, the whole response) against the same figures computed in "
            "the bench process by aggregations over the raw tables, in the same run.",
            "",
            "| area | API call or page | p95 ms | vs static | raw aggregation p95 ms | "
            "raw ÷ served |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for r in results["side_by_side"]:
            lines.append(
                f"| {r['area']} | {r['api']} | {_ms(r['api_p95_ms'])} | "
                f"{_ratio(r['api_p95_vs_static'])} | {_ms(r['raw_p95_ms'])} | "
                f"{_ratio(r['raw_vs_api'])} |"
            )
        lines.append("")
    if results.get("goals"):
        lines += [
            "## Goals of issues 7 and 8",
            "",
            "They are set for scale 1.0; here they are judged on this run's data set.",
            "",
            "| goal | measured | met |",
            "| --- | --- | --- |",
        ]
        verdict = {True: "yes", False: "**no**", None: "not measured yet"}
        for g in results["goals"]:
            lines.append(f"| {g['goal']} | {g['measured'] or '–'} | {verdict[g['met']]} |")
        lines.append("")
    if results["skipped"] or results["notes"]:
        lines += ["## Not measured in this run", ""]
        lines += [f"- {s['measurement']}: {s['reason']}" for s in results["skipped"]]
        lines += [f"- {note}" for note in results["notes"]]
        lines.append("")
    return "\n".join(lines)


def _offered(rate: float | None) -> str:
    return f"{rate:,.0f}" if rate else "as answered"


def _request(method: str, name: str) -> str:
    return name if name.startswith(f"{method} ") else f"{method} {name}"


def mixed_section(mixed: dict[str, Any] | None) -> list[str]:
    """The mixed scenario under locust: per request name, the aggregate, what went wrong."""
    if not mixed:
        return []
    classes = ", ".join(f"{name} {weight}" for name, weight in mixed["user_classes"].items())
    lines = [
        f"## Mixed scenario (locust: {mixed['users']} users, {mixed['seconds']} s)",
        "",
        f"`{mixed['command']}` (bench/locustfile.py; user classes by weight: {classes}). "
        "Front-desk staff log visits and move cases (open, mediate, escalate, resolve, "
        "follow up), officials read dashboards and the ledger export, REST clients read "
        "statistics; any status but the expected one is a failure. Locust rounds times "
        "above 100 ms to two significant digits.",
        "",
    ]
    if mixed["problem"]:
        lines += [f"**Did not run properly**: {mixed['problem']}", ""]
    if mixed["rows"]:
        lines += [
            "| request | requests | failures | median ms | p95 ms | p99 ms | req/s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        aggregated = mixed["aggregated"]
        for r in [*mixed["rows"], *([aggregated] if aggregated else [])]:
            name = "**all requests**" if r is aggregated else f"{r['name']}"
            lines.append(f"| {name} | {r['requests']:,} | {r['failures']:,} | "
                         f"{_ms(r['median_ms'])} | {_ms(r['p95_ms'])} | {_ms(r['p99_ms'])} | "
                         f"{_ms(r['rps'])} |")
        lines.append("")
    if mixed["errors"]:
        lines.append(f"**{mixed['failures']:,} failed requests, {mixed['exceptions']:,} "
                     "exceptions in the users' code.** The first of them:")
        lines.append("")
        lines += [f"- {f['occurrences']}× {_request(f['method'], f['name'])}: {f['error']}"
                  for f in mixed["failure_messages"]]
        lines += [f"- {e['count']}× exception: {e['message']}"
                  for e in mixed["exception_messages"]]
    else:
        lines.append("No failures and no exceptions.")
    lines.append("")
    return lines


def write_results(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    paths = [out / f"{results['timestamp']}.json", out / f"{results['timestamp']}.md",
             out / "latest.md"]
    paths[0].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    paths[1].write_text(text)
    paths[2].write_text(text)
    return paths
