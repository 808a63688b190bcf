"""Atlassian plugin sources expanded as Atlassian's renderer expands them: atlassian-gadgets'
com.atlassian.gadgets.publisher.internal.impl.GadgetProcessorImpl (its current build). Its rules, written out here
rather than taken from the code under test:

- ``__ATLASSIAN_BASE_URL__``: every one replaced by the application's base URL, as it is (no escaping);
- ``#supportedLocales("prefixes")`` (exactly that, prefixes without '"', '/' or a line break): the first one replaced by
  ``<Locale messages="BASE/rest/gadgets/1.0/g/messagebundle/und/PREFIXES"/>`` and, for each locale the application
  supports, ``<Locale lang="xx" [country="YY"] messages="BASE/rest/gadgets/1.0/g/messagebundle/xx[_YY]/PREFIXES"/>``,
  the prefixes as java.net.URLEncoder encodes them (',' as %2C, ' ' as +); later ones stay as text;
- ``#oauth``: the first one replaced by the application's OAuth element; later ones stay as text.

The real sources in tests/specs/real/ also use resource macros (refused when added); the expansion of the three
above is checked on them regardless.
"""
from pathlib import Path

import pytest

from dashboard.opensocial.spec import atlassian_expansion, expand_atlassian
from dashboard.specs import SpecError, parse_spec

REAL = Path(__file__).resolve().parent / "specs" / "real"
BASE = "https://jira.example.com/jira"
OAUTH = ('<OAuth><Service><Access url="https://jira.example.com/jira/plugins/servlet/oauth/access-token" '
         'method="POST" /><Request url="https://jira.example.com/jira/plugins/servlet/oauth/request-token" '
         'method="POST" /><Authorization url="https://jira.example.com/jira/plugins/servlet/oauth/authorize?'
         'oauth_callback=http%3A%2F%2Foauth.gmodules.com%2Fgadgets%2Foauthcallback" /></Service></OAuth>')
BUNDLES = "https://jira.example.com/jira/rest/gadgets/1.0/g/messagebundle"

#: The Atlassian sources in tests/specs/real/ (README): {file: {macro text as written: what Atlassian writes there}}
REAL_SOURCES = {
    "atlassian-jira-calendar-plugin-calendar-gadget.xml": {
        "#oauth": OAUTH,
        '#supportedLocales("gadget.common,portlet.issuescalendar,gadget.issuescalendar")':
            f'<Locale messages="{BUNDLES}/und/gadget.common%2Cportlet.issuescalendar%2Cgadget.issuescalendar"/>',
        'baseUrl: "__ATLASSIAN_BASE_URL__"': 'baseUrl: "https://jira.example.com/jira"'},
    "qrapids-dashboard-jira-gadget.xml": {
        "#oauth": OAUTH,
        '#supportedLocales("gadget.common")': f'<Locale messages="{BUNDLES}/und/gadget.common"/>',
        'screenshot="__ATLASSIAN_BASE_URL__/download/resources/': 'screenshot="https://jira.example.com/jira/download/'
                                                                 'resources/',
        'printTableQR(dataQR, dtoIssues, "__ATLASSIAN_BASE_URL__");':
            'printTableQR(dataQR, dtoIssues, "https://jira.example.com/jira");'},
    "crowdin-jira-project-status-plugin-gadget.xml": {
        'messages="__ATLASSIAN_BASE_URL__/download/resources/crowdin-project-status-plugin/i18n/ALL_ALL.xml"':
            'messages="https://jira.example.com/jira/download/resources/crowdin-project-status-plugin/i18n/ALL_ALL.xml"',
        'baseUrl: "__ATLASSIAN_BASE_URL__"': 'baseUrl: "https://jira.example.com/jira"'},
}


def expected(source, replacements):
    """The source with each macro written as Atlassian writes it (each of these sources uses #oauth and
    #supportedLocales at most once), every __ATLASSIAN_BASE_URL__ the base URL."""
    for written, expanded in replacements.items():
        assert source.count(written) == 1, written
        source = source.replace(written, expanded)
    return source.replace("__ATLASSIAN_BASE_URL__", BASE)


def test_the_real_atlassian_sources_are_the_readme_s():
    readme = (REAL / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in REAL_SOURCES)
    sources = {p.name for p in REAL.glob("*.xml") if "__ATLASSIAN_BASE_URL__" in p.read_text() or
               "#oauth" in p.read_text() or "#supportedLocales" in p.read_text()}
    assert sources == set(REAL_SOURCES)


@pytest.mark.parametrize("name", sorted(REAL_SOURCES))
def test_real_sources_expand_as_atlassian_s_renderer_does(name):
    source = (REAL / name).read_text()
    result = atlassian_expansion(source, BASE)
    assert result == expected(source, REAL_SOURCES[name])
    assert "__ATLASSIAN_BASE_URL__" not in result and "#oauth" not in result and "#supportedLocales" not in result
    # the resource macros are left to the refusal, which names them
    assert result.count("#requireResource") == source.count("#requireResource")
    with pytest.raises(SpecError, match="#requireResource"):
        parse_spec(source.encode(), url=f"{BASE}/download/resources/x/gadget.xml")


def test_supported_locales_one_element_per_locale_the_application_supports():
    source = (REAL / "atlassian-jira-calendar-plugin-calendar-gadget.xml").read_text()
    prefixes = "gadget.common%2Cportlet.issuescalendar%2Cgadget.issuescalendar"
    result = atlassian_expansion(source, BASE, locales=[("de", "DE"), ("fr", ""), ("en", "US")])
    assert (f'<Locale messages="{BUNDLES}/und/{prefixes}"/><Locale lang="de" country="DE" messages="{BUNDLES}/de_DE/'
            f'{prefixes}"/><Locale lang="fr" messages="{BUNDLES}/fr/{prefixes}"/><Locale lang="en" country="US" '
            f'messages="{BUNDLES}/en_US/{prefixes}"/>') in result


def test_only_the_first_oauth_and_supported_locales_are_expanded_and_only_atlassian_s_form():
    source = ('#oauth #supportedLocales("a b,c.d~*") #oauth #supportedLocales("x") #supportedLocales ("y") '
              '#supportedLocales("a/b") #oauthPanel __ATLASSIAN_BASE_URL__ __ATLASSIAN_BASE_URL__')
    assert atlassian_expansion(source, BASE) == (
        f'{OAUTH} <Locale messages="{BUNDLES}/und/a+b%2Cc.d%7E*"/> #oauth #supportedLocales("x") '
        f'#supportedLocales ("y") #supportedLocales("a/b") #oauthPanel {BASE} {BASE}')


def test_the_base_url_is_inserted_as_it_is_and_one_that_would_break_out_is_refused():
    spec = ('<Module><ModulePrefs title="t">#oauth</ModulePrefs><Content><![CDATA[<script>var base = '
            '"__ATLASSIAN_BASE_URL__";</script><a href="__ATLASSIAN_BASE_URL__/x">x</a>]]></Content></Module>')
    # as Atlassian inserts it: raw, in the script and in markup alike (no &amp; in the script)
    base = "https://jira.example.com:8443/ji+ra;v=1(x)!$*,@~%41"
    url = base + "/rest/gadgets/1.0/g/com.example:g/g.xml"
    expanded = expand_atlassian(spec.encode(), url).decode()
    assert f'var base = "{base}";' in expanded and f'href="{base}/x"' in expanded
    assert f'<Access url="{base}/plugins/servlet/oauth/access-token"' in expanded
    # a base URL (from where the spec was fetched) that would change the attribute or script: refused, naming them
    for bad, named in [('ji"ra', "'\"'"), ("ji'ra", '"\'"'), ("ji<ra>", "'<', '>'"), ("ji ra", "' '"),
                       ("ji&ra", "'&'"), ("ji\\ra", "'\\\\'")]:
        with pytest.raises(SpecError) as refused:
            expand_atlassian(spec.encode(), f"https://jira.example.com/{bad}/rest/gadgets/1.0/g/x.xml")
        assert str(refused.value).startswith("the spec is an Atlassian plugin's source: #oauth inserts the "
                                             f"application's base URL {'https://jira.example.com/' + bad!r} (taken "
                                             "from where the spec was fetched)"), bad
        assert str(refused.value).endswith(f"as Atlassian does, and that base URL has {named}, which would change the "
                                           "attribute or script around it; add the spec at a URL without them"), bad
