"""Installs cursus-xblock into the Open edX images and configures the LMS and Studio for it.

* the Python package: a working copy added with ``tutor mounts add /path/to/cursus-xblock`` (Tutor
  installs it in the image), or ``CURSUS_PIP_REQUIREMENT`` (a wheel's URL, a git URL of the
  repository, or ``cursus-xblock==X.Y.Z`` once a release is on the package index), installed after
  edx-platform's requirements. The default is empty: nothing named cursus-xblock is published yet,
  and with neither a mount nor a requirement the image build stops and says so;
* the system libraries WeasyPrint needs to make the PDF invitations and certificates (Pango,
  HarfBuzz's subsetter) and a font, in the ``minimal`` stage every Open edX image starts from;
* the settings: the Open edX workspace backend and the root of verification links in the LMS and
  Studio, and, when ``CURSUS_PREVENT_SELF_ENROLLMENT`` is true, the openedx-filters step that keeps
  learners from enrolling themselves in course runs that sessions manage.

The migrations run with the platform's own (``tutor local do init``).
"""

from tutor import hooks

from . import __version__

hooks.Filters.CONFIG_DEFAULTS.add_items(
    [
        ("CURSUS_VERSION", __version__),
        ("CURSUS_PIP_REQUIREMENT", ""),
        ("CURSUS_PREVENT_SELF_ENROLLMENT", False),
    ]
)

# `tutor mounts add /path/to/cursus-xblock` installs a working copy in the images (development).
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", "cursus-xblock"))

SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"

DOCKERFILE_MINIMAL = f"""# cursus-xblock: what WeasyPrint needs to make PDFs (Pango, HarfBuzz) and a font
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
    --mount=type=cache,target=/var/lib/apt,sharing=locked \\
    apt update && \\
    apt install -y --no-install-recommends {SYSTEM_PACKAGES}"""

# Not through OPENEDX_EXTRA_PIP_REQUIREMENTS: an operator who sets that list in config.yml would
# silently drop us from it. PIP_COMMAND is "uv pip" in recent images, unset in older ones.
DOCKERFILE_REQUIREMENTS = """# cursus-xblock
{% if CURSUS_PIP_REQUIREMENT -%}
RUN --mount=type=cache,target=/openedx/.cache/pip,sharing=shared \\
    ${PIP_COMMAND:-pip} install '{{ CURSUS_PIP_REQUIREMENT }}'
{%- elif "cursus-xblock" not in iter_mounted_directories(MOUNTS, "openedx") -%}
RUN echo "cursus-xblock: run 'tutor mounts add /path/to/cursus-xblock' or set CURSUS_PIP_REQUIREMENT" \\
    "(a wheel URL, a git URL of the repository, or cursus-xblock==X.Y.Z once published)" >&2 && exit 1
{%- else -%}
# installed from the mounted working copy (tutor mounts add …/cursus-xblock)
{%- endif %}"""

COMMON_SETTINGS = """# --- cursus-xblock
CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend"
CURSUS_SITE_URL = "{% if ENABLE_HTTPS %}https{% else %}http{% endif %}://{{ LMS_HOST }}"
# --- end cursus-xblock"""

LMS_SETTINGS = """# --- cursus-xblock: self-enrollment filter
{% if CURSUS_PREVENT_SELF_ENROLLMENT -%}
_cursus_filters = globals().setdefault("OPEN_EDX_FILTERS_CONFIG", {})
_cursus_filter = _cursus_filters.setdefault("org.openedx.learning.course.enrollment.started.v1", {})
_cursus_filter.setdefault("fail_silently", False)
_cursus_pipeline = _cursus_filter.setdefault("pipeline", [])
if "cursus_xblock.openedx.filters.PreventSelfEnrollment" not in _cursus_pipeline:
    _cursus_pipeline.append("cursus_xblock.openedx.filters.PreventSelfEnrollment")
{% endif -%}
# --- end cursus-xblock: self-enrollment filter"""

# `tutor dev` serves the LMS on port 8000 (LMS_ROOT_URL in Tutor's development settings): the
# verification links in the PDFs must carry it.
DEVELOPMENT_SETTINGS = """# --- cursus-xblock
CURSUS_SITE_URL = LMS_ROOT_URL
# --- end cursus-xblock"""

hooks.Filters.ENV_PATCHES.add_items(
    [
        ("openedx-development-settings", DEVELOPMENT_SETTINGS),
        ("openedx-dockerfile-minimal", DOCKERFILE_MINIMAL),
        ("openedx-dockerfile-post-python-requirements", DOCKERFILE_REQUIREMENTS),
        ("openedx-lms-common-settings", COMMON_SETTINGS),
        ("openedx-lms-common-settings", LMS_SETTINGS),
        ("openedx-cms-common-settings", COMMON_SETTINGS),
    ]
)
