"""The XBlock SDK's workbench, to be mounted under ``/workbench/`` (the demo's and the tests' URLs).

These are ``workbench/urls.py``'s patterns (xblock-sdk 0.14.0), names included: its templates and
runtime reverse them (``workbench_index``, ``scenario``, ``handler``, ``package_resource``,
``reset_state``, ``javascript-catalog``…). Not its last lines: it mounts ``admin.site.urls`` a
second time (Django's urls.W005, a duplicate namespace) and static/media patterns meant for its own
project; the host's ``/admin/`` serves the workbench's state admin
(``admin:workbench_xblockstate_changelist``), ``runserver`` and the live server serve static files.

The workbench identifies its "student" with a ``?student=`` parameter; the Cursus block ignores it
and acts for the Django user signed in (django-crum's middleware), so sign in first.
"""

from django.urls import path, re_path
from django.views.i18n import JavaScriptCatalog
from workbench import views

urlpatterns = [
    re_path(r"^$", views.index, name="workbench_index"),
    re_path(r"^scenario/(?P<scenario_id>[^/]+)/(?P<view_name>[^/]+)/$", views.show_scenario, name="scenario"),
    re_path(r"^userlist/$", views.user_list, name="userlist"),
    re_path(r"^scenario/(?P<scenario_id>[^/]+)/$", views.show_scenario, name="workbench_show_scenario"),
    re_path(
        r"^view/(?P<scenario_id>[^/]+)/(?P<view_name>[^/]+)/$",
        views.show_scenario,
        {"template": "workbench/blockview.html"},
    ),
    re_path(r"^view/(?P<scenario_id>[^/]+)/$", views.show_scenario, {"template": "workbench/blockview.html"}),
    re_path(
        r"^handler/(?P<usage_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
        views.handler,
        {"authenticated": True},
        name="handler",
    ),
    re_path(
        r"^aside_handler/(?P<aside_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
        views.aside_handler,
        {"authenticated": True},
        name="aside_handler",
    ),
    re_path(
        r"^unauth_handler/(?P<usage_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
        views.handler,
        {"authenticated": False},
        name="unauth_handler",
    ),
    re_path(r"^resource/(?P<block_type>[^/]+)/(?P<resource>.*)$", views.package_resource, name="package_resource"),
    re_path(r"^reset_state$", views.reset_state, name="reset_state"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
