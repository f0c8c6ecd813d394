#!/usr/bin/env bash
# Builds the documentation site into docs/_build/html. Run from the repository root
# after `pip install -e ".[docs]"`:  bash docs/build.sh
# Any Sphinx warning fails the build (-W; --keep-going lists them all first), every
# internal cross-reference must resolve (-n), and every link between the site's own
# pages and anchors is checked (docs/_ext/check_links.py; no network: links out of
# the site are not followed).
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf docs/_build docs/generated
python -m sphinx -b html -W --keep-going -n -q -j auto docs docs/_build/html
python docs/_ext/check_links.py docs/_build/html
echo "docs built: docs/_build/html/index.html"
