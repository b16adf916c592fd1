"""`python -m sandbox up | status | down [--dir DIR]`: the farm from a terminal."""

from __future__ import annotations

import argparse
import json
import sys

from sandbox import load_state, sandbox_dir
from sandbox.farm import down, problems, up
from sandbox.mediawiki import SandboxError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("command", choices=["up", "status", "down"])
    parser.add_argument("--dir", help="sandbox directory (default: $SANDBOX_DIR or .sandbox/)")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            state = up(args.dir)
            print(f"The sandbox is up; its description is in {sandbox_dir(args.dir)}/sandbox.json")
            for wiki, info in state["wikis"].items():
                print(f"  {wiki:9} {info['server']}/wiki/")
            return 0
        if args.command == "down":
            stopped = down(args.dir)
            print(
                f"Stopped {len(stopped)} sandbox processes." if stopped else "Nothing was running."
            )
            return 0
        state = load_state(args.dir)
        if state is None:
            print(f"No sandbox in {sandbox_dir(args.dir)}; start one with: python -m sandbox up")
            return 1
        print(json.dumps(state, ensure_ascii=False, indent=2))
        found = problems(state)
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    except SandboxError as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
