"""Packaging shim: setup.cfg holds the metadata; this maps the ``src/`` package and the root-level
``loading_scripts`` converters (setup.cfg's ``packages.find`` reads a single ``where``)."""

from setuptools import find_packages, setup

setup(
    packages=find_packages("src") + find_packages(".", include=["loading_scripts", "loading_scripts.*"]),
    package_dir={"": "src", "loading_scripts": "loading_scripts"},
)
