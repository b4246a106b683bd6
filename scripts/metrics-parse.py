#!/usr/bin/env python3
"""Reads a node's /metrics answer with the Prometheus project's own parser (prometheus_client).

Usage: metrics-parse.py FILE   (the exposition text; '-' for standard input)

Prints JSON: {"families": {name: {"type", "help", "samples": [[name, labels, value], ...]}}}.
Exits 1, saying why, when the text does not parse, a family appears twice, or a family of the
node's own (accord_*) has no HELP text.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.stdin.read() if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8").read()
    families = {}
    try:
        for family in text_string_to_metric_families(text):
            if family.name in families:
                print(f"family {family.name} appears twice", file=sys.stderr)
                return 1
            if family.name.startswith("accord_") and not family.documentation:
                print(f"family {family.name} has no HELP text", file=sys.stderr)
                return 1
            families[family.name] = {
                "type": family.type,
                "help": family.documentation,
                "samples": [[s.name, s.labels, s.value] for s in family.samples],
            }
    except Exception as e:  # the parser raises ValueError and others on malformed text
        print(f"not valid Prometheus text: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"families": families}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
