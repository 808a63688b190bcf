"""The canned upstream for bench/credentialed_fetch.py, run as its own process (as any upstream is): /api/data
answers a small JSON document and checks nothing. Prints its base URL, then serves until killed."""
import time

from brokerbench import Upstream


def main():
    print(Upstream().url, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
