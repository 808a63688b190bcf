"""Failed logins are limited per account name and per client address (the ``limits`` library's moving window).

``dashboard.login_limit_account`` (default ``5/minute``) and ``dashboard.login_limit_address`` (default
``30/minute``) take the ``limits`` notation ("5/minute", "20 per 10 minutes"). Only failures count; a success clears
the account's count. Names that are no account count exactly like real ones, so the answers (and their timing) do not
say which names exist. The counts are kept in the process's memory: each server process limits on its own.
"""
import time

from limits import parse, storage, strategies

DEFAULT_ACCOUNT, DEFAULT_ADDRESS = "5/minute", "30/minute"


class LoginThrottle:
    def __init__(self, per_account=DEFAULT_ACCOUNT, per_address=DEFAULT_ADDRESS):
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self.per_account, self.per_address = parse(per_account), parse(per_address)

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.get("dashboard.login_limit_account", DEFAULT_ACCOUNT),
                   settings.get("dashboard.login_limit_address", DEFAULT_ADDRESS))

    def _limits(self, name, address):
        return ((self.per_account, "account", name.casefold()), (self.per_address, "address", address or "-"))

    def wait(self, name, address):
        """Seconds until another attempt for this name from this address may be tried (0: now)."""
        waits = [self.limiter.get_window_stats(item, *key).reset_time - time.time()
                 for item, *key in self._limits(name, address) if not self.limiter.test(item, *key)]
        return max([0] + [max(1, int(w + 0.999)) for w in waits])

    def failed(self, name, address):
        """Count a failed attempt; return what it locked ("account", "address"), if anything."""
        locked = []
        for item, *key in self._limits(name, address):
            self.limiter.hit(item, *key)
            if not self.limiter.test(item, *key):
                locked.append(key[0])
        return locked

    def succeeded(self, name):
        self.limiter.clear(self.per_account, "account", name.casefold())
