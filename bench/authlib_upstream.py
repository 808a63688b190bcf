"""A realistic upstream for bench/credentialed_fetch.py, run as its own process: Authlib's OAuth 1.0a resource
protector (an implementation nobody here wrote) verifying the HMAC-SHA1 signature, timestamp and nonce of every
request to /api/data, served by werkzeug on 127.0.0.1. Prints its base URL, then serves until killed.

The consumer and token are the ones bench/brokerbench.py stores for the bench user (its constants).
"""
import time

from flask import jsonify

from brokerbench import CONSUMER, CONSUMER_SECRET, TOKEN, TOKEN_SECRET
from dashboard.testing.oauth1 import OAuth1Provider, Token


def main():
    provider = OAuth1Provider(user="bench")
    provider.add_consumer(CONSUMER, secret=CONSUMER_SECRET)
    provider.tokens[TOKEN] = Token(oauth_token=TOKEN, oauth_token_secret=TOKEN_SECRET, client_id=CONSUMER, user="bench")

    @provider.app.route("/api/data")
    @provider.protect()
    def data():
        return jsonify(value=42)

    print(provider.url, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
