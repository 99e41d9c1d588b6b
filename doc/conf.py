"""Sphinx configuration of skrnn's documentation: API reference, user guide, gallery.

Build it from the repository root with warnings as errors::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html doc doc/_build/html
"""

import os
import warnings

from threadpoolctl import threadpool_limits

import skrnn

project = "skrnn"
copyright = "the skrnn developers"
author = "the skrnn developers"
version = release = skrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
root_doc = "index"
default_role = "literal"  # `x` reads as code, as in the docstrings
nitpicky = False

# --- API reference: autosummary writes one page per public object into generated/
autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections carry the types

# numpydoc renders Parameters / Attributes / Examples; the method tables come from
# doc/_templates/class.rst, so numpydoc does not add its own member lists
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- gallery: examples/plot_*.py are executed, the other examples only rendered
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
}

# The examples run in this process, one after the other. Their matrices are small, and
# one BLAS thread is the faster for them (two threads fight on two cores); their
# joblib workers (n_jobs=2) get one thread each from joblib anyway.
threadpool_limits(limits=1, user_api="blas")
os.environ.setdefault("MPLBACKEND", "Agg")
# matplotlib's notices when the gallery runs plt.show() on its non-interactive backend
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")
warnings.filterwarnings("ignore", message="FigureCanvasAgg is non-interactive")

# --- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_show_sourcelink = False
