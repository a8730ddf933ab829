"""The sandbox's entry point: `python -I -B exercises/harness/boot.py --result-fd N`.

Runs only inside the sandbox. `-I` leaves the script's folder off sys.path, so put the two
folders the harness imports from there by hand: this one (the `lab` package) and the project
root (which, inside the sandbox, holds nothing but the few playground modules bound into it).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from lab.main import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
