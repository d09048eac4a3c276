"""``python -m devstack run``: the whole platform on embedded services."""

import sys

from devstack.stack import Stack


def main() -> int:
    """Dispatch the sub-command."""
    if sys.argv[1:] != ["run"]:
        print("usage: python -m devstack run", file=sys.stderr)
        return 2
    return Stack().run()


if __name__ == "__main__":
    sys.exit(main())
