"""The core feature's server side: the instance's preferences, messages, language and module id, and the features
the spec asked for with their parameters."""


def env(ctx, spec):
    lang, country = spec.language(ctx.request.headers.get("Accept-Language"))
    module_id = spec.module_id(ctx.instance_id)
    prefs = ctx.prefs
    url_params = {"mid": str(module_id), "lang": lang, "country": country, "view": spec.view_of(ctx),
                  **{f"up_{k}": ("|".join(v) if isinstance(v, list) else "" if v is None else str(v).lower()
                                 if isinstance(v, bool) else str(v)) for k, v in prefs.items()}}
    if spec.url:
        url_params["url"] = spec.url
    return {"prefs": prefs, "messages": spec.messages_for(ctx.request.headers.get("Accept-Language")),
            "moduleId": module_id, "lang": lang, "country": country, "urlParams": url_params,
            "features": spec.feature_params()}
