"""core.io's server side: the proxy (dashboard/views/proxy.py) this frame's token may call, and the spec's URL to
resolve relative request URLs against."""


def env(ctx, spec):
    ids = {"did": ctx.dashboard_id, "iid": ctx.instance_id}
    return {"proxy": ctx.request.route_path("proxy", **ids), "st": ctx.token, "specUrl": spec.url,
            "connectUrl": ctx.request.route_path("connect", provider=ctx.gadget.provider,
                                                 _query={"d": ctx.dashboard_id, "i": ctx.instance_id})
            if ctx.gadget.provider else None}
