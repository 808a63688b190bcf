"""A hostile upstream for bench/hostile_upstreams.py, run as its own process: every request to it ``hang``s (never
answered), ``trickle``s (a byte every 2 s) or gets an ``endless`` body. Prints its base URL, then serves until
killed."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from hostile import RawServer, endless_body, hang, trickle  # noqa: E402

KINDS = {"hang": hang, "trickle": trickle(2.0), "endless": endless_body()}


def main():
    print(RawServer(KINDS[sys.argv[1]]).url, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
