"""Builds compile the message catalogs, so an installed panel speaks Japanese without `make`
(everything else about the package is in pyproject.toml)."""
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self):
        from babel.messages.frontend import CompileCatalog

        compile_catalog = CompileCatalog(self.distribution)
        compile_catalog.directory = "tenants/translations"
        compile_catalog.ensure_finalized()
        compile_catalog.run()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
