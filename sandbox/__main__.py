"""`python -m sandbox up | status | down | program-page [--dir DIR]`: the farm from a terminal.

`program-page` writes the program page on the farm's Meta-Wiki and translates part of it into
German and Arabic, for the demo's start page (sandbox/program_page.py)."""

from __future__ import annotations

import argparse
import json
import sys

import requests

from sandbox import load_state, sandbox_dir
from sandbox.farm import down, problems, up
from sandbox.mediawiki import SandboxError
from sandbox.program_page import translate_program_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("command", choices=["up", "status", "down", "program-page"])
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
        if args.command == "program-page":
            done = translate_program_page(args.dir)
            print(f"The program page on metawiki: {', '.join(done) or 'already translated'}.")
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
    except (SandboxError, requests.RequestException) as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
