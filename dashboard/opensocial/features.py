"""OpenSocial features as units, as Shindig keeps them: one folder per feature under ``features/``.

Each folder holds ``feature.xml``::

    <feature name="dynamic-height" default="false">
      <alias>...</alias>                      names a spec may also require it by
      <dependency>core</dependency>           features whose JavaScript must come first
      <script src="dynamic-height.js"/>       the JavaScript gadgets get, in order
      <description>...</description>          one sentence for the admin guide
      <export name="gadgets.window.adjustHeight">what it does</export>   each function the feature documents
    </feature>

and optionally ``server.py``, the server side: ``env(ctx, spec)`` returns what the feature's JavaScript needs from
the server (URLs, tokens, the chosen language), merged into the frame's ``gadget-env`` JSON; and ``probe.js``, the
checks the feature probe test runs in Chromium for each export. What is supported is exactly what these folders
define: a feature without its folder is refused, and a folder's exports are what the admin guide lists.
"""
import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import parse

FEATURES_DIR = Path(__file__).resolve().parent / "features"


@dataclass
class Feature:
    name: str
    folder: Path
    aliases: list = field(default_factory=list)
    dependencies: list = field(default_factory=list)
    scripts: list = field(default_factory=list)  # file names in the folder
    description: str = ""
    exports: list = field(default_factory=list)  # (name, what it does)
    default: bool = False  # given to every spec gadget, required or not (as Shindig's core is)
    env: object = None  # server side: env(ctx, spec) -> dict, or None

    @property
    def names(self):
        return [self.name, *self.aliases]

    def javascript(self):
        return "\n".join(f"/* {self.name}/{src} */\n" + (self.folder / src).read_text() for src in self.scripts)


def _load(folder):
    root = parse(folder / "feature.xml").getroot()
    env = None
    if (folder / "server.py").is_file():
        spec = importlib.util.spec_from_file_location(f"dashboard.opensocial.features._{folder.name}",
                                                      folder / "server.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        env = module.env
    return Feature(name=root.get("name"), folder=folder, aliases=[a.text.strip() for a in root.findall("alias")],
                   dependencies=[d.text.strip() for d in root.findall("dependency")],
                   scripts=[s.get("src") for s in root.findall("script")],
                   description=" ".join((root.findtext("description") or "").split()),
                   exports=[(e.get("name"), " ".join((e.text or "").split())) for e in root.findall("export")],
                   default=root.get("default") == "true", env=env)


@lru_cache(maxsize=1)
def features():
    """Every feature unit, by name, in folder order."""
    found = {}
    for folder in sorted(p for p in FEATURES_DIR.iterdir() if (p / "feature.xml").is_file()):
        feature = _load(folder)
        found[feature.name] = feature
    return found


@lru_cache(maxsize=1)
def by_name():
    """Every name a spec may require (names and aliases) -> its feature."""
    return {name: feature for feature in features().values() for name in feature.names}


#: APIs this container does not have, named in refusals with what would provide them (Shindig's feature, mostly).
UNITLESS_APIS = {"opensocial": "opensocial activities, app data or messages", "osapi": "osapi app data, activities, "
                 "groups or messages", "gadgets.Hub": "feature pubsub-2", "gadgets.rpc": "feature rpc",
                 "gadgets.flash": "feature flash", "_IG_EmbedFlash": "feature flash", "gadgets.skins": "feature skins",
                 "gadgets.selection": "feature selection", "gadgets.actions": "feature actions",
                 "gadgets.window.adjustWidth": "feature dynamic-width",
                 "gadgets.window.getContainerDimensions": "feature open-views",
                 "gadgets.views.openGadget": "feature open-views", "gadgets.views.openUrl": "feature open-views",
                 "gadgets.i18n": "feature i18n", "gadgets.config": "feature core.config",
                 "opensocial.template": "feature opensocial-templates"}
API_USE = re.compile(r"(?<![\w$.])((?:gadgets|opensocial|osapi)(?:\.[A-Za-z_$][\w$]*)+|_IG_[A-Za-z]\w*)")
#: Methods of opensocial.DataRequest objects this container does not answer (app data, activities, messages).
UNITLESS_METHODS = re.compile(r"(?<!opensocial)\.(new(?:Fetch|Update|Remove)PersonAppDataRequest|newFetchActivitiesRequest|"
                              r"newFetchMessagesRequest|requestCreateActivity|requestSendMessage|requestShareApp|"
                              r"requestPermission)\s*\(")


def api_features(text):
    """({feature names} whose APIs ``text`` uses, [(API, what would provide it)] it uses that no unit provides)."""
    exports = [(name, feature.name) for feature in features().values() for name, _ in feature.exports]
    used, missing = set(), []
    for api in sorted(set(API_USE.findall(text))):
        owners = [owner for name, owner in exports if api == name or api.startswith(name + ".")
                  or name.startswith(api + ".")]
        if owners:
            used.update(owners[:1])
        else:
            root = next((k for k in sorted(UNITLESS_APIS, key=len, reverse=True)
                         if api == k or api.startswith(k + ".")), None)
            missing.append((api, UNITLESS_APIS.get(root, "unknown")))
    missing.extend((f".{method}()", UNITLESS_APIS["opensocial"])
                   for method in sorted(set(UNITLESS_METHODS.findall(text))))
    return used, missing


def supported(name):
    return name in by_name()


def closure(names):
    """The features ``names`` need (the default ones included), dependencies first."""
    table, ordered, seen = by_name(), [], set()

    def visit(feature):
        if feature.name in seen:
            return
        seen.add(feature.name)
        for dep in feature.dependencies:
            visit(table[dep])
        ordered.append(feature)

    for feature in features().values():
        if feature.default:
            visit(feature)
    for name in names:
        if name in table:
            visit(table[name])
    return ordered


@lru_cache(maxsize=64)
def javascript(names):
    """The JavaScript for a tuple of feature names, in one script (each frame gets only what its spec asks for)."""
    body = "\n".join(f.javascript() for f in closure(names))
    if re.search(r"</script", body, re.I):
        raise ValueError("feature JavaScript must not contain a closing script tag")
    return ('(function (env) {\n"use strict";\n' + body +
            '\n})(JSON.parse(document.getElementById("gadget-env").textContent));')


def environment(names, ctx, spec):
    """The server sides' contributions for these features, merged."""
    env = {}
    for feature in closure(names):
        if feature.env is not None:
            env.update(feature.env(ctx, spec))
    return env


def guide_markdown():
    """The admin guide's list of supported features, generated from the units (docs/admin.md carries a copy)."""
    lines = []
    for feature in features().values():
        aliases = f" (also {', '.join(f'`{a}`' for a in feature.aliases)})" if feature.aliases else ""
        always = " Always present." if feature.default else ""
        lines.append(f"- **`{feature.name}`**{aliases}: {feature.description}{always}")
        lines.extend(f"  - `{name}`: {doc}" for name, doc in feature.exports)
    return "\n".join(lines) + "\n"
