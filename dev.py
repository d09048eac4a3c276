#!/usr/bin/env python3
"""Set up and run the platform or its tests on a machine with only Python 3.11+.

    python3 dev.py run     the platform on embedded PostgreSQL, Redis, Elasticsearch
    python3 dev.py test    the whole test suite (extra arguments go to pytest)

Creates ``.venv`` on first use and reinstalls when pyproject.toml changes.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed"


def ensure_environment() -> None:
    """Create the virtualenv and install the project when missing or outdated."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by any python3
        sys.exit(f"Python 3.11+ is required, this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("Creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing dependencies …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main() -> int:
    """Dispatch ``run`` or ``test``."""
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    os.chdir(ROOT)
    if sys.argv[1] == "run":
        command = [str(PYTHON), "-m", "devstack", "run"]
    else:
        command = [str(PYTHON), "-m", "pytest", *sys.argv[2:]]
    os.execv(command[0], command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
