"""`python -m bench [NAME ...]`: run benchmarks and print their results as Markdown tables.

Each benchmark prepares its own throwaway VAR_DIR and SQLite database, so it never touches var/.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = {"plugins": "bench.plugins", "slots": "bench.slots", "fhir": "bench.fhir"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)")
    args = parser.parse_args()
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(module.run(), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
