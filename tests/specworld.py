"""A live-able app for spec gadget tests: alice (an administrator) may add spec URLs from and fetch 127.0.0.1, bob is a
user; both logged in."""
from dashboard.testing import PASSWORD, Client, app_root_of


def spec_app(settings):
    """(app, {"alice": Client, "bob": Client}); the caller closes ``app.registry._zodb_databases[""]``."""
    from dashboard import main
    from dashboard.models import User

    app = main({}, **settings)
    with app_root_of(app) as root:
        root.add_user(User("alice", PASSWORD, is_admin=True))
        root.add_user(User("bob", PASSWORD))
        root.settings["fetch_allow_hosts"] = ("127.0.0.1",)
        root.settings["spec_allow_hosts"] = ("127.0.0.1",)
    clients = {}
    for name in ("alice", "bob"):
        clients[name] = Client(app)
        clients[name].login(name)
    return app, clients
