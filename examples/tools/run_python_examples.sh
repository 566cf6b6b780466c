#!/bin/sh
# run_python_examples.sh LIBWSTLS REPO - runs the Python examples (python/examples/) against
# real peers (python/tests/test_examples.py) with the libwstls just built. Exit 77 (ctest:
# skipped) when pytest is not installed; scripts/test.sh installs it.
set -eu
lib=$1
repo=$2
if ! python3 -c "import pytest" 2>/dev/null; then
    echo "pytest is not installed (python3 -m pip install pytest): skipped"
    exit 77
fi
WSTLS_LIBRARY=$lib exec python3 -m pytest -q -p no:cacheprovider "$repo/python/tests/test_examples.py"
