"""views's server side: the view shown, the spec's views and the params a navigation passed (``view-params``: a JSON
object of at most ``MAX_VIEW_PARAMS`` characters, within the frame or through the dashboard to the maximized page)."""
import json

from dashboard.opensocial.spec import MAX_VIEW_PARAMS, view_params


def env(ctx, spec):
    params = view_params(ctx.request.params.get("view-params", "{}"))
    return {"view": spec.view_of(ctx), "views": sorted(spec.contents),
            "viewParams": json.loads(params) if params else {}, "maxViewParams": MAX_VIEW_PARAMS}
