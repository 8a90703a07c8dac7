"""Run the benchmarks: `python -m bench [name ...]` (default: all of bench/bench_*.py)."""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
KEYS = ("name", "unit", "ours", "anchor", "anchor_value", "ratio", "target")


def write_result(result: dict) -> Path:
    missing = [k for k in KEYS if k not in result]
    if missing:
        raise ValueError(f"benchmark result lacks {missing}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{result['name']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    for name in names:
        module = importlib.import_module(f"bench.{name if name.startswith('bench_') else 'bench_' + name}")
        for result in module.run():
            write_result(result)
            print(f"{result['name']}: ours {result['ours']} {result['unit']} vs {result['anchor']} "
                  f"{result['anchor_value']} (ratio {result['ratio']}, target {result['target']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
