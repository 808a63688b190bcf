"""Deleting a user. What was theirs goes with their ``User`` (dashboards, gadget instances, connected accounts, connect
flows in progress, sessions); what names them elsewhere is let go through the indexes kept per user (the sharing
index, their groups, the issued-token index), so deleting one user reads no other user and no other user's tokens.
The audit log keeps its entries: they name the user as they were. A user added later under the same name starts
with nothing of theirs."""
from .groups import groups_of, remove_member
from .provider_side import remove_tokens_of_user
from .sharing import forget_user


def delete_user(root, user):
    """Remove ``user`` and everything of theirs (their connected accounts' tokens should be revoked at the provider
    first: views/users.py). Returns what went, in words, for the audit log."""
    shares = forget_user(root, user)
    groups = list(user.groups)
    for name in groups:
        group = groups_of(root).get(name)
        if group is not None:
            remove_member(group, user)
    tokens = remove_tokens_of_user(root, user.name) if "oauth_tokens_by_user" in root else 0
    accounts = list(user.connections.values())
    for conn in accounts:  # no ciphertext in their last stored state (older ones go when the storage is packed)
        conn.access_token_enc = conn.refresh_token_enc = conn.token_secret_enc = None
    dashboards = len(user.dashboards)
    user.end_sessions()
    root.remove_user(user.name)
    return [f"deleted with {dashboards} dashboard(s), {len(accounts)} connected account(s), {tokens} access "
            f"token(s) issued to applications, {shares} sharing(s), {len(groups)} group membership(s)"]
