"""Deterministic demo data: ``generate(engine, seed=…)`` fills an empty database.

    entities   organisations and pages of every municipality
    activity   posts, subscribers and residents' messages day by day
    times      receipt and response times (working hours, time zones)
    generator  writes it all and refreshes the summaries
"""

from dashboard.writers.demo.generator import (
    SCALES,
    DemoError,
    DemoResult,
    default_end,
    generate,
    period_start,
    remove,
    run_cli,
    run_remove,
    snapshot_moment,
    was_removed,
)

__all__ = ["SCALES", "DemoError", "DemoResult", "default_end", "generate", "period_start", "remove", "run_cli", "run_remove",
           "snapshot_moment", "was_removed"]
