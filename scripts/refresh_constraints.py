#!/usr/bin/env python3
"""Refresh constraints.txt: the exact versions CI installs, so a new release cannot break a landing unannounced.

    python3 scripts/refresh_constraints.py [--python312 PATH]

Installs the project with its test extra into two fresh virtual environments without
constraints (the machine's python3, which takes PuLP 3.3 on Python 3.11, and a Python 3.12+,
which takes PuLP 4), freezes both, and writes one constraints file: versions the two share as
plain pins, the others with a python_version marker. Run the tests afterwards
(``bash .ci/run``) and commit constraints.txt with a message naming what moved.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def frozen(python: str, folder: Path) -> dict[str, str]:
    subprocess.run([python, "-m", "venv", str(folder)], check=True)
    pip = folder / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", "-e", f"{ROOT}[test]"], check=True)
    lines = subprocess.run([str(pip), "freeze", "--exclude-editable"], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    pins = {}
    for line in lines:
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.lower()] = version
    return pins


def find_python312() -> str | None:
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        versions = subprocess.run([pyenv, "versions", "--bare"], capture_output=True, text=True).stdout.split()
        for v in sorted((v for v in versions if v.startswith("3.12")), reverse=True):
            return f"{root}/versions/{v}/bin/python"
    return shutil.which("python3.12") or shutil.which("python3.13")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python312", default=find_python312(), help="a Python 3.12+ interpreter")
    args = parser.parse_args()
    if not args.python312:
        sys.exit("no Python 3.12+ found: pass --python312 PATH")
    with tempfile.TemporaryDirectory() as tmp:
        old = frozen("python3", Path(tmp) / "py311")
        new = frozen(args.python312, Path(tmp) / "py312")
    lines = ["# Exact versions CI installs (pip install -c constraints.txt). Regenerate with",
             "# python3 scripts/refresh_constraints.py; see docs/design.md, 'Dependencies'."]
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            lines.append(f"{name}=={a}")
            continue
        if a:
            lines.append(f'{name}=={a}; python_version < "3.12"')
        if b:
            lines.append(f'{name}=={b}; python_version >= "3.12"')
    (ROOT / "constraints.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {ROOT / 'constraints.txt'} ({len(lines) - 2} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
