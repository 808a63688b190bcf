"""setprefs's server side: where the frame saves preferences (dashboard/views/frames.py's frame_prefs)."""


def env(ctx, spec):
    return {"setPrefs": ctx.request.route_path("frame_prefs", did=ctx.dashboard_id, iid=ctx.instance_id),
            "st": ctx.token}
