"""osapi's server side: the viewer (the user the frame token names) and the owner (the user whose dashboard it is:
the viewer on one's own dashboard, the one who shared it on a dashboard shared with the viewer)."""


def env(ctx, spec):
    return {"viewer": {"id": ctx.username, "displayName": ctx.username},
            "owner": {"id": ctx.owner_name, "displayName": ctx.owner_name}}
