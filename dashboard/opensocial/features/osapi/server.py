"""osapi's server side: the viewer (and owner), who is the user the frame token names."""


def env(ctx, spec):
    return {"viewer": {"id": ctx.username, "displayName": ctx.username}}
