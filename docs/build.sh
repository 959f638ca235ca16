#!/usr/bin/env bash
# Build the HTML documentation, executing every gallery example.
#
#   bash docs/build.sh            (from the repository root or from docs/)
#
# Warnings are errors (-W); --keep-going reports all of them before failing.
# The output goes to docs/_build/html.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python}"

# The examples are small: BLAS threads only add overhead (a lot of it on a
# busy machine), so run them single-threaded unless told otherwise.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
export MPLBACKEND=Agg

exec "$PYTHON" -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
