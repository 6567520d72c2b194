"""The data report as Markdown, for the app's Data tab (data_report.json holds the same facts)."""

from __future__ import annotations

from core.errors import NOT_READY

__all__ = ["report_markdown"]


SHOWN_CLASSES = 12  # label mappings and counts beyond this are summarised


def _first(items) -> str:
    """The first SHOWN_CLASSES items, comma-separated, with how many more there are."""
    items = list(items)
    shown = ", ".join(items[:SHOWN_CLASSES])
    return shown + (f", … ({len(items) - SHOWN_CLASSES} more)" if len(items) > SHOWN_CLASSES else "")


def _rows(counts: dict) -> str:
    return ", ".join(f"{n:,} {split}" for split, n in counts.items())


def _negatives(info: dict) -> str:
    """How many queries got how many hard negatives, and what was dropped or filled."""
    spread = ", ".join(f"{n} negative(s): {count:,}" for n, count in info.get("negatives_per_query", {}).items())
    text = (
        f"**Hard negatives** from {info.get('source', 'the table')}: {info.get('queries', 0):,} queries with a positive "
        f"(queries by number of negatives: {spread}); each training row takes {info.get('negatives_per_row', 0)}"
    )
    if info.get("queries_without_positive_dropped"):
        text += (
            f"; dropped {info['queries_without_positive_dropped']:,} queries with negatives but no positive "
            f"({info.get('rows_with_negatives_only_dropped', 0):,} rows)"
        )
    if info.get("rows_filled_with_random_negatives"):
        text += f"; {info['rows_filled_with_random_negatives']:,} rows of queries without a negative got random texts"
    return text


def _readiness(ready: dict) -> list[str]:
    lines = []
    if ready.get("blockers"):
        lines.append(f"**{NOT_READY}:**\n" + "".join(f"\n- {b}" for b in ready["blockers"]))
    if ready.get("warnings"):
        lines.append("**Before you train:**\n" + "".join(f"\n- {w}" for w in ready["warnings"]))
    return lines


def report_markdown(report: dict) -> str:
    """A short, readable account of what reading and preparing did to the table; what would stop the run or
    weaken it comes first."""
    trainer = f"**Trainer** `{report['trainer']}` ({report.get('trainer_chosen_by', 'given')}), loss `{report['loss']}`"
    lines = [*_readiness(report.get("readiness", {})), trainer]
    if report.get("trainer_reason"):
        lines.append(f"**Why** {report['trainer_reason']}")
    mapping = report.get("mapping", {})
    roles = ", ".join(
        f"{role} ← `{m['column']}`" + (f" ({m['meaning']})" if m["meaning"] != role else "") for role, m in mapping.items()
    )
    lines.append(f"**Columns** {roles}")
    lines.append(f"**Rows** read {_rows(report.get('rows_read', {}))}; kept {_rows(report.get('rows_kept', {}))}")
    for split, reasons in report.get("dropped", {}).items():
        for reason, count in reasons.items():
            lines.append(f"- dropped {count:,} {split} rows: {reason}")
    if "score" in report:
        score = report["score"]
        low, high = score.get("observed_range", ("?", "?"))
        lines.append(f"**Scores** `{score['column']}` range {low}–{high}; {score.get('scaled', 'already in 0–1')}")
    if "labels" in report:
        labels = report["labels"]
        mapped = _first(f"`{k}` → {v}" for k, v in labels.get("mapping", {}).items())
        counts = labels.get("counts", {})
        spread = (
            _first(f"{k}: {v:,}" for k, v in counts.items())
            if len(counts) <= SHOWN_CLASSES
            else f"{min(counts.values()):,} to {max(counts.values()):,} rows per class"
        )
        lines.append(f"**Labels** {labels.get('classes')} classes; {mapped}" + (f" (counts {spread})" if counts else ""))
    if "label_pairs" in report:
        pairs = report["label_pairs"]
        lines.append(
            f"**Pairs** {pairs['rows']:,} training rows: {pairs['made']} (in-batch negatives never share its class)"
            + (
                f"; {pairs['classes_with_one_text_dropped']} classes with a single text dropped"
                if pairs.get("classes_with_one_text_dropped")
                else ""
            )
        )
        if pairs.get("rows_left_out"):
            lines.append(f"**Left out** {pairs['rows_left_out']:,} rows of the largest classes: {pairs['why_capped']}")
    if "negatives" in report:
        lines.append(_negatives(report["negatives"]))
    validation = report.get("validation", {})
    if validation:
        kept, rows = report.get("rows_kept", {}), validation.get("rows", 0)
        total = kept.get("train", 0) + kept.get("validation", 0)
        share = f" ({rows / total:.0%} of the kept rows)" if total else ""
        lines.append(f"**Validation** {rows:,} rows{share}: {validation.get('source', '')}")
    lines.append(f"**Duplicates** {report.get('duplicates', 0):,} training rows repeat an earlier row")
    if report.get("max_samples"):
        lines.append(f"**Max samples** {report['max_samples']}")
    details = []  # for the curious: collapsed on the page
    tokens = report.get("token_lengths")
    if tokens and tokens.get("texts"):
        share = tokens["truncated_fraction"] * 100
        lines.append(
            f"**Long texts** {tokens['truncated']:,} of {tokens['texts']:,} texts ({share:.1f}%) are longer than "
            f"max_seq_length {tokens['max_seq_length']} tokens and will be cut"
        )
        details.append(
            f"Token lengths: median {tokens['p50']}, 90% of texts up to {tokens['p90']}, 95% up to {tokens['p95']}, "
            f"99% up to {tokens['p99']}, longest {tokens['max']}"
        )
    elif report.get("token_lengths_note"):
        lines.append(f"**Token lengths** {report['token_lengths_note']}")
    details.append(report.get("column_order", ""))
    lines.append("<details><summary>Details</summary>\n\n" + "\n\n".join(d for d in details if d) + "\n\n</details>")
    return "\n\n".join(lines)
