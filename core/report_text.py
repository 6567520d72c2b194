"""The data report as Markdown, for the app's Data tab (data_report.json holds the same facts)."""

from __future__ import annotations

__all__ = ["report_markdown"]


def _rows(counts: dict) -> str:
    return ", ".join(f"{n:,} {split}" for split, n in counts.items())


def report_markdown(report: dict) -> str:
    """A short, readable account of what reading and preparing did to the table."""
    lines = [f"**Trainer** `{report['trainer']}` ({report.get('trainer_chosen_by', 'given')}), loss `{report['loss']}`"]
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
        mapped = ", ".join(f"`{k}` → {v}" for k, v in labels.get("mapping", {}).items())
        counts = ", ".join(f"{k}: {v:,}" for k, v in labels.get("counts", {}).items())
        lines.append(f"**Labels** {labels.get('classes')} classes; {mapped}" + (f" (counts {counts})" if counts else ""))
    validation = report.get("validation", {})
    if validation:
        lines.append(f"**Validation** {validation.get('rows', 0):,} rows: {validation.get('source', '')}")
    lines.append(f"**Duplicates** {report.get('duplicates', 0):,} training rows repeat an earlier row")
    if report.get("max_samples"):
        lines.append(f"**Max samples** {report['max_samples']}")
    tokens = report.get("token_lengths")
    if tokens and tokens.get("texts"):
        share = tokens["truncated_fraction"] * 100
        lines.append(
            f"**Token lengths** ({tokens['texts']:,} texts) median {tokens['p50']}, p90 {tokens['p90']}, p95 {tokens['p95']}, "
            f"p99 {tokens['p99']}, max {tokens['max']}; {tokens['truncated']:,} ({share:.1f}%) longer than "
            f"max_seq_length {tokens['max_seq_length']} and will be cut"
        )
    elif report.get("token_lengths_note"):
        lines.append(f"**Token lengths** {report['token_lengths_note']}")
    lines.append(f"_{report.get('column_order', '')}_")
    return "\n\n".join(lines)
