"""This server's gadgets for other containers: each gadget as an OpenSocial spec URL whose content is fetched back
from this server with OAuth 1.0a (signed by the container, as the user who approved it here).

Another Gadget Dashboard (or a Shindig-style container) adds ``/gadgets/<id>/spec.xml`` as a spec URL. The spec
declares this server's OAuth endpoints in ``<OAuth><Service>``; the container's administrator approves that
provider, and ours adds the container as a consumer (by its consumer-info URL). The spec's content asks
``/api/gadgets/<id>/render`` for the gadget rendered for the signed-in user here, with the container's preferences.
"""
import json
from importlib import resources
from xml.etree.ElementTree import Element, SubElement, tostring

from pyramid.response import Response
from pyramid.view import view_config

from .. import operations as ops
from ..declarations import THUMBNAIL_TYPES
from ..models.dashboards import GadgetInstance
from ..rendering import GadgetContext, render_gadget
from ..security import USER
from .pages import packaged_thumbnail, thumbnail_url

MAX_THUMBNAIL_BYTES = 512 * 1024

#: The spec's content: ask this server (through the container's makeRequest with OAuth) for the rendered gadget.
CONTENT_SCRIPT = """<div id="exported">Loading…</div>
<script>
(function () {
  var names = %(names)s, prefs = new gadgets.Prefs(), out = document.getElementById("exported");
  var query = names.map(function (n) { return encodeURIComponent(n) + "=" + encodeURIComponent(prefs.getString(n)); });
  var params = {};
  params[gadgets.io.RequestParameters.CONTENT_TYPE] = gadgets.io.ContentType.JSON;
  params[gadgets.io.RequestParameters.AUTHORIZATION] = gadgets.io.AuthorizationType.OAUTH;
  params[gadgets.io.RequestParameters.OAUTH_SERVICE_NAME] = %(service)s;
  gadgets.io.makeRequest(%(url)s + "?" + query.join("&"), function (result) {
    if (result.oauthApprovalUrl) {
      if (/^https?:/.test(result.oauthApprovalUrl)) {
        out.textContent = "";
        var link = document.createElement("a");
        link.href = result.oauthApprovalUrl; link.target = "_blank"; link.textContent = "Approve access";
        out.appendChild(link);
      } else if (window.location.hash !== "#again") {
        window.location.hash = "again"; window.location.reload();  // the container now offers Reconnect
      }
      return;
    }
    if (result.errors && result.errors.length) { out.textContent = result.errors.join("; "); return; }
    var data = result.data || {};
    if (data.error) { out.textContent = data.error; } else { out.innerHTML = data.html || ""; }
  }, params);
})();
</script>"""

#: What the container shows instead of the gadget while its provider here needs something first.
PROMPTS = {"pending": "{provider} is waiting for an administrator's approval at {server}",
           "disabled": "an administrator at {server} disabled {provider}",
           "not_connected": "connect your {provider} account at {server} (add this gadget there once) to see it here",
           "needs_reconnect": "reconnect your {provider} account at {server} to see this gadget here"}

SPEC_TYPES = {"string": "string", "hidden": "hidden", "bool": "bool", "enum": "enum", "list": "list",
              "number": "string"}  # OpenSocial has no number type; ours checks the value when it renders


def exportable(request, gadget_id):
    """A gadget of this server's plugins or gadgets/ directory (not one it took from another server's spec URL)."""
    gadget = request.gadgets.get(gadget_id)
    if gadget is None or gadget.plugin == "spec-urls":
        raise ops.NotFound("no such gadget here")
    return gadget


def spec_xml(request, gadget):
    # the name the container's users see on "Connect to ..." (our consumer name alone may be the same as theirs)
    service_name = f"{request.app_root.settings.get('consumer_name') or 'Gadget Dashboard'} at {request.host}"
    module = Element("Module")
    attrs = {"title": gadget.title, "description": gadget.description, "author": gadget.author,
             "category": gadget.category, "height": str(gadget.height),
             "title_url": gadget.title_url or request.route_url("home")}
    if gadget.thumbnail:
        attrs["thumbnail"] = thumbnail_url(request, gadget)
    prefs_el = SubElement(module, "ModulePrefs", {k: v for k, v in attrs.items() if v})
    SubElement(prefs_el, "Require", {"feature": "dynamic-height"})
    service = SubElement(SubElement(prefs_el, "OAuth"), "Service", {"name": service_name})
    SubElement(service, "Request", {"url": request.route_url("oauth_request_token"), "method": "POST"})
    SubElement(service, "Authorization", {"url": request.route_url("oauth_authorize")})
    SubElement(service, "Access", {"url": request.route_url("oauth_access_token"), "method": "POST"})
    for pref in gadget.prefs:
        default = pref.default
        default = "|".join(default) if isinstance(default, list) else \
            ("true" if default is True else "false" if default is False else "" if default is None else str(default))
        up = SubElement(module, "UserPref", {"name": pref.name, "display_name": pref.display_name,
                                             "datatype": SPEC_TYPES[pref.type], "default_value": default,
                                             "required": "true" if pref.required else "false"})
        for value, label in pref.options:
            SubElement(up, "EnumValue", {"value": value, "display_value": label})
    content = SubElement(module, "Content", {"type": "html"})
    # json.dumps writes JavaScript literals; '<' escaped so that no value can close the script element
    content.text = CONTENT_SCRIPT % {
        "names": json.dumps([p.name for p in gadget.prefs]).replace("<", "\\u003c"),
        "service": json.dumps(service_name).replace("<", "\\u003c"),
        "url": json.dumps(request.route_url("api_gadget_render", gid=gadget.id)).replace("<", "\\u003c")}
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(module, encoding="utf-8", xml_declaration=False)


@view_config(route_name="gadget_spec", request_method="GET")
def gadget_spec(request):
    """The spec is public, like a gadget directory entry; the data it shows needs the user's approval."""
    body = spec_xml(request, exportable(request, request.matchdict["gid"]))
    response = Response(body=body, content_type="application/xml", charset="utf-8")
    response.headers["Cache-Control"] = "max-age=300"
    return response


@view_config(route_name="api_gadget_render", request_method="GET", permission=USER, renderer="json")
def gadget_render(request):
    """The gadget rendered for the requesting user with the preferences in the query (not stored anywhere)."""
    user = request.identity
    gadget = exportable(request, request.matchdict["gid"])
    names = {p.name for p in gadget.prefs}
    raw = {k: v for k, v in request.GET.items() if k in names}
    inst = GadgetInstance(gadget.id, ops.clean_prefs(gadget, raw))
    ctx = GadgetContext(request, user, user.ordered_dashboards()[0], inst, gadget)
    html, error, state = render_gadget(request, ctx)
    if html is None and error is None:  # a prompt this server would show in its own frame: say it in words
        error = PROMPTS.get(state, "this gadget cannot be shown here now").format(
            provider=(request.providers.get(gadget.provider).name if gadget.provider in request.providers
                      else gadget.provider), server=request.route_url("home"))
    request.response.headers["Cache-Control"] = "no-store"
    return {"gadget": gadget.id, "title": gadget.title, "state": state or ctx.broker.state(), "html": html,
            "error": error}


@view_config(route_name="gadget_thumbnail", request_method="GET")
def gadget_thumbnail(request):
    """A thumbnail packaged with a plugin (``thumbnail="package:path"``), public like the directory entry."""
    gadget = request.gadgets.get(request.matchdict["gid"])
    if gadget is None or not packaged_thumbnail(gadget):
        raise ops.NotFound("this gadget has no thumbnail here")
    package, path = gadget.thumbnail.split(":", 1)
    data = None
    if ".." not in path.split("/"):
        try:
            resource = resources.files(package).joinpath(path)
            data = resource.read_bytes() if resource.is_file() else None
        except (ImportError, OSError, ValueError, TypeError):
            data = None
    if data is None or len(data) > MAX_THUMBNAIL_BYTES:
        raise ops.NotFound(f"the thumbnail of {gadget.title} is missing from its plugin or too large")
    response = Response(body=data, content_type=THUMBNAIL_TYPES[path.rsplit(".", 1)[-1].lower()])
    # An SVG opened on its own must not run script in our origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
