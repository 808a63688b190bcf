"""The canned upstream for the broker benchmarks, run as its own process (as any upstream is): /api/data answers a
small JSON document, after ``[delay seconds]`` if given, and checks nothing. Prints its base URL, then serves until
killed."""
import sys
import time

from brokerbench import Upstream


def main():
    print(Upstream(delay=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0).url, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
