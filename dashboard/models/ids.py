import secrets


def new_id():
    """A short random id: unguessable, so ids never reveal how many objects other users have."""
    return secrets.token_urlsafe(9)
