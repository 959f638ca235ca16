"""Sphinx configuration of the skbpnet documentation.

Build with ``bash docs/build.sh`` (warnings are errors). Nothing here needs
network access: intersphinx is off, so references to scikit-learn, NumPy and
matplotlib objects are rendered as plain names.
"""

import os
import re

import skbpnet

# Examples and doctests must not pop up windows.
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skbpnet"
author = "skbpnet developers"
copyright = "skbpnet developers"
version = release = skbpnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "literal"

# Every reference must resolve, except those to other projects (no intersphinx).
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|numpy|np|scipy|matplotlib|pandas)(\..*)?"),
    (r"py:.*", r"(Line2D|Axes|Figure)"),
]

# -- autodoc / autosummary / numpydoc -----------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"no-value": True}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skbpnet {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skbpnet",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skbpnet": None},
    "download_all_examples": False,
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- docstring fix-ups ----------------------------------------------------------
# numpydoc copies the type of a parameter or attribute into reStructuredText
# verbatim, where a word ending in "_" (``n_layers_``, ``n_features_in_``) is a
# hyperlink reference to a target that does not exist. Render such words in
# the type part of "name : type" lines as literals instead.
_TYPE_LINE = re.compile(r"^(\s*\*?\*?\w[\w, ]*\s:\s)(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![\w`])")


def _escape_trailing_underscores(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match:
            head, kind = match.groups()
            lines[i] = head + _TRAILING_UNDERSCORE.sub(r"``\1``", kind)


def setup(app):
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _escape_trailing_underscores, priority=100)
