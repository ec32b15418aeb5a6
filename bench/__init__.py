"""GameBuddies benchmark harness: `.venv/bin/python bench/run.py --help` (docs/performance.md)."""
