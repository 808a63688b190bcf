"""Schema versions of the stored data and the steps that bring an older ``Data.fs`` up to date.

To change the stored schema: write ``def step_N(root)`` that migrates version N-1 data to N, add it
to ``STEPS``; ``dashboard CONFIG evolve`` and start-up run what is missing, in order, once.
"""
import logging

log = logging.getLogger(__name__)


def step_1(root):
    """Version 1: the initial schema (users, settings)."""
    root["settings"].setdefault("fetch_allow_hosts", ())


def step_2(root):
    """Version 2: the credential broker (provider settings, audit log, users' connections and pending flows)."""
    from BTrees.LOBTree import LOBTree
    from BTrees.OOBTree import OOBTree

    if "providers" not in root:
        root["providers"] = OOBTree()
    if "audit" not in root:
        root["audit"] = LOBTree()
    for user in root["users"].values():
        if not hasattr(user, "connections"):
            user.connections = OOBTree()
            user.pending = OOBTree()


def step_3(root):
    """Version 3: the service provider side (consumers, tokens we issue, nonces seen)."""
    from BTrees.OOBTree import OOBTree

    for key in ("consumers", "oauth_tokens", "oauth_nonces"):
        if key not in root:
            root[key] = OOBTree()
    root["settings"].setdefault("access_token_lifetime", 5 * 365 * 24 * 3600)


def step_4(root):
    """Version 4: inbound trusted applications and the signatures they already used."""
    from BTrees.OOBTree import OOBTree

    for key in ("trusted_apps", "trusted_seen"):
        if key not in root:
            root[key] = OOBTree()


def step_5(root):
    """Version 5: gadget spec URLs and the hosts they may come from."""
    from BTrees.OOBTree import OOBTree

    if "spec_urls" not in root:
        root["spec_urls"] = OOBTree()
    root["settings"].setdefault("spec_allow_hosts", ())


def step_6(root):
    """Version 6: what lets no request walk a whole tree: the count of users, issued tokens indexed by user, id and
    consumer, the audit log indexed by user and by provider. Built here once from what is stored."""
    from BTrees.Length import Length
    from BTrees.OOBTree import OOBTree, OOTreeSet

    from ..broker.audit import index_keys
    from .provider_side import store_token

    if "user_count" not in root:
        root["user_count"] = Length(len(root["users"]))
    if "oauth_token_ids" not in root:
        root["oauth_tokens_by_user"], root["oauth_token_ids"] = OOBTree(), OOBTree()
        root["oauth_tokens_by_consumer"] = OOTreeSet()
        for issued in list(root["oauth_tokens"].values()):
            store_token(root, issued)
    if "audit_by_user" not in root:
        root["audit_by_user"], root["audit_by_provider"] = OOTreeSet(), OOTreeSet()
        for key, entry in root["audit"].items():
            by_user, by_provider = index_keys(key, entry)
            root["audit_by_user"].add(by_user)
            root["audit_by_provider"].add(by_provider)


def step_7(root):
    """Version 7: user names in lower case (``user_names_folded``), so that a name differing from another only in
    case is refused. Names that already differ only in case keep their accounts; the first in order is indexed."""
    from BTrees.OOBTree import OOBTree

    if "user_names_folded" not in root:
        folded = root["user_names_folded"] = OOBTree()
        for name in root["users"].keys():
            folded.setdefault(name.lower(), name)


def step_8(root):
    """Version 8: where the pruning of OAuth nonces seen goes on from (provider/validator.forget_expired)."""
    from BTrees.OOBTree import OOBTree

    if "oauth_nonces_pruned" not in root:
        root["oauth_nonces_pruned"] = OOBTree()


STEPS = [step_1, step_2, step_3, step_4, step_5, step_6, step_7, step_8]
SCHEMA_VERSION = len(STEPS)


def evolve(root):
    """Run every step newer than the root's version; return the list of versions applied."""
    current = getattr(root, "schema_version", 0)
    if current > SCHEMA_VERSION:
        raise RuntimeError(f"the database has schema version {current}, newer than this code's {SCHEMA_VERSION}; "
                           "upgrade the software before opening it")
    applied = []
    for version in range(current + 1, SCHEMA_VERSION + 1):
        STEPS[version - 1](root)
        root.schema_version = version
        applied.append(version)
        log.info("evolved the database to schema version %d", version)
    return applied
