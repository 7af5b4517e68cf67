"""Which packages the wheel carries (the rest of the metadata is in pyproject.toml).

The digest templates live at the top of the repository, in digests/, where admins edit
them. pyproject.toml alone cannot add a folder outside bot/ to a found package list, so it
is mapped here as the package bot.digest.templates: an installed aibrief falls back to
these copies when the configured AIBRIEF_DIGESTS_DIR lacks a template.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["bot*"]) + ["bot.digest.templates"],
    package_dir={"bot.digest.templates": "digests"},
    package_data={"bot": ["data/*", "data/**/*"], "bot.digest.templates": ["*.j2"]},
)
