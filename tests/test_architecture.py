"""The package's shape, checked on its import graph (grimp, the library import-linter is built on).

``shared/design.md``: interfaces (admin, API, XBlock, commands, tasks) → services and selectors →
models; edx-platform only behind the Open edX backend; no import circle. Imports inside functions
count like the others: a lazy import that runs back up is still a dependency back up.
"""

import functools
from pathlib import Path

import grimp
import pytest
from django.utils.module_loading import import_string

import cursus_xblock

PACKAGE = "cursus_xblock"

#: Import circles tolerated for a while: pairs of modules whose imports, both ways, are left out of
#: the checks below. None today (issue 13 removed the last); a test fails when an entry goes stale.
KNOWN_CIRCLES: frozenset = frozenset()

#: Modules that re-export from above on purpose: the path operators' settings name.
ALIASES = {"cursus_xblock.backends.openedx"}

#: From the top down. A layer may import the layers below it, never one above (directly or through
#: other modules). Modules named in no layer (checks, settings, migrations) are not constrained,
#: but a chain through them between two layers counts.
LAYERS = (
    grimp.Layer(
        "apps",
        "checks",
        "urls",
        "admin",
        "api",
        "xblock",
        "web",
        "management",
        "tasks",
        independent=False,
    ),
    grimp.Layer("openedx"),  # receivers call the services; the services reach the backend by its dotted path
    grimp.Layer("services", "selectors", independent=False),
    grimp.Layer("documents", "permissions", independent=False),
    grimp.Layer("models"),
    grimp.Layer("backends"),  # models validate workspace keys through the configured backend
    grimp.Layer("utils", "signals", "conf", "db", independent=False),
)

#: The package's top: the app's face only, the rest lives in subpackages.
FACE = {"__init__", "apps", "conf", "checks", "urls", "permissions", "signals", "tasks"}

#: Top-level names of edx-platform's own code, which only the Open edX backend may import.
EDX_PLATFORM = {"common", "lms", "cms", "openedx", "xmodule"}
SEAM = "cursus_xblock.openedx.backend"


@functools.cache
def _full_graph():
    return grimp.build_graph(PACKAGE, include_external_packages=True, cache_dir=None)


def _graph():
    """The package's graph without the known circles' imports and the aliases (a fresh copy)."""
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    for pair in KNOWN_CIRCLES:
        first, second = sorted(pair)
        for importer, imported in ((first, second), (second, first)):
            if graph.direct_import_exists(importer=importer, imported=imported):
                graph.remove_import(importer=importer, imported=imported)
    for alias in ALIASES:
        graph.remove_module(alias)
    return graph


def _circles(graph):
    """Every pair of modules that import each other, directly or round a longer loop, with the loop."""
    found = {}
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            pair = frozenset({module, imported})
            if pair in found:
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                found[pair] = " → ".join((module, *back))
    return found


def test_no_import_circle_inside_the_package():
    circles = _circles(_graph())
    assert not circles, "Import circles:\n" + "\n".join(sorted(circles.values()))


def test_known_circles_are_still_there():
    """An entry the code no longer needs must leave KNOWN_CIRCLES, so the list never hides a new one."""
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    gone = [sorted(pair) for pair in KNOWN_CIRCLES if frozenset(pair) not in _circles(graph)]
    assert not gone, f"No longer a circle, remove from KNOWN_CIRCLES: {gone}"


def test_imports_follow_the_direction_interfaces_services_models():
    graph = _graph()
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers={PACKAGE})
    lines = []
    for dependency in sorted(illegal, key=lambda d: (d.importer, d.imported)):
        routes = sorted(
            " → ".join((*sorted(route.heads), *route.middle, *sorted(route.tails))) for route in dependency.routes
        )
        lines.append(f"{dependency.importer} must not import {dependency.imported}: " + "; ".join(routes))
    assert not lines, "Imports against the direction:\n" + "\n".join(lines)


def test_layers_name_existing_modules():
    """A misspelt layer would silently check nothing (grimp skips names it does not find)."""
    graph = _full_graph()
    missing = {tail for layer in LAYERS for tail in layer.module_tails if f"{PACKAGE}.{tail}" not in graph.modules}
    assert not missing


def test_only_the_open_edx_backend_imports_edx_platform():
    graph = _full_graph()
    importers = {
        module
        for top in EDX_PLATFORM
        if top in graph.modules
        for module in graph.find_modules_that_directly_import(top)
        if module.startswith(f"{PACKAGE}.")
    }
    assert importers <= {SEAM}


def test_the_package_top_holds_only_the_apps_face():
    top = {path.stem for path in Path(cursus_xblock.__file__).parent.glob("*.py")}
    assert top <= FACE


@pytest.mark.parametrize(
    "path",
    [
        "cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend",  # operators' and the Tutor plugin's setting
        "cursus_xblock.backends.OPENEDX_BACKEND",
    ],
)
def test_the_configured_backend_paths_still_load_the_open_edx_backend(path):
    from cursus_xblock.openedx.backend import OpenEdxWorkspaceBackend

    backend = import_string(path)
    if isinstance(backend, str):
        backend = import_string(backend)
    assert backend is OpenEdxWorkspaceBackend


def test_the_self_enrollment_filter_path_still_loads():
    from openedx_filters import PipelineStep

    step = import_string("cursus_xblock.openedx.filters.PreventSelfEnrollment")
    assert issubclass(step, PipelineStep)
