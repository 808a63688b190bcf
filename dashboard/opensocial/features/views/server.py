"""views's server side: the view shown, the spec's views and the params a navigation passed (``view-params``)."""
import json


def env(ctx, spec):
    try:
        params = json.loads(ctx.request.params.get("view-params", "{}"))
    except ValueError:
        params = {}
    return {"view": spec.view_of(ctx), "views": sorted(spec.contents),
            "viewParams": params if isinstance(params, dict) else {}}
