"""Every URL of the core. Plugins add theirs under /p/<plugin name> through ``dashboard_configure``."""


import os

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def includeme(config):
    # By path, not asset spec: pkg_resources cannot list directories of editable (PEP 660) installs.
    config.add_static_view("static", STATIC_DIR, cache_max_age=3600)
    config.add_route("home", "/")
    config.add_route("login", "/login")
    config.add_route("logout", "/logout")
    config.add_route("setup", "/setup")
    config.add_route("dashboard_new", "/dashboards/new")
    config.add_route("dashboard", "/d/{did}")
    config.add_route("dashboard_action", "/d/{did}/{action:rename|delete|layout|add}")
    config.add_route("gadget_prefs", "/d/{did}/g/{iid}/prefs")
    config.add_route("gadget_maximized", "/d/{did}/g/{iid}/max")
    config.add_route("gadget_restore", "/d/{did}/g/{iid}/restore")
    config.add_route("gadget_action", "/d/{did}/g/{iid}/{action:move|remove|minimize}")
    config.add_route("directory", "/directory")
    config.add_route("frame", "/frame/{did}/{iid}")
    config.add_route("frame_prefs", "/frame/{did}/{iid}/prefs")
    config.add_route("gadget_spec", "/gadgets/{gid}/spec.xml")
    config.add_route("gadget_thumbnail", "/gadgets/{gid}/thumbnail")
    config.add_route("connect_callback_oauth2", "/connect/callback/oauth2")
    config.add_route("connect_callback_oauth1", "/connect/callback/oauth1")
    config.add_route("connect", "/connect/{provider}")
    config.add_route("connections", "/connections")
    config.add_route("connection_revoke", "/connections/{cid}/revoke")
    config.add_route("gadget_account", "/d/{did}/g/{iid}/account")
    config.add_route("proxy", "/proxy/{did}/{iid}")
    # Our OAuth 1.0a service provider, at the paths Atlassian products use
    config.add_route("oauth_request_token", "/plugins/servlet/oauth/request-token")
    config.add_route("oauth_authorize", "/plugins/servlet/oauth/authorize")
    config.add_route("oauth_access_token", "/plugins/servlet/oauth/access-token")
    config.add_route("oauth_consumer_info", "/plugins/servlet/oauth/consumer-info")
    config.add_route("issued_tokens", "/tokens")
    config.add_route("issued_token_revoke", "/tokens/{tid}/revoke")
    config.add_route("admin_consumer_info", "/admin/consumer-info")
    config.add_route("admin_trusted", "/admin/trusted")
    config.add_route("admin_trusted_app", "/admin/trusted/{app_id:.+}")  # ids may hold "/", as keys may
    config.add_route("admin_specs", "/admin/specs")
    config.add_route("admin_consumers", "/admin/consumers")
    config.add_route("admin_consumer", "/admin/consumers/{key:.+}")  # consumer keys may hold "/"
    config.add_route("admin", "/admin")
    config.add_route("admin_providers", "/admin/providers")
    config.add_route("admin_provider", "/admin/providers/{pid}")
    config.add_route("admin_audit", "/admin/audit")
    config.add_route("admin_settings", "/admin/settings")
    config.add_route("admin_plugin", "/admin/plugins/{name}")
    # JSON API
    config.add_route("api_openapi", "/api/openapi.json")
    config.add_route("api_me", "/api/me")
    config.add_route("api_gadgets", "/api/gadgets")
    config.add_route("api_gadget_render", "/api/gadgets/{gid}/render")
    config.add_route("api_dashboards", "/api/dashboards")
    config.add_route("api_dashboard", "/api/dashboards/{did}")
    config.add_route("api_instances", "/api/dashboards/{did}/gadgets")
    config.add_route("api_instance", "/api/dashboards/{did}/gadgets/{iid}")
    config.add_route("api_instance_restore", "/api/dashboards/{did}/gadgets/{iid}/restore")
    config.add_route("api_instance_data", "/api/dashboards/{did}/gadgets/{iid}/data")
    config.add_route("api_admin_plugins", "/api/admin/plugins")
    config.add_route("api_admin_providers", "/api/admin/providers")
    config.add_route("api_admin_users", "/api/admin/users")
    config.add_route("api_admin_settings", "/api/admin/settings")
